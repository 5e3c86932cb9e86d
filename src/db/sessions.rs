//! Server-side sessions (`user_sessions`): the session cookie carries a random id, only its
//! SHA-256 is stored. A session is live while it is not revoked and within its idle and
//! absolute timeouts; logging out revokes it, "log out everywhere", a password change and
//! disabling the account revoke every session of the user.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::user_sessions;
use crate::domain::ids::UserId;

pub fn insert(
    conn: &mut DbConnection,
    user: UserId,
    id_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(user_sessions::table)
        .values((
            user_sessions::user_id.eq(user),
            user_sessions::id_hash.eq(id_hash),
            user_sessions::created_at.eq(now),
            user_sessions::last_seen_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Whether the session with this id hash is live for `user` at `now`.
pub fn is_live(
    conn: &mut DbConnection,
    user: UserId,
    id_hash: &str,
    now: NaiveDateTime,
    idle: TimeDelta,
    absolute: TimeDelta,
) -> QueryResult<bool> {
    let found: i64 = user_sessions::table
        .filter(user_sessions::id_hash.eq(id_hash))
        .filter(user_sessions::user_id.eq(user))
        .filter(user_sessions::revoked_at.is_null())
        .filter(user_sessions::last_seen_at.gt(now - idle))
        .filter(user_sessions::created_at.gt(now - absolute))
        .count()
        .get_result(conn)?;
    Ok(found == 1)
}

/// Records use of a live session.
pub fn touch(conn: &mut DbConnection, id_hash: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        user_sessions::table
            .filter(user_sessions::id_hash.eq(id_hash))
            .filter(user_sessions::revoked_at.is_null())
            .filter(user_sessions::last_seen_at.lt(now)),
    )
    .set(user_sessions::last_seen_at.eq(now))
    .execute(conn)
    .map(|_| ())
}

/// Ends one session; `false` when it was not live.
pub fn revoke(conn: &mut DbConnection, id_hash: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        user_sessions::table
            .filter(user_sessions::id_hash.eq(id_hash))
            .filter(user_sessions::revoked_at.is_null()),
    )
    .set(user_sessions::revoked_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// Ends every session of the user.
pub fn revoke_all_for(
    conn: &mut DbConnection,
    user: UserId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        user_sessions::table
            .filter(user_sessions::user_id.eq(user))
            .filter(user_sessions::revoked_at.is_null()),
    )
    .set(user_sessions::revoked_at.eq(now))
    .execute(conn)
}

/// Sessions that ended by `before` go: revoked, unused for longer than `idle`, or older
/// than `absolute`.
pub fn purge_ended(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    idle: TimeDelta,
    absolute: TimeDelta,
) -> QueryResult<usize> {
    diesel::delete(
        user_sessions::table.filter(
            user_sessions::revoked_at
                .le(before)
                .or(user_sessions::last_seen_at.lt(before - idle))
                .or(user_sessions::created_at.lt(before - absolute)),
        ),
    )
    .execute(conn)
}
