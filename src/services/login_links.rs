//! One-time sign-in links: asked for by email address (the answer never says whether the
//! address has an account), valid [`LOGIN_LINK_TTL`], used once. Following one signs the
//! owner in and marks their browser as a known device, so an account under a guessing attack
//! stays usable by its owner.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::audit::{self, NewAuditEntry};
use crate::db::{Db, DbError, login_links, users};
use crate::domain::user_input::EmailAddress;
use crate::mail::templates::{AccountEmail, EmailKind};
use crate::services::accounts::{Account, AccountError, token_hash};
use crate::services::email::{self, Email};

pub const LOGIN_LINK_TTL: TimeDelta = TimeDelta::minutes(15);

fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The job that does the work of "email me a sign-in link".
pub const LINK_JOB: &str = "accounts.login_link";

/// What the request path does: queue a job with the address, the same for every address (so
/// the answer takes as long whether or not it has an account); the worker sends the link.
pub fn enqueue_link(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    db.write(|c| {
        crate::jobs::enqueue(
            c,
            LINK_JOB,
            &serde_json::json!({ "email": email }),
            None,
            now,
        )?;
        Ok(())
    })
}

/// Runs [`LINK_JOB`]s.
pub struct LinkJob;

impl crate::jobs::JobHandler for LinkJob {
    fn run(
        &self,
        db: &Db,
        clock: &crate::clock::Clock,
        payload: &serde_json::Value,
    ) -> Result<(), String> {
        let email = payload["email"]
            .as_str()
            .ok_or("the job has no email address")?;
        request_link(db, email, clock.now()).map_err(|e| e.to_string())
    }
}

/// Queues a sign-in link if `email` belongs to an enabled account; otherwise does nothing.
pub fn request_link(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
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
        let id = login_links::insert(c, row.id, &token_hash(&token), now, now + LOGIN_LINK_TTL)?;
        email::queue(
            c,
            &Email {
                kind: EmailKind::LoginLink,
                dedupe_key: format!("login_link:{id}"),
                recipient: &row.email,
                user_id: Some(row.id),
                payload: serde_json::to_value(AccountEmail {
                    name: row.name.clone(),
                    token: Some(token),
                    detail: None,
                })
                .unwrap_or_default(),
            },
            now,
        )?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_user_id: Some(row.id),
                action: "user.login_link_requested",
                subject_type: "user",
                subject_id: Some(row.id.0),
                detail: "{}",
                created_at: now,
            },
        )?;
        Ok(())
    })
}

/// Whether a link is still good (to show the confirmation or explain).
pub fn link_is_live(db: &Db, token: &str, now: NaiveDateTime) -> Result<bool, DbError> {
    let hash = token_hash(token.trim());
    db.read(|c| Ok(login_links::find_live(c, &hash, now)?.is_some()))
}

/// Uses a link: the account it signs in, if the link was live and the account is enabled.
pub fn use_link(db: &Db, token: &str, now: NaiveDateTime) -> Result<Option<Account>, AccountError> {
    let hash = token_hash(token.trim());
    db.write(|c| {
        let Some(user) = login_links::consume(c, &hash, now)? else {
            return Ok(None);
        };
        let Some(row) = users::find_by_id(c, user)? else {
            return Ok(None);
        };
        if row.disabled_at.is_some() {
            return Ok(None);
        }
        audit::record(
            c,
            &NewAuditEntry {
                actor_user_id: Some(user),
                action: "login.link_used",
                subject_type: "user",
                subject_id: Some(user.0),
                detail: "{}",
                created_at: now,
            },
        )?;
        Ok(Some(Account::from(row)))
    })
}
