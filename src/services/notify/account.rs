//! The account emails: welcome and address verification, the notices of a changed address or
//! password, reset and sign-in links, and "someone tried to register with your address".

use chrono::NaiveDateTime;

use crate::db::{DbConnection, DbError, user_tokens};
use crate::domain::ids::{LoginLinkId, UserId, UserTokenId};
use crate::mail::templates::{AccountEmail, EmailKind};
use crate::services::tokens::{VERIFY_PURPOSE, VERIFY_TTL, new_token, token_hash};

use super::{Email, queue};

fn payload(name: &str, token: Option<String>) -> serde_json::Value {
    serde_json::to_value(AccountEmail {
        name: name.to_owned(),
        token,
        detail: None,
        organizer: None,
        role: None,
    })
    .unwrap_or_default()
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
    queue(
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

/// Tells the old address that the account's address changed, with the new one masked.
pub fn queue_email_changed(
    conn: &mut DbConnection,
    user: UserId,
    name: &str,
    old_email: &str,
    new_email: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let mut payload = payload(name, None);
    payload["detail"] = serde_json::Value::String(mask_address(new_email));
    queue(
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
    queue(
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

/// Queues the reset link carrying `token` (stored as token `token_id`).
pub fn queue_password_reset(
    conn: &mut DbConnection,
    user: UserId,
    name: &str,
    email: &str,
    (token, token_id): (String, UserTokenId),
    now: NaiveDateTime,
) -> Result<(), DbError> {
    queue(
        conn,
        &Email {
            kind: EmailKind::PasswordReset,
            dedupe_key: format!("password_reset:{token_id}"),
            recipient: email,
            user_id: Some(user),
            payload: payload(name, Some(token)),
        },
        now,
    )?;
    Ok(())
}

/// Queues the sign-in link carrying `token` (stored as link `link_id`).
pub fn queue_login_link(
    conn: &mut DbConnection,
    user: UserId,
    name: &str,
    email: &str,
    (token, link_id): (String, LoginLinkId),
    now: NaiveDateTime,
) -> Result<(), DbError> {
    queue(
        conn,
        &Email {
            kind: EmailKind::LoginLink,
            dedupe_key: format!("login_link:{link_id}"),
            recipient: email,
            user_id: Some(user),
            payload: payload(name, Some(token)),
        },
        now,
    )?;
    Ok(())
}

/// Tells an address that someone tried to register with it (at most once an hour).
pub fn queue_registration_attempt(
    conn: &mut DbConnection,
    user: UserId,
    name: &str,
    email: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    queue(
        conn,
        &Email {
            kind: EmailKind::RegistrationAttempt,
            dedupe_key: format!(
                "registration_attempt:{}:{}",
                user.0,
                now.format("%Y-%m-%dT%H")
            ),
            recipient: email,
            user_id: Some(user),
            payload: payload(name, None),
        },
        now,
    )?;
    Ok(())
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
