//! Resetting a forgotten password: the job behind the anonymous request (queued by
//! `notify::enqueue_reset`), the link, the new password.

use chrono::NaiveDateTime;

use crate::db::{Db, DbError, tokens, user_tokens, users};
use crate::domain::catalogue::FieldErrors;
use crate::domain::ids::UserId;
use crate::domain::user_input::{EmailAddress, NewPassword};
use crate::services::accounts::{AccountError, enabled_with_email};
use crate::services::notify::{queue_password_changed, queue_password_reset};
use crate::services::tokens::{RESET_PURPOSE, RESET_TTL, new_token, token_hash};

use super::common::{audit_entry, sent_to_current_address};

/// Queues a reset link if `email` belongs to an enabled account. The caller answers the same
/// either way, so nobody learns whether an address has an account.
#[tracing::instrument(name = "accounts.request_reset", skip_all)]
pub fn request_reset(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(());
    };
    db.write(|c| {
        let Some(row) = enabled_with_email(c, &email)? else {
            return Ok(());
        };
        let token = new_token();
        let token_id = user_tokens::insert(
            c,
            row.id,
            RESET_PURPOSE,
            &token_hash(&token),
            &row.email,
            now,
            now + RESET_TTL,
        )?;
        queue_password_reset(c, row.id, &row.name, &row.email, (token, token_id), now)?;
        audit_entry(c, row.id, "user.password_reset_requested", now)
    })
}

/// Whether a reset link is still good (to show the form or explain).
pub fn reset_token_is_live(db: &Db, token: &str, now: NaiveDateTime) -> Result<bool, DbError> {
    let hash = token_hash(token.trim());
    db.read(
        |c| match user_tokens::find_live(c, RESET_PURPOSE, &hash, now)? {
            Some((user, sent_to)) => sent_to_current_address(c, user, sent_to.as_deref()),
            None => Ok(false),
        },
    )
}

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("the link is unknown, used or expired")]
    DeadLink,
    #[error(transparent)]
    Account(#[from] AccountError),
}

impl From<diesel::result::Error> for ResetError {
    fn from(e: diesel::result::Error) -> Self {
        ResetError::from(DbError::Query(e))
    }
}

impl From<DbError> for ResetError {
    fn from(e: DbError) -> Self {
        ResetError::Account(AccountError::Db(e))
    }
}

/// Sets a new password with a reset token. Uses the token (and every other reset link of the
/// account), ends every session and API token, and marks the address verified: the link
/// proved the user reads it. Answers the user and their new session epoch.
#[tracing::instrument(name = "accounts.reset_password", skip_all)]
pub fn reset_password(
    db: &Db,
    token: &str,
    new_password: &str,
    bcrypt_cost: u32,
    now: NaiveDateTime,
) -> Result<(UserId, i64), ResetError> {
    let password = NewPassword::parse(new_password)
        .map_err(|e| ResetError::Invalid([("password", e.to_owned())].into_iter().collect()))?;
    let hash = token_hash(token.trim());
    if !reset_token_is_live(db, token, now)? {
        return Err(ResetError::DeadLink);
    }
    let password_hash =
        bcrypt::non_truncating_hash(password.expose(), bcrypt_cost).map_err(AccountError::from)?;
    db.write(|c| {
        let (user, sent_to) =
            user_tokens::consume(c, RESET_PURPOSE, &hash, now)?.ok_or(ResetError::DeadLink)?;
        if !sent_to_current_address(c, user, sent_to.as_deref())? {
            return Err(ResetError::DeadLink);
        }
        let row = users::find_by_id(c, user)?.ok_or(ResetError::DeadLink)?;
        if row.disabled_at.is_some() {
            return Err(ResetError::DeadLink);
        }
        let epoch = users::set_password(c, user, &password_hash, now)?;
        user_tokens::use_up_all(c, user, RESET_PURPOSE, now)?;
        tokens::revoke_all_for(c, user, now)?;
        users::mark_verified(c, user, now)?;
        queue_password_changed(c, user, &row.name, &row.email, epoch, now)?;
        audit_entry(c, user, "user.password_reset", now)?;
        Ok((user, epoch))
    })
}
