//! An account as the app sees it, its errors, and looking one up.

use chrono::NaiveDateTime;

use crate::db::audit::{self, NewAuditEntry};
use crate::db::users::{self, LoginRow};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::catalogue::FieldErrors;
use crate::domain::ids::UserId;
use crate::domain::user::Role;
use crate::domain::user_input::EmailAddress;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("that email address already has an account")]
    EmailTaken,
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("cannot hash the password: {0}")]
    Hash(#[from] bcrypt::BcryptError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AccountError {
    fn from(e: diesel::result::Error) -> Self {
        AccountError::Db(DbError::Query(e))
    }
}

/// A signed-in user as the web layer knows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    #[serde(skip)]
    pub session_epoch: i64,
    /// Whether the user proved they read mail at `email`.
    #[serde(skip)]
    pub email_verified: bool,
    /// Whether the account is in some organizer's team (pages offer the box office); set for
    /// signed-in sessions only.
    #[serde(skip)]
    pub in_a_team: bool,
}

impl Account {
    /// A platform admin or a member of some team: the box office is theirs to open.
    pub fn is_staff(&self) -> bool {
        self.role == Role::Admin || self.in_a_team
    }
}

impl From<LoginRow> for Account {
    fn from(row: LoginRow) -> Self {
        Account {
            id: row.id,
            name: row.name,
            email: row.email,
            role: row.role,
            session_epoch: row.session_epoch,
            email_verified: row.email_verified_at.is_some(),
            in_a_team: false,
        }
    }
}

/// The account behind a session, if it still exists and is enabled.
pub fn find(conn: &mut DbConnection, id: UserId) -> Result<Option<(Account, bool)>, AccountError> {
    Ok(users::find_by_id(conn, id)?.map(|row| {
        let enabled = row.disabled_at.is_none();
        (Account::from(row), enabled)
    }))
}

/// Checks the signed-in user's current password (for changes that need it).
pub(super) fn verify_current(db: &Db, id: UserId, password: &str) -> Result<(), AccountError> {
    let row = db.read(|c| Ok::<_, AccountError>(users::find_by_id(c, id)?))?;
    match row {
        Some(row)
            if bcrypt::non_truncating_verify(password, &row.password_hash).unwrap_or(false) =>
        {
            Ok(())
        }
        _ => Err(AccountError::Invalid(
            [(
                "current_password",
                "That is not your current password.".to_owned(),
            )]
            .into_iter()
            .collect(),
        )),
    }
}

pub(super) fn audit_entry(
    c: &mut DbConnection,
    id: UserId,
    action: &str,
    now: NaiveDateTime,
) -> Result<(), AccountError> {
    Ok(audit::record(
        c,
        &NewAuditEntry {
            actor_user_id: Some(id),
            action,
            subject_type: "user",
            subject_id: Some(id.0),
            detail: "{}",
            created_at: now,
        },
    )?)
}

/// The enabled account with this address, if there is one: who an emailed link (a password
/// reset, a sign-in link) may go to. A disabled account gets nothing.
pub fn enabled_with_email(
    conn: &mut DbConnection,
    email: &EmailAddress,
) -> Result<Option<LoginRow>, DbError> {
    Ok(users::find_for_login(conn, email.as_str())?.filter(|row| row.disabled_at.is_none()))
}
