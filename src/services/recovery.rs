//! Email verification and password reset: single-use tokens that expire, stored hashed, whose
//! emails go through the outbox in the same transaction that creates them.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::audit::{self, NewAuditEntry};
use crate::db::{Db, DbConnection, DbError, tokens, user_tokens, users};
use crate::domain::catalogue::FieldErrors;
use crate::domain::ids::UserId;
use crate::domain::user_input::{EmailAddress, NewPassword};
use crate::mail::templates::{AccountEmail, EmailKind};
use crate::services::accounts::{AccountError, token_hash};
use crate::services::email::{self, Email};

pub const VERIFY_PURPOSE: &str = "verify_email";
pub const RESET_PURPOSE: &str = "reset_password";
pub const VERIFY_TTL: TimeDelta = TimeDelta::hours(48);
pub const RESET_TTL: TimeDelta = TimeDelta::hours(1);
/// Expired tokens are kept this long (to explain a dead link), then purged.
pub const KEEP_EXPIRED: TimeDelta = TimeDelta::days(7);

/// 32 random bytes, hex: what goes in the link. Only its SHA-256 is stored.
fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn payload(name: &str, token: Option<String>) -> serde_json::Value {
    serde_json::to_value(AccountEmail {
        name: name.to_owned(),
        token,
        detail: None,
    })
    .unwrap_or_default()
}

fn audit_entry(
    conn: &mut DbConnection,
    id: UserId,
    action: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    Ok(audit::record(
        conn,
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

/// Issues a verification token and queues its email, in the caller's transaction. The
/// welcome email (once per account) carries the first one.
pub fn queue_verification(
    conn: &mut DbConnection,
    user: UserId,
    name: &str,
    email: &str,
    kind: EmailKind,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let token = new_token();
    let token_id = user_tokens::insert(
        conn,
        user,
        VERIFY_PURPOSE,
        &token_hash(&token),
        email,
        now,
        now + VERIFY_TTL,
    )?;
    let dedupe_key = match kind {
        EmailKind::Welcome => format!("welcome:{}", user.0),
        _ => format!("verify_email:{token_id}"),
    };
    email::queue(
        conn,
        &Email {
            kind,
            dedupe_key,
            recipient: email,
            user_id: Some(user),
            payload: payload(name, Some(token)),
        },
        now,
    )?;
    Ok(())
}

/// After an email change: links sent to the old address die (resets, confirmations, sign-in
/// links), and the old address is told, with the new one masked.
pub fn address_changed(
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
    let mut payload = payload(name, None);
    payload["detail"] = serde_json::Value::String(mask_address(new_email));
    email::queue(
        conn,
        &Email {
            kind: EmailKind::EmailChanged,
            dedupe_key: format!(
                "email_changed:{}:{}",
                user.0,
                now.and_utc().timestamp_micros()
            ),
            recipient: old_email,
            user_id: Some(user),
            payload,
        },
        now,
    )?;
    Ok(())
}

/// Queues the "your password was changed" notice.
pub fn queue_password_changed(
    conn: &mut DbConnection,
    user: UserId,
    name: &str,
    email: &str,
    epoch: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    email::queue(
        conn,
        &Email {
            kind: EmailKind::PasswordChanged,
            dedupe_key: format!("password_changed:{}:{epoch}", user.0),
            recipient: email,
            user_id: Some(user),
            payload: payload(name, None),
        },
        now,
    )?;
    Ok(())
}

/// Whether a link sent to `sent_to` still speaks for the account: its address has not changed
/// since. (Links from before addresses were recorded count as current.)
fn sent_to_current_address(
    conn: &mut DbConnection,
    user: UserId,
    sent_to: Option<&str>,
) -> Result<bool, DbError> {
    let Some(sent_to) = sent_to else {
        return Ok(true);
    };
    Ok(users::find_by_id(conn, user)?.is_some_and(|row| row.email.eq_ignore_ascii_case(sent_to)))
}

/// `ada@example.com` → `a***@example.com`: enough for its owner to recognise, not to read.
pub fn mask_address(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

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

/// The job that does the work of "send me a reset link".
pub const RESET_JOB: &str = "accounts.password_reset";

/// What the request path does for "send me a reset link": it only queues a job with the
/// address, the same for every address, so its answer takes as long whether or not the address
/// has an account. The worker then looks the address up and sends the link
/// ([`request_reset`]).
pub fn enqueue_reset(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    db.write(|c| {
        crate::jobs::enqueue(
            c,
            RESET_JOB,
            &serde_json::json!({ "email": email }),
            None,
            now,
        )?;
        Ok(())
    })
}

/// Runs [`RESET_JOB`]s.
pub struct ResetJob;

impl crate::jobs::JobHandler for ResetJob {
    fn run(
        &self,
        db: &Db,
        clock: &crate::clock::Clock,
        payload: &serde_json::Value,
    ) -> Result<(), String> {
        let email = payload["email"]
            .as_str()
            .ok_or("the job has no email address")?;
        request_reset(db, email, clock.now()).map_err(|e| e.to_string())
    }
}

/// Queues a reset link if `email` belongs to an enabled account. The caller answers the same
/// either way, so nobody learns whether an address has an account.
pub fn request_reset(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(());
    };
    db.write(|c| {
        let Some(row) = users::find_for_login(c, email.as_str())? else {
            return Ok(());
        };
        if row.disabled_at.is_some() {
            return Ok(());
        }
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
        email::queue(
            c,
            &Email {
                kind: EmailKind::PasswordReset,
                dedupe_key: format!("password_reset:{token_id}"),
                recipient: &row.email,
                user_id: Some(row.id),
                payload: payload(&row.name, Some(token)),
            },
            now,
        )?;
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

/// The periodic clean-up: tokens and sign-in links that expired a week ago go.
pub fn purge_expired_tokens(db: &Db, now: NaiveDateTime) -> Result<usize, DbError> {
    db.write(|c| {
        let tokens = user_tokens::purge_expired(c, now - KEEP_EXPIRED)?;
        let links = crate::db::login_links::purge_expired(c, now - KEEP_EXPIRED)?;
        Ok(tokens + links)
    })
}
