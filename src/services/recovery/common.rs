//! What the recovery flows share: the audit row, the sent-to check, the purge of old tokens.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::audit::{self, NewAuditEntry};
use crate::db::{Db, DbConnection, DbError, user_tokens, users};
use crate::domain::ids::UserId;

/// Expired tokens are kept this long (to explain a dead link), then purged.
pub const KEEP_EXPIRED: TimeDelta = TimeDelta::days(7);

pub(super) fn audit_entry(
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

/// Whether a link sent to `sent_to` still speaks for the account: its address has not changed
/// since. (Links from before addresses were recorded count as current.)
pub(super) fn sent_to_current_address(
    conn: &mut DbConnection,
    user: UserId,
    sent_to: Option<&str>,
) -> Result<bool, DbError> {
    let Some(sent_to) = sent_to else {
        return Ok(true);
    };
    Ok(users::find_by_id(conn, user)?.is_some_and(|row| row.email.eq_ignore_ascii_case(sent_to)))
}

/// The periodic clean-up: tokens and sign-in links that expired a week ago go.
#[tracing::instrument(name = "accounts.purge_expired_tokens", level = "debug", skip_all)]
pub fn purge_expired_tokens(db: &Db, now: NaiveDateTime) -> Result<usize, DbError> {
    db.write(|c| {
        let tokens = user_tokens::purge_expired(c, now - KEEP_EXPIRED)?;
        let links = crate::db::login_links::purge_expired(c, now - KEEP_EXPIRED)?;
        Ok(tokens + links)
    })
}
