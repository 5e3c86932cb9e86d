//! The buyer cancels a pending booking; looking a booking up for its owner.

use chrono::NaiveDateTime;

use crate::db::holds::{self as queries, Released};
use crate::db::lock_order;
use crate::db::{Db, DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, UserId};
use crate::services::live::LiveHub;

use super::expire::changes_of;
use super::locks::retry_lock_conflicts;
use super::release::BookingError;

/// The buyer cancels their pending booking: its seats and places are free at once.
#[tracing::instrument(name = "holds.cancel", skip_all, fields(user.id = %user, booking.reference = reference))]
pub fn cancel(
    db: &Db,
    live: &LiveHub,
    user: UserId,
    reference: &str,
    now: NaiveDateTime,
) -> Result<BookingId, BookingError> {
    let (id, released) = retry_lock_conflicts(|| {
        db.write(|c| -> Result<(BookingId, Released), BookingError> {
            let head = queries::find_by_reference(c, reference)?
                .filter(|b| b.user_id == user)
                .ok_or(BookingError::NotFound)?;
            if head.status != BookingStatus::Pending {
                return Err(BookingError::NotPending(head.status));
            }
            let released = cancel_pending_in(c, &[head.id], now)?;
            Ok((head.id, released))
        })
    })?;
    live.publish_all(changes_of(released));
    Ok(id)
}

/// Cancels these pending bookings in the caller's write transaction: their sections and rows
/// locked in the one order (`db::lock_order`), then each still pending ends `cancelled` with
/// its seats and places free. The buyer's cancel does this for one booking, an account's
/// deletion for all of the account's; publish `changes_of` the answer once committed.
pub fn cancel_pending_in(
    c: &mut DbConnection,
    ids: &[BookingId],
    now: NaiveDateTime,
) -> Result<Released, DbError> {
    lock_order::lock_for_bookings(c, ids)?;
    Ok(queries::end_pending(c, ids, BookingStatus::Cancelled, now)?)
}

/// Looks a booking up for its owner (or an admin); `None` for anyone else.
pub fn find_for(
    conn: &mut DbConnection,
    reference: &str,
    user: UserId,
    is_admin: bool,
) -> Result<Option<queries::BookingHead>, DbError> {
    Ok(queries::find_by_reference(conn, reference)?.filter(|b| is_admin || b.user_id == user))
}
