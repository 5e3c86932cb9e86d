//! "Delete my account" (issue 22): the account's personal data is erased or anonymised in one
//! write transaction, its bookings, tickets and payments are kept for the accounts (pointing
//! at the anonymised row), and nothing can sign in as it again.
//!
//! In that transaction, in this order (`db::lock_order`: user rows before section rows):
//! 1. the account's row and every live admin's are locked (PostgreSQL), and the last platform
//!    admin that can sign in is refused ([`DeleteError::LastAdmin`]);
//! 2. its pending bookings are cancelled as the buyer's own cancel does
//!    (`holds::cancel_pending_in`): their seats go back on sale;
//! 3. its running places in waiting rooms end (`left`);
//! 4. its sessions, API tokens, sign-in links, confirmation and reset links are deleted;
//! 5. its unsent emails are dropped, and its sent ones keep only their kind, times and booking
//!    reference; audit details naming its address are emptied;
//! 6. the row is anonymised (`db::account_data::erase::anonymise`) and `account.deleted` is
//!    audited with the id alone.
//!
//! After the commit, viewers of the freed seats hear of them, and the cancelled bookings' open
//! open payments are cancelled at their provider (as after the buyer's cancel).

use chrono::NaiveDateTime;

use crate::db::account_data::erase as q;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::holds::Released;
use crate::db::queue::tickets;
use crate::db::{Db, DbConnection, DbError};
use crate::domain::ids::{BookingId, UserId};
use crate::domain::queue::TicketState;
use crate::domain::user::Role;
use crate::providers::Providers;
use crate::services::live::LiveHub;

use super::account::{AccountError, verify_current};

#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    /// The only platform admin that can sign in: nobody could run the box office after it.
    #[error("the last platform admin cannot delete their account")]
    LastAdmin,
    /// No such account, or it is already deleted.
    #[error("no such account")]
    Gone,
    /// The current password was wrong (`Invalid`), or something failed.
    #[error(transparent)]
    Account(#[from] AccountError),
}

impl From<DbError> for DeleteError {
    fn from(e: DbError) -> Self {
        DeleteError::Account(AccountError::Db(e))
    }
}

impl From<diesel::result::Error> for DeleteError {
    fn from(e: diesel::result::Error) -> Self {
        DeleteError::from(DbError::Query(e))
    }
}

/// What a deletion did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deleted {
    /// The pending bookings it cancelled (their seats are on sale again).
    pub cancelled: Vec<BookingId>,
    /// Unsent emails dropped, sent ones anonymised.
    pub emails_dropped: usize,
    pub emails_anonymised: usize,
}

/// Deletes the account. `password`: the current password, when the caller must prove it (the
/// page; a bearer token is proof enough for the API). Run it off the async workers.
#[tracing::instrument(name = "accounts.delete", skip_all, fields(user.id = %user))]
pub fn delete_account(
    db: &Db,
    live: &LiveHub,
    providers: &Providers,
    user: UserId,
    password: Option<&str>,
    now: NaiveDateTime,
) -> Result<Deleted, DeleteError> {
    if let Some(password) = password {
        verify_current(db, user, password)?;
    }
    let (released, deleted) = retry_lock_conflicts(|| db.write(|c| erase(c, user, now)))?;
    live.publish_all(crate::services::holds::changes_of(released));
    for &booking in &deleted.cancelled {
        if let Err(e) = crate::services::payments::cancel_open_intents(db, providers, booking, now)
        {
            tracing::warn!(booking = %booking, error = %e, "could not cancel the open payments of a deleted account's booking");
        }
    }
    Ok(deleted)
}

/// Runs the deletion again when PostgreSQL broke a lock cycle or a lock wait timed out (it
/// takes section locks, as a cancel does), at most three times in all.
fn retry_lock_conflicts<T>(
    mut f: impl FnMut() -> Result<T, DeleteError>,
) -> Result<T, DeleteError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match f() {
            Err(DeleteError::Account(AccountError::Db(DbError::Query(e))))
                if crate::services::holds::is_retryable(&e) && attempts < 3 =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5 * attempts));
            }
            other => return other,
        }
    }
}

/// The deletion itself, in the caller's write transaction (see the module's steps).
pub fn erase(
    c: &mut DbConnection,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(Released, Deleted), DeleteError> {
    q::lock_account_and_admins(c, user)?;
    let Some(account) = q::state(c, user)? else {
        return Err(DeleteError::Gone);
    };
    if account.deleted {
        return Err(DeleteError::Gone);
    }
    if account.role == Role::Admin && q::other_live_admins(c, user)? == 0 {
        return Err(DeleteError::LastAdmin);
    }
    let pending = q::pending_bookings(c, user)?;
    let released = crate::services::holds::cancel_pending_in(c, &pending, now)?;
    for ticket in q::running_queue_tickets(c, user)? {
        let running = [TicketState::Waiting, TicketState::Active];
        tickets::end(c, ticket, &running, TicketState::Left, now)?;
    }
    q::delete_sign_ins(c, user)?;
    let (emails_dropped, emails_anonymised) =
        q::erase_emails(c, user, &account.email, scrubbed_payload)?;
    q::scrub_audit(c, &account.email)?;
    // Out of every team (an organizer whose last owner leaves keeps its platform admins).
    crate::db::organizers::members::remove_all(c, user)?;
    if !q::anonymise(c, user, now)? {
        return Err(DeleteError::Gone);
    }
    let cancelled = released.ended.clone();
    audit::record(
        c,
        &NewAuditEntry {
            actor_user_id: Some(user),
            action: "account.deleted",
            subject_type: "user",
            subject_id: Some(user.0),
            detail: &serde_json::json!({ "bookings_cancelled": cancelled.len() }).to_string(),
            created_at: now,
        },
    )?;
    Ok((
        released,
        Deleted {
            cancelled,
            emails_dropped,
            emails_anonymised,
        },
    ))
}

/// What is kept of a sent email's body: that it was erased, and the booking reference it was
/// about (so the booking's history still lists it), nothing else.
fn scrubbed_payload(payload: &str) -> String {
    let reference = serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| {
            v.get("reference")
                .and_then(|r| r.as_str())
                .map(str::to_owned)
        });
    match reference {
        Some(reference) => serde_json::json!({ "erased": true, "reference": reference }),
        None => serde_json::json!({ "erased": true }),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::scrubbed_payload;

    #[test]
    fn a_sent_emails_body_keeps_only_its_booking_reference() {
        let booking = r#"{"name":"Ada","reference":"ABCD2345","lines":["Stalls, row A"]}"#;
        assert_eq!(
            scrubbed_payload(booking),
            r#"{"erased":true,"reference":"ABCD2345"}"#
        );
        assert_eq!(
            scrubbed_payload(r#"{"name":"Ada","token":"x"}"#),
            r#"{"erased":true}"#
        );
        assert_eq!(scrubbed_payload("not json"), r#"{"erased":true}"#);
    }
}
