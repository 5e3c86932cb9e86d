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

pub(crate) fn is_retryable(e: &diesel::result::Error) -> bool {
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

/// What a hold read on its way to its locks (PostgreSQL only), under the account's row lock,
/// so that it need not read it again once it has the locks.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// The buyer's basket for the event: `Some(None)` when there is none. Only holds open a
    /// basket or add lines to one, and every hold takes the account's row lock first, so under
    /// that lock "none" stays true, and a basket's sections (locked here) can only shrink
    /// (lines given back, the basket ended), until this hold commits.
    pub(super) basket: Option<Option<BookingId>>,
    /// The standing area's run-out holders, whose sections are locked here. One that a
    /// concurrent hold made run out meanwhile is left to the sweeper (its places count as held
    /// until then: a liveness matter only, the counter update is guarded).
    pub(super) expired_holders: Option<Vec<BookingId>>,
}

/// The section rows a hold locks first (db::lock_order): those of the seats or standing area
/// it asks for, of the buyer's own basket if it ran out, and of run-out baskets holding the
/// requested seats or places (it will end them on the way). PostgreSQL only (empty on SQLite).
/// Also answers what it read on the way ([`Seen`]; nothing on SQLite).
pub(super) fn sections_to_lock(
    c: &mut DbConnection,
    user: UserId,
    event: EventId,
    request: &HoldRequest,
    now: NaiveDateTime,
) -> Result<(SectionLocks, Seen), HoldError> {
    let mut seen = Seen::default();
    if !crate::db::backend::takes_row_locks(c) {
        return Ok((SectionLocks::new(), seen));
    }
    let mut stale = Vec::new();
    let mut sections = match request {
        HoldRequest::Seats(ids) => {
            let (sections, holders) =
                lock_order::sections_and_stale_holders_of_seats(c, event, ids, now)?;
            stale = holders;
            sections
        }
        HoldRequest::Standing { section, .. } => {
            let sections = lock_order::section_of(c, event, *section)?;
            let mut holders = Vec::new();
            for &s in &sections {
                holders.extend(queries::expired_holders_of_section(c, event, s, now)?);
            }
            stale.extend(holders.iter().copied());
            seen.expired_holders = Some(holders);
            sections
        }
        HoldRequest::BestAvailable { .. } => SectionLocks::new(),
    };
    // The buyer's own basket: ended here if it ran out, added to if not. Either way its
    // sections are locked, so a sweep or another buyer's hold ending it waits for this one.
    let basket = queries::pending_booking(c, user, event)?;
    if let Some(b) = &basket {
        stale.push(b.id);
    }
    seen.basket = Some(basket.map(|b| b.id));
    sections.extend(lock_order::sections_of_bookings(c, &stale)?);
    Ok((sections, seen))
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
