//! Server-side sessions: finding a live one, ending them, purging ended ones.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::{Db, DbError, users};
use crate::domain::ids::UserId;

use super::account::{Account, AccountError, audit_entry, find};

/// A session unused this long ends.
pub const IDLE_TIMEOUT: TimeDelta = TimeDelta::hours(12);
/// No session lives longer than this, however active.
pub const ABSOLUTE_TIMEOUT: TimeDelta = TimeDelta::days(14);

/// The account behind a signed-in session: the session's row must be live (not logged out,
/// within its idle and absolute timeouts), the account enabled and its epoch unchanged.
/// `touch` records the session's use.
pub fn find_session(
    db: &Db,
    user: UserId,
    session_hash: &str,
    epoch: i64,
    now: NaiveDateTime,
    touch: bool,
) -> Result<Option<Account>, AccountError> {
    let found = db.read(|c| -> Result<_, AccountError> {
        if !crate::db::sessions::is_live(
            c,
            user,
            session_hash,
            now,
            IDLE_TIMEOUT,
            ABSOLUTE_TIMEOUT,
        )? {
            return Ok(None);
        }
        let found = find(c, user)?;
        Ok(match found {
            Some((mut account, enabled)) => {
                account.in_a_team = crate::db::organizers::in_a_team(c, user)?;
                Some((account, enabled))
            }
            None => None,
        })
    })?;
    let account = match found {
        Some((account, true)) if account.session_epoch == epoch => account,
        _ => return Ok(None),
    };
    if touch {
        db.write(|c| -> Result<(), AccountError> {
            Ok(crate::db::sessions::touch(c, session_hash, now)?)
        })?;
    }
    Ok(Some(account))
}

/// The periodic clean-up: sessions that ended (logged out or timed out) are deleted.
#[tracing::instrument(name = "accounts.purge_ended_sessions", level = "debug", skip_all)]
pub fn purge_ended_sessions(db: &Db, now: NaiveDateTime) -> Result<usize, DbError> {
    db.write(|c| {
        Ok(crate::db::sessions::purge_ended(
            c,
            now,
            IDLE_TIMEOUT,
            ABSOLUTE_TIMEOUT,
        )?)
    })
}

/// Ends every session of the user, this one included.
#[tracing::instrument(name = "accounts.log_out_everywhere", skip_all, fields(user.id = %id))]
pub fn log_out_everywhere(db: &Db, id: UserId, now: NaiveDateTime) -> Result<(), AccountError> {
    db.write(|c| {
        users::bump_session_epoch(c, id, now)?;
        audit_entry(c, id, "user.logged_out_everywhere", now)
    })
}
