//! The SQL of cancelling an event (services::cancellation).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{bookings, events, tickets};
use crate::domain::booking::BookingStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{BookingId, EventId};

/// The event's status, its row locked `FOR UPDATE` on PostgreSQL: the cancel waits for holds
/// in flight (they hold `FOR KEY SHARE`, see `holds::event_for_hold`).
pub fn lock_event(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<EventStatus>> {
    macro_rules! query {
        () => {
            events::table
                .filter(events::id.eq(event))
                .select(events::status)
        };
    }
    match conn {
        DbConnection::Postgres(c) => query!().for_update().first(c).optional(),
        DbConnection::Sqlite(c) => query!().first(c).optional(),
    }
}

/// Any state → `cancelled` (guarded: once).
pub fn mark_cancelled(
    conn: &mut DbConnection,
    event: EventId,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        events::table
            .filter(events::id.eq(event))
            .filter(events::status.ne(EventStatus::Cancelled)),
    )
    .set((
        events::status.eq(EventStatus::Cancelled),
        events::cancelled_at.eq(Some(now)),
        events::cancellation_reason.eq(Some(reason)),
        events::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn cancellation_reason(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<String>> {
    events::table
        .filter(events::id.eq(event))
        .select(events::cancellation_reason)
        .first(conn)
}

/// The event's bookings in one status, oldest first, at most `limit`.
pub fn bookings_in(
    conn: &mut DbConnection,
    event: EventId,
    status: BookingStatus,
    limit: i64,
) -> QueryResult<Vec<BookingId>> {
    bookings::table
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(status))
        .order(bookings::id)
        .limit(limit)
        .select(bookings::id)
        .load(conn)
}

pub fn count_in(
    conn: &mut DbConnection,
    event: EventId,
    status: BookingStatus,
) -> QueryResult<i64> {
    bookings::table
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(status))
        .count()
        .get_result(conn)
}

/// `paid` → `refunded` (guarded), and the booking's unused tickets void (a ticket already used
/// at the door stays as it was: the CHECK ties `checked_in` to its time). `true` when it moved.
pub fn mark_refunded(
    conn: &mut DbConnection,
    booking: BookingId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let moved = diesel::update(
        bookings::table
            .filter(bookings::id.eq(booking))
            .filter(bookings::status.eq(BookingStatus::Paid)),
    )
    .set((
        bookings::status.eq(BookingStatus::Refunded),
        bookings::refunded_at.eq(Some(now)),
        bookings::updated_at.eq(now),
    ))
    .execute(conn)?;
    if moved == 1 {
        diesel::update(
            tickets::table
                .filter(tickets::booking_id.eq(booking))
                .filter(tickets::status.eq("valid")),
        )
        .set(tickets::status.eq("void"))
        .execute(conn)?;
    }
    Ok(moved == 1)
}
