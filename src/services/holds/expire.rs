//! Ending run-out holds: in a caller's transaction, and the periodic sweeper.

use chrono::NaiveDateTime;

use crate::db::holds::{self as queries, Released};
use crate::db::lock_order;
use crate::db::{Db, DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::BookingId;
use crate::services::live::{Change, LiveHub};

use super::request::RELEASES_KEPT;

/// What the viewers need to hear about freed seats and places.
pub fn changes_of(released: Released) -> Vec<Change> {
    // The ended bookings go with every change: a viewer whose basket one of them was hears
    // of it (whichever of the changes is about its event).
    let ended = released.ended;
    let mut changes: Vec<Change> = released
        .seats
        .into_iter()
        .map(|(event, seat)| Change::seats(event, vec![seat]).of(ended.iter().copied()))
        .collect();
    changes.extend(
        released
            .standing_events
            .into_iter()
            .map(|event| Change::standing(event).of(ended.iter().copied())),
    );
    changes
}

/// Ends these pending bookings as expired (those whose hold ran out), frees their seats and
/// places, and queues each ended booking's "hold expired" email, in the caller's transaction.
pub fn expire(
    c: &mut DbConnection,
    ids: &[BookingId],
    now: NaiveDateTime,
) -> Result<Released, DbError> {
    let released = queries::end_pending(c, ids, BookingStatus::Expired, now)?;
    crate::services::notify::queue_hold_expired_many(c, &released.ended, now)?;
    Ok(released)
}

/// The sweeper: ends up to `batch` pending bookings whose hold ran out and frees their seats.
/// Answers how many it ended. Idempotent and safe on several instances at once (each booking
/// moves `pending` → `expired` under a guard, once).
#[tracing::instrument(name = "holds.sweep_expired", level = "debug", skip_all, fields(batch))]
pub fn sweep_expired(
    db: &Db,
    live: &LiveHub,
    now: NaiveDateTime,
    batch: i64,
) -> Result<usize, DbError> {
    let (count, released) = db.write(|c| -> Result<(usize, Released), DbError> {
        let due = queries::expired_pending(c, now, batch)?;
        lock_order::lock_for_bookings(c, &due)?;
        let released = expire(c, &due, now)?;
        // Those another instance's sweeper ended first are not counted (the guard in
        // `end_pending` left them alone).
        Ok((released.ended.len(), released))
    })?;
    db.metrics().expired(released.seats.len(), count);
    // What buyers gave back long ago no longer holds anyone back.
    db.write(|c| queries::purge_releases(c, now - RELEASES_KEPT).map_err(DbError::Query))?;
    live.publish_all(changes_of(released));
    Ok(count)
}
