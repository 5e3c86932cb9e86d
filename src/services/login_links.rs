//! One-time sign-in links: asked for by email address (the answer never says whether the
//! address has an account), valid [`LOGIN_LINK_TTL`], used once. Following one signs the
//! owner in and marks their browser as a known device, so an account under a guessing attack
//! stays usable by its owner.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::audit::{self, NewAuditEntry};
use crate::db::{Db, DbError, login_links, users};
use crate::domain::user_input::EmailAddress;
use crate::services::accounts::{Account, AccountError, enabled_with_email};
pub use crate::services::notify::enqueue_link;
use crate::services::notify::queue_login_link;
use crate::services::tokens::{new_token, token_hash};

pub const LOGIN_LINK_TTL: TimeDelta = TimeDelta::minutes(15);

/// Queues a sign-in link if `email` belongs to an enabled account; otherwise does nothing.
#[tracing::instrument(name = "accounts.request_login_link", skip_all)]
pub fn request_link(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(());
    };
    db.write(|c| {
        let Some(row) = enabled_with_email(c, &email)? else {
            return Ok(());
        };
        let token = new_token();
        let id = login_links::insert(c, row.id, &token_hash(&token), now, now + LOGIN_LINK_TTL)?;
        queue_login_link(c, row.id, &row.name, &row.email, (token, id), now)?;
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
#[tracing::instrument(name = "accounts.use_login_link", skip_all)]
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
