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
            lock_order::lock_for_bookings(c, &[head.id])?;
            let released = queries::end_pending(c, &[head.id], BookingStatus::Cancelled, now)?;
            Ok((head.id, released))
        })
    })?;
    live.publish_all(changes_of(released));
    Ok(id)
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
