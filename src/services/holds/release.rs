//! Taking a seat or a standing line out of the buyer's basket.

use chrono::NaiveDateTime;

use crate::db::holds::{self as queries};
use crate::db::lock_order;
use crate::db::{Db, DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, BookingItemId, EventId, SeatId, UserId};
use crate::services::live::{Change, LiveHub};

use super::locks::retry_lock_conflicts;

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("no such booking")]
    NotFound,
    #[error("the booking is {0}")]
    NotPending(BookingStatus),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for BookingError {
    fn from(e: diesel::result::Error) -> Self {
        BookingError::Db(DbError::Query(e))
    }
}

/// Takes one seat out of the buyer's basket; an emptied basket is cancelled. `false` when the
/// basket did not hold that seat.
#[tracing::instrument(name = "holds.release_seat", skip_all, fields(event.id = %event, user.id = %user, seat.id = %seat))]
pub fn release_seat(
    db: &Db,
    live: &LiveHub,
    user: UserId,
    event: EventId,
    seat: SeatId,
    now: NaiveDateTime,
) -> Result<bool, BookingError> {
    let released = take_out(db, user, event, now, |c, basket| {
        queries::release_seat(c, basket, event, seat, now)
    })?;
    if let Some(basket) = released {
        live.publish(Change::seats(event, vec![seat]).of([basket]));
    }
    Ok(released.is_some())
}

/// Takes a standing line out of the buyer's basket; an emptied basket is cancelled. `false`
/// when the basket has no such line.
#[tracing::instrument(name = "holds.release_places", skip_all, fields(event.id = %event, user.id = %user, item.id = item.0))]
pub fn release_places(
    db: &Db,
    live: &LiveHub,
    user: UserId,
    event: EventId,
    item: BookingItemId,
    now: NaiveDateTime,
) -> Result<bool, BookingError> {
    let released = take_out(db, user, event, now, |c, basket| {
        queries::release_places(c, basket, item, now)
    })?;
    if let Some(basket) = released {
        live.publish(Change::standing(event).of([basket]));
    }
    Ok(released.is_some())
}

/// Runs `release` on the buyer's basket for the event in one write transaction; then cancels
/// the basket if nothing is left in it, or refreshes its total. The basket, if it gave
/// something back.
pub(super) fn take_out(
    db: &Db,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
    release: impl Fn(&mut DbConnection, BookingId) -> diesel::QueryResult<bool>,
) -> Result<Option<BookingId>, BookingError> {
    retry_lock_conflicts(|| take_out_once(db, user, event, now, &release))
}

pub(super) fn take_out_once(
    db: &Db,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
    release: &impl Fn(&mut DbConnection, BookingId) -> diesel::QueryResult<bool>,
) -> Result<Option<BookingId>, BookingError> {
    db.write(|c| -> Result<Option<BookingId>, BookingError> {
        let Some(basket) = queries::pending_booking(c, user, event)? else {
            return Ok(None);
        };
        lock_order::lock_for_bookings(c, &[basket.id])?;
        // Locked now: still pending, or ended meanwhile (nothing left to take out).
        let Some(basket) = queries::lock_pending_booking(c, user, event)? else {
            return Ok(None);
        };
        if !release(c, basket.id)? {
            return Ok(None);
        }
        if queries::quantity_held(c, basket.id)? == 0 {
            queries::end_pending(c, &[basket.id], BookingStatus::Cancelled, now)?;
        } else {
            queries::refresh_total(c, basket.id, now)?;
        }
        Ok(Some(basket.id))
    })
}
