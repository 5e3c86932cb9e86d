//! Verifying an email address: following the link, and resending it (the email itself is
//! `notify::queue_verification`'s).

use chrono::NaiveDateTime;

use crate::db::{Db, DbError, user_tokens, users};
use crate::domain::ids::UserId;
use crate::mail::templates::EmailKind;
use crate::services::notify::queue_verification;
use crate::services::tokens::{VERIFY_PURPOSE, token_hash};

use super::common::{audit_entry, sent_to_current_address};

/// What following a verification link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Verified {
        user: UserId,
    },
    /// The link was used or expired, but the address is verified anyway.
    AlreadyVerified {
        user: UserId,
    },
    /// Unknown, used or expired.
    Invalid,
}

/// Uses a verification token: the account's current address counts as verified, if the link
/// was sent to it (a link for an address the account no longer has verifies nothing).
#[tracing::instrument(name = "accounts.verify_email", skip_all)]
pub fn verify_email(db: &Db, token: &str, now: NaiveDateTime) -> Result<Verification, DbError> {
    let hash = token_hash(token.trim());
    db.write(|c| {
        if let Some((user, sent_to)) = user_tokens::consume(c, VERIFY_PURPOSE, &hash, now)? {
            if !sent_to_current_address(c, user, sent_to.as_deref())? {
                return Ok(Verification::Invalid);
            }
            users::mark_verified(c, user, now)?;
            audit_entry(c, user, "user.email_verified", now)?;
            return Ok(Verification::Verified { user });
        }
        let Some((user, sent_to)) = user_tokens::find_any(c, VERIFY_PURPOSE, &hash)? else {
            return Ok(Verification::Invalid);
        };
        if !sent_to_current_address(c, user, sent_to.as_deref())? {
            return Ok(Verification::Invalid);
        }
        let verified = users::find_by_id(c, user)?.is_some_and(|u| u.email_verified_at.is_some());
        Ok(if verified {
            Verification::AlreadyVerified { user }
        } else {
            Verification::Invalid
        })
    })
}

/// Sends a fresh verification link to a signed-in user whose address is not verified yet.
/// `false` when there was nothing to do (already verified).
#[tracing::instrument(name = "accounts.resend_verification", skip_all, fields(user.id = %user))]
pub fn resend_verification(db: &Db, user: UserId, now: NaiveDateTime) -> Result<bool, DbError> {
    db.write(|c| {
        let Some(row) = users::find_by_id(c, user)? else {
            return Ok(false);
        };
        if row.email_verified_at.is_some() || row.disabled_at.is_some() {
            return Ok(false);
        }
        queue_verification(c, user, &row.name, &row.email, EmailKind::VerifyEmail, now)?;
        Ok(true)
    })
}
