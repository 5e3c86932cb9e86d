//! Which sections a hold locks first (db::lock_order), and the retry of lock conflicts.

use std::time::Duration;

use chrono::NaiveDateTime;

use crate::db::holds::{self as queries};
use crate::db::lock_order::{self, SectionLocks};
use crate::db::{DbConnection, DbError};
use crate::domain::ids::{BookingId, EventId, UserId};

use super::release::BookingError;
use super::request::{HoldError, HoldRequest};

/// Runs a basket's write again when PostgreSQL broke a lock cycle or a lock wait timed out
/// (a cancel meeting a hold that is taking over the same run-out basket's seats), at most three
/// times in all; anything else is answered at once.
pub(super) fn retry_lock_conflicts<T>(
    mut f: impl FnMut() -> Result<T, BookingError>,
) -> Result<T, BookingError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match f() {
            Err(BookingError::Db(DbError::Query(e))) if is_retryable(&e) && attempts < 3 => {
                std::thread::sleep(Duration::from_millis(5 * attempts));
            }
            other => return other,
        }
    }
}

pub(super) fn is_retryable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("deadlock detected") || m.contains("lock timeout")
        }
        _ => false,
    }
}

/// The section rows a hold locks first (db::lock_order): those of the seats or standing area
/// it asks for, of the buyer's own basket if it ran out, and of run-out baskets holding the
/// requested seats or places (it will end them on the way). PostgreSQL only (empty on SQLite).
pub(super) fn sections_to_lock(
    c: &mut DbConnection,
    user: UserId,
    event: EventId,
    request: &HoldRequest,
    now: NaiveDateTime,
) -> Result<SectionLocks, HoldError> {
    if !crate::db::backend::takes_row_locks(c) {
        return Ok(SectionLocks::new());
    }
    let mut stale = Vec::new();
    let mut sections = match request {
        HoldRequest::Seats(ids) => {
            stale = lock_order::stale_holders_of_seats(c, event, ids, now)?;
            lock_order::sections_of_seats(c, event, ids)?
        }
        HoldRequest::Standing { section, .. } => {
            let sections = lock_order::section_of(c, event, *section)?;
            for &s in &sections {
                stale.extend(queries::expired_holders_of_section(c, event, s, now)?);
            }
            sections
        }
        HoldRequest::BestAvailable { .. } => SectionLocks::new(),
    };
    // The buyer's own basket: ended here if it ran out, added to if not. Either way its
    // sections are locked, so a sweep or another buyer's hold ending it waits for this one.
    if let Some(b) = queries::pending_booking(c, user, event)? {
        stale.push(b.id);
    }
    sections.extend(lock_order::sections_of_bookings(c, &stale)?);
    Ok(sections)
}

/// Refuses to end run-out baskets in sections this hold did not lock first: it runs again
/// with them locked ([`HoldError::Relock`]).
pub(super) fn check_locked(
    c: &mut DbConnection,
    locked: &SectionLocks,
    stale: &[BookingId],
) -> Result<(), HoldError> {
    let needed = lock_order::sections_of_bookings(c, stale)?;
    if needed.is_subset(locked) {
        Ok(())
    } else {
        Err(HoldError::Relock(needed))
    }
}
