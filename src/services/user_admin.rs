//! Admins managing accounts: find, disable and re-enable, change roles. Every change is audited
//! with the admin as the actor.

use chrono::NaiveDateTime;

use crate::db::audit::{self, NewAuditEntry};
use crate::db::users::{self, UserListRow};
use crate::db::{DbConnection, DbError};
use crate::domain::catalogue::contains_pattern;
use crate::domain::ids::UserId;
use crate::domain::user::Role;

pub const LIST_LIMIT: i64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum UserAdminError {
    #[error("no such account")]
    NotFound,
    #[error("admins can't disable or demote their own account")]
    OwnAccount,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for UserAdminError {
    fn from(e: diesel::result::Error) -> Self {
        UserAdminError::Db(DbError::Query(e))
    }
}

/// Accounts whose email or name contains `q` (all when blank), newest first.
pub fn list(conn: &mut DbConnection, q: &str) -> Result<Vec<UserListRow>, UserAdminError> {
    let q = q.trim().to_lowercase();
    let pattern =
        (!q.is_empty()).then(|| contains_pattern(&q.chars().take(100).collect::<String>()));
    Ok(users::search(conn, pattern.as_deref(), LIST_LIMIT)?)
}

/// What an admin can do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Disable,
    Enable,
    Role(Role),
}

/// Applies a change; `Ok(false)` when the account was already that way. Run it inside one
/// write transaction (`Db::write`): the check, the change and its audit row go together.
#[tracing::instrument(name = "users.apply", skip_all, fields(admin.id = %admin, user.id = %target))]
pub fn apply(
    conn: &mut DbConnection,
    admin: UserId,
    target: UserId,
    change: Change,
    now: NaiveDateTime,
) -> Result<bool, UserAdminError> {
    if admin == target && change != Change::Enable {
        return Err(UserAdminError::OwnAccount);
    }
    if users::find_by_id(conn, target)?.is_none() {
        return Err(UserAdminError::NotFound);
    }
    let (changed, action, detail) = match change {
        Change::Disable => (
            users::set_disabled(conn, target, true, now)?,
            "user.disabled",
            "{}".to_owned(),
        ),
        Change::Enable => (
            users::set_disabled(conn, target, false, now)?,
            "user.enabled",
            "{}".to_owned(),
        ),
        Change::Role(role) => (
            users::set_role(conn, target, role, now)?,
            "user.role_changed",
            serde_json::json!({ "role": role }).to_string(),
        ),
    };
    if changed {
        audit::record(
            conn,
            &NewAuditEntry {
                actor_user_id: Some(admin),
                action,
                subject_type: "user",
                subject_id: Some(target.0),
                detail: &detail,
                created_at: now,
            },
        )?;
    }
    Ok(changed)
}
