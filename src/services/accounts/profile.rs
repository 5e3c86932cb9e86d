//! The account's own changes: name, email address, password.

use chrono::NaiveDateTime;

use crate::db::users;
use crate::db::{Db, is_unique_violation};
use crate::db::{DbConnection, DbError, user_tokens};
use crate::domain::ids::UserId;
use crate::domain::user_input::{EmailAddress, NewPassword, PersonName};
use crate::mail::templates::EmailKind;
use crate::services::tokens::{RESET_PURPOSE, VERIFY_PURPOSE};

use super::account::{AccountError, audit_entry, verify_current};

#[tracing::instrument(name = "accounts.change_name", skip_all, fields(user.id = %id))]
pub fn change_name(
    db: &Db,
    id: UserId,
    name: &str,
    now: NaiveDateTime,
) -> Result<(), AccountError> {
    let name = PersonName::parse(name)
        .map_err(|e| AccountError::Invalid([("name", e.to_owned())].into_iter().collect()))?;
    db.write(|c| {
        users::set_name(c, id, name.as_str(), now)?;
        audit_entry(c, id, "user.name_changed", now)
    })
}

#[tracing::instrument(name = "accounts.change_email", skip_all, fields(user.id = %id))]
pub fn change_email(
    db: &Db,
    id: UserId,
    email: &str,
    current_password: &str,
    now: NaiveDateTime,
) -> Result<(), AccountError> {
    let email = EmailAddress::parse(email)
        .map_err(|e| AccountError::Invalid([("email", e.to_owned())].into_iter().collect()))?;
    verify_current(db, id, current_password)?;
    db.write(|c| {
        let Some(row) = users::find_by_id(c, id)? else {
            return Ok(());
        };
        if row.email == email.as_str() {
            return Ok(());
        }
        users::set_email(c, id, email.as_str(), now).map_err(|e| {
            if is_unique_violation(&e) {
                AccountError::EmailTaken
            } else {
                AccountError::from(e)
            }
        })?;
        // Links sent to the old address die, and it is told of the change.
        address_changed(c, id, &row.name, &row.email, email.as_str(), now)?;
        // The new address is unverified until its link is followed.
        crate::services::notify::queue_verification(
            c,
            id,
            &row.name,
            email.as_str(),
            EmailKind::VerifyEmail,
            now,
        )?;
        audit_entry(c, id, "user.email_changed", now)
    })
}

/// Changes the password and ends every session; returns the new session epoch so the caller
/// can keep the session it is answering.
#[tracing::instrument(name = "accounts.change_password", skip_all, fields(user.id = %id))]
pub fn change_password(
    db: &Db,
    id: UserId,
    current_password: &str,
    new_password: &str,
    bcrypt_cost: u32,
    now: NaiveDateTime,
) -> Result<i64, AccountError> {
    let password = NewPassword::parse(new_password).map_err(|e| {
        AccountError::Invalid([("new_password", e.to_owned())].into_iter().collect())
    })?;
    verify_current(db, id, current_password)?;
    let hash = bcrypt::non_truncating_hash(password.expose(), bcrypt_cost)?;
    db.write(|c| {
        let epoch = users::set_password(c, id, &hash, now)?;
        if let Some(row) = users::find_by_id(c, id)? {
            crate::services::notify::queue_password_changed(
                c, id, &row.name, &row.email, epoch, now,
            )?;
        }
        audit_entry(c, id, "user.password_changed", now)?;
        Ok(epoch)
    })
}

/// After an email change: links sent to the old address die (resets, confirmations, sign-in
/// links), and the old address is told, with the new one masked.
fn address_changed(
    conn: &mut DbConnection,
    user: UserId,
    name: &str,
    old_email: &str,
    new_email: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    user_tokens::use_up_all(conn, user, RESET_PURPOSE, now)?;
    user_tokens::use_up_all(conn, user, VERIFY_PURPOSE, now)?;
    crate::db::login_links::use_up_all(conn, user, now)?;
    crate::services::notify::queue_email_changed(conn, user, name, old_email, new_email, now)
}
