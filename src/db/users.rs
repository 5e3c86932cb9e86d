//! User rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
pub use super::models::LoginRow;
use super::models::NewUser;
use super::schema::users;
use crate::domain::ids::UserId;
use crate::domain::user::Role;

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
    end_all_sessions(conn, id, now)?;
    if let Some(name) = name {
        diesel::update(users::table.filter(users::id.eq(id)))
            .set(users::name.eq(name))
            .execute(conn)?;
    }
    Ok(())
}

/// Ends every server-side session and API token of the user, in the caller's transaction: what
/// "log out everywhere", a password change and disabling the account all mean.
pub fn end_all_sessions(
    conn: &mut DbConnection,
    id: UserId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::sessions::revoke_all_for(conn, id, now)?;
    super::tokens::revoke_all_for(conn, id, now)?;
    Ok(())
}

pub fn count_admins(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .count()
        .get_result(conn)
}

pub fn find_for_login(conn: &mut DbConnection, email: &str) -> QueryResult<Option<LoginRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(LoginRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_id(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<LoginRow>> {
    users::table
        .filter(users::id.eq(id))
        .select(LoginRow::as_select())
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

/// Sets the password and moves the session epoch on (ending every session and API token);
/// returns the new epoch.
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
        .and_then(|epoch| end_all_sessions(conn, id, now).map(|()| epoch))
}

/// Ends every session and API token of the user; returns the new epoch.
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
        .and_then(|epoch| end_all_sessions(conn, id, now).map(|()| epoch))
}

/// A row of the admin's user list.
#[derive(Debug, Clone, Queryable)]
pub struct UserListRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Users whose email or name contains `needle` (already lower-cased, `LIKE`-escaped), newest
/// first.
pub fn search(
    conn: &mut DbConnection,
    pattern: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<UserListRow>> {
    let mut query = users::table.into_boxed();
    if let Some(pattern) = pattern {
        query = query.filter(
            users::email
                .like(pattern.to_owned())
                .escape('\\')
                .or(crate::db::catalogue::lower(users::name)
                    .like(pattern.to_owned())
                    .escape('\\')),
        );
    }
    query
        .order((users::created_at.desc(), users::id.desc()))
        .limit(limit)
        .select((
            users::id,
            users::name,
            users::email,
            users::role,
            users::disabled_at,
            users::created_at,
        ))
        .load(conn)
}

/// Disables or re-enables an account. Disabling moves the session epoch on, so the account's
/// sessions end at once. `false` when nothing changed.
pub fn set_disabled(
    conn: &mut DbConnection,
    id: UserId,
    disabled: bool,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = users::table.filter(users::id.eq(id));
    let changed = if disabled {
        let n = diesel::update(target.filter(users::disabled_at.is_null()))
            .set((
                users::disabled_at.eq(Some(now)),
                users::session_epoch.eq(users::session_epoch + 1),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        end_all_sessions(conn, id, now)?;
        n
    } else {
        // A deleted account stays disabled for good (the `account_deletion` CHECK).
        diesel::update(
            target
                .filter(users::disabled_at.is_not_null())
                .filter(users::deleted_at.is_null()),
        )
        .set((
            users::disabled_at.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now),
        ))
        .execute(conn)?
    };
    Ok(changed == 1)
}

/// Changes an account's role (the epoch moves on: sessions re-check their rights). `false` when
/// it already had it.
pub fn set_role(
    conn: &mut DbConnection,
    id: UserId,
    role: Role,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::role.ne(role))
            .filter(users::deleted_at.is_null()),
    )
    .set((
        users::role.eq(role),
        users::session_epoch.eq(users::session_epoch + 1),
        users::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Records that the user proved they read mail at their current address.
pub fn mark_verified(conn: &mut DbConnection, id: UserId, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::email_verified_at.is_null()),
    )
    .set((
        users::email_verified_at.eq(Some(now)),
        users::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
