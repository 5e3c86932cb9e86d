//! The SQL of cancelling an event (services::cancellation).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{bookings, events, refunds, tickets, users};
use super::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{BookingId, EventId, RefundId};
use crate::domain::money::Money;
use crate::domain::payment::RefundStatus;
use crate::domain::ticket::TicketStatus;

/// The event's status, its row locked `FOR UPDATE` on PostgreSQL: the cancel waits for holds
/// in flight (they hold `FOR KEY SHARE`, see `holds::event_and_account_for_hold`).
pub fn lock_event(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<EventStatus>> {
    let query = events::table
        .filter(events::id.eq(event))
        .select(events::status);
    backend::first_locked(conn, query, QueryDsl::for_update)
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

/// The event's paid bookings the cancel job should refund now, oldest first, at most `limit`:
/// every paid booking except those whose refund the gateway kept refusing (`failed`; an admin
/// retries those).
pub fn bookings_to_refund(
    conn: &mut DbConnection,
    event: EventId,
    limit: i64,
) -> QueryResult<Vec<BookingId>> {
    let given_up = refunds::table
        .filter(refunds::status.eq(RefundStatus::Failed))
        .select(refunds::booking_id);
    bookings::table
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Paid))
        .filter(bookings::id.ne_all(given_up))
        .order(bookings::id)
        .limit(limit)
        .select(bookings::id)
        .load(conn)
}

/// A refund of a cancelled event's booking that the gateway kept refusing.
#[derive(Debug, Clone, Queryable)]
pub struct FailedRefund {
    pub refund_id: RefundId,
    pub reference: String,
    pub buyer_name: String,
    pub buyer_email: String,
    pub amount: Money,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub updated_at: NaiveDateTime,
}

/// How many of the event's paid bookings have a `failed` refund.
pub fn count_failed_refunds(conn: &mut DbConnection, event: EventId) -> QueryResult<i64> {
    refunds::table
        .inner_join(bookings::table)
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Paid))
        .filter(refunds::status.eq(RefundStatus::Failed))
        .count()
        .get_result(conn)
}

/// The event's paid bookings whose refund is `failed`, oldest first.
pub fn failed_refunds(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<FailedRefund>> {
    refunds::table
        .inner_join(bookings::table.inner_join(users::table))
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Paid))
        .filter(refunds::status.eq(RefundStatus::Failed))
        .order(refunds::id)
        .select((
            refunds::id,
            bookings::reference,
            users::name,
            users::email,
            (refunds::amount_cents, refunds::currency),
            refunds::attempts,
            refunds::last_error,
            refunds::updated_at,
        ))
        .load(conn)
}

/// `failed` → `pending` with its attempts counted afresh (guarded; only a refund of a paid
/// booking of this event). `true` when it moved.
pub fn reopen_failed_refund(
    conn: &mut DbConnection,
    event: EventId,
    refund: RefundId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let of_event = bookings::table
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Paid))
        .select(bookings::id);
    diesel::update(
        refunds::table
            .filter(refunds::id.eq(refund))
            .filter(refunds::status.eq(RefundStatus::Failed))
            .filter(refunds::booking_id.eq_any(of_event)),
    )
    .set((
        refunds::status.eq(RefundStatus::Pending),
        refunds::attempts.eq(0),
        refunds::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// A pending refund that has been refused `attempts` times or more becomes `failed`
/// (guarded). `true` when it moved.
pub fn give_up_refund(
    conn: &mut DbConnection,
    refund: RefundId,
    attempts: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        refunds::table
            .filter(refunds::id.eq(refund))
            .filter(refunds::status.eq(RefundStatus::Pending))
            .filter(refunds::attempts.ge(attempts)),
    )
    .set((
        refunds::status.eq(RefundStatus::Failed),
        refunds::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
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
                .filter(tickets::status.eq(TicketStatus::Valid)),
        )
        .set(tickets::status.eq(TicketStatus::Void))
        .execute(conn)?;
    }
    Ok(moved == 1)
}
