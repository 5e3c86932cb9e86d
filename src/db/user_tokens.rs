//! Single-use tokens sent by email (verify an address, reset a password). Only their SHA-256
//! is stored; using one is a guarded update, so it works once even under a race.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{api_tokens, user_tokens};
use crate::domain::ids::{UserId, UserTokenId};

pub fn insert(
    conn: &mut DbConnection,
    user: UserId,
    purpose: &str,
    token_hash: &str,
    sent_to: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<UserTokenId> {
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::user_id.eq(user),
            user_tokens::purpose.eq(purpose),
            user_tokens::token_hash.eq(token_hash),
            user_tokens::sent_to.eq(Some(sent_to)),
            user_tokens::created_at.eq(now),
            user_tokens::expires_at.eq(expires_at),
        ))
        .returning(user_tokens::id)
        .get_result(conn)
}

/// The user of an unused, unexpired token (without using it), and the address it was sent
/// to (`None` for tokens issued before that was recorded).
pub fn find_live(
    conn: &mut DbConnection,
    purpose: &str,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(UserId, Option<String>)>> {
    user_tokens::table
        .filter(user_tokens::token_hash.eq(token_hash))
        .filter(user_tokens::purpose.eq(purpose))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(now))
        .select((user_tokens::user_id, user_tokens::sent_to))
        .first(conn)
        .optional()
}

/// The user of any token with this hash and purpose, used or not (to explain a dead link),
/// and the address it was sent to.
pub fn find_any(
    conn: &mut DbConnection,
    purpose: &str,
    token_hash: &str,
) -> QueryResult<Option<(UserId, Option<String>)>> {
    user_tokens::table
        .filter(user_tokens::token_hash.eq(token_hash))
        .filter(user_tokens::purpose.eq(purpose))
        .select((user_tokens::user_id, user_tokens::sent_to))
        .first(conn)
        .optional()
}

/// Uses the token: `Some((user, sent_to))` for exactly one caller while it is live, `None`
/// otherwise.
pub fn consume(
    conn: &mut DbConnection,
    purpose: &str,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(UserId, Option<String>)>> {
    diesel::update(
        user_tokens::table
            .filter(user_tokens::token_hash.eq(token_hash))
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null())
            .filter(user_tokens::expires_at.gt(now)),
    )
    .set(user_tokens::used_at.eq(Some(now)))
    .returning((user_tokens::user_id, user_tokens::sent_to))
    .get_result(conn)
    .optional()
}

/// Uses up every live token of the user for `purpose` (after a reset, older links die).
pub fn use_up_all(
    conn: &mut DbConnection,
    user: UserId,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        user_tokens::table
            .filter(user_tokens::user_id.eq(user))
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(Some(now)))
    .execute(conn)
}

/// Deletes email tokens and API tokens that expired before `before`.
pub fn purge_expired(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    let emailed = diesel::delete(user_tokens::table.filter(user_tokens::expires_at.lt(before)))
        .execute(conn)?;
    let api = diesel::delete(api_tokens::table.filter(api_tokens::expires_at.lt(before)))
        .execute(conn)?;
    Ok(emailed + api)
}
