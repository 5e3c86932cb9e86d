//! User rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::NewUser;
use super::schema::users;
use crate::domain::ids::UserId;
use crate::domain::user::Role;

pub fn find_id_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserId>> {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<UserId> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(users::id)
        .get_result(conn)
}

/// Makes an existing user an admin with this password, re-enables them, and ends their
/// sessions (the epoch moves on).
pub fn reset_admin(
    conn: &mut DbConnection,
    id: UserId,
    name: Option<&str>,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::role.eq(Role::Admin),
            users::password_hash.eq(password_hash),
            users::disabled_at.eq(None::<NaiveDateTime>),
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    if let Some(name) = name {
        diesel::update(users::table.filter(users::id.eq(id)))
            .set(users::name.eq(name))
            .execute(conn)?;
    }
    Ok(())
}

pub fn count_admins(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .count()
        .get_result(conn)
}

/// What signing in needs to know about an account.
#[derive(Debug, Clone, Queryable)]
pub struct LoginRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub session_epoch: i64,
    pub disabled_at: Option<NaiveDateTime>,
}

pub fn find_for_login(conn: &mut DbConnection, email: &str) -> QueryResult<Option<LoginRow>> {
    users::table
        .filter(users::email.eq(email))
        .select((
            users::id,
            users::name,
            users::email,
            users::role,
            users::password_hash,
            users::session_epoch,
            users::disabled_at,
        ))
        .first(conn)
        .optional()
}

pub fn find_by_id(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<LoginRow>> {
    users::table
        .filter(users::id.eq(id))
        .select((
            users::id,
            users::name,
            users::email,
            users::role,
            users::password_hash,
            users::session_epoch,
            users::disabled_at,
        ))
        .first(conn)
        .optional()
}

pub fn set_name(
    conn: &mut DbConnection,
    id: UserId,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((users::name.eq(name), users::updated_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}

pub fn set_email(
    conn: &mut DbConnection,
    id: UserId,
    email: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::email.eq(email),
            users::email_verified_at.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Sets the password and moves the session epoch on (ending every session); returns the new
/// epoch.
pub fn set_password(
    conn: &mut DbConnection,
    id: UserId,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::password_hash.eq(hash),
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(now),
        ))
        .returning(users::session_epoch)
        .get_result(conn)
}

/// Ends every session of the user; returns the new epoch.
pub fn bump_session_epoch(
    conn: &mut DbConnection,
    id: UserId,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(now),
        ))
        .returning(users::session_epoch)
        .get_result(conn)
}
