//! Signing in with an email address and a password.

use chrono::NaiveDateTime;

use crate::db::Db;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::users;
use crate::domain::user_input::EmailAddress;
use crate::metrics::labels::Login;

use super::account::{Account, AccountError};

/// Checks an email and password. An unknown email costs the same as a wrong password (the
/// password is checked against a dummy hash), and both answer [`AccountError::WrongCredentials`].
/// Every attempt is audited, without the password.
#[tracing::instrument(name = "accounts.authenticate", skip_all)]
pub fn authenticate(
    db: &Db,
    email: &str,
    password: &str,
    dummy_hash: &str,
    now: NaiveDateTime,
) -> Result<Account, AccountError> {
    let email = EmailAddress::parse(email).ok();
    let row = match &email {
        Some(email) => {
            db.read(|c| Ok::<_, AccountError>(users::find_for_login(c, email.as_str())?))?
        }
        None => None,
    };
    let hash = row
        .as_ref()
        .map_or(dummy_hash, |r| r.password_hash.as_str());
    let password_ok = bcrypt::non_truncating_verify(password, hash).unwrap_or(false);
    let outcome = match row {
        Some(row) if password_ok && row.disabled_at.is_none() => Ok(Account::from(row)),
        _ => Err(AccountError::WrongCredentials),
    };
    let (action, actor) = match &outcome {
        Ok(account) => ("login.succeeded", Some(account.id)),
        Err(_) => ("login.failed", None),
    };
    db.write(|c| -> Result<(), AccountError> {
        Ok(audit::record(
            c,
            &NewAuditEntry {
                actor_user_id: actor,
                action,
                subject_type: "user",
                subject_id: actor.map(|id| id.0),
                detail: "{}",
                created_at: now,
            },
        )?)
    })?;
    db.metrics().login(match outcome {
        Ok(_) => Login::Ok,
        Err(_) => Login::Failed,
    });
    outcome
}
