//! One-time sign-in (unlock) links sent by email. Only their SHA-256 is stored; using one is a
//! guarded update, so it works once even under a race.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::login_links;
use crate::domain::ids::{LoginLinkId, UserId};

pub fn insert(
    conn: &mut DbConnection,
    user: UserId,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<LoginLinkId> {
    diesel::insert_into(login_links::table)
        .values((
            login_links::user_id.eq(user),
            login_links::token_hash.eq(token_hash),
            login_links::created_at.eq(now),
            login_links::expires_at.eq(expires_at),
        ))
        .returning(login_links::id)
        .get_result(conn)
}

/// The user of an unused, unexpired link (without using it).
pub fn find_live(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<UserId>> {
    login_links::table
        .filter(login_links::token_hash.eq(token_hash))
        .filter(login_links::used_at.is_null())
        .filter(login_links::expires_at.gt(now))
        .select(login_links::user_id)
        .first(conn)
        .optional()
}

/// Uses the link: `Some(user)` for exactly one caller while it is live, `None` otherwise.
pub fn consume(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<UserId>> {
    diesel::update(
        login_links::table
            .filter(login_links::token_hash.eq(token_hash))
            .filter(login_links::used_at.is_null())
            .filter(login_links::expires_at.gt(now)),
    )
    .set(login_links::used_at.eq(Some(now)))
    .returning(login_links::user_id)
    .get_result(conn)
    .optional()
}

/// Uses up every live link of the user (after an email change).
pub fn use_up_all(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        login_links::table
            .filter(login_links::user_id.eq(user))
            .filter(login_links::used_at.is_null()),
    )
    .set(login_links::used_at.eq(Some(now)))
    .execute(conn)
}

/// Deletes links that expired before `before`.
pub fn purge_expired(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_links::table.filter(login_links::expires_at.lt(before))).execute(conn)
}
