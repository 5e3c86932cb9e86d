//! Aggregates of an event's sales (services::stats composes them).

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use super::DbConnection;
use chrono::NaiveDateTime;

use super::schema::{booking_items, bookings, events, refunds, tickets, venues};
use crate::domain::booking::BookingStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, TierId};
use crate::domain::money::Currency;
use crate::domain::payment::RefundStatus;
use crate::domain::ticket::TicketStatus;

/// What the statistics page says about the event itself.
#[derive(Debug, Clone, Queryable)]
pub struct EventHeader {
    pub id: EventId,
    pub title: String,
    pub status: EventStatus,
    pub starts_at: NaiveDateTime,
    pub currency: Currency,
    pub cancellation_reason: Option<String>,
    pub venue_name: String,
    pub venue_city: String,
    pub timezone: String,
}

/// Any event, drafts and cancelled ones too (the box office sees them all).
pub fn event_header(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<EventHeader>> {
    events::table
        .inner_join(venues::table)
        .filter(events::id.eq(event))
        .select((
            events::id,
            events::title,
            events::status,
            events::starts_at,
            events::currency,
            events::cancellation_reason,
            venues::name,
            venues::city,
            venues::timezone,
        ))
        .first(conn)
        .optional()
}

/// `(tier, tickets, revenue)`: a tier's sales.
pub type TierTotals = (TierId, Option<i64>, Option<i64>);

/// The event's paid bookings' sales per tier that sold anything.
pub fn sales_by_tier(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<TierTotals>> {
    booking_items::table
        .inner_join(bookings::table)
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Paid))
        .filter(booking_items::active.eq(true))
        .group_by(booking_items::tier_id)
        .select((
            booking_items::tier_id,
            sql::<Nullable<BigInt>>("CAST(SUM(booking_items.quantity) AS BIGINT)"),
            sql::<Nullable<BigInt>>(
                "CAST(SUM(booking_items.quantity * booking_items.unit_price_cents) AS BIGINT)",
            ),
        ))
        .load(conn)
}

/// `(paid at, tickets, total)`: one paid booking.
pub type PaidBooking = (Option<NaiveDateTime>, Option<i64>, i64);

/// Each paid booking of the event, oldest first.
pub fn paid_bookings(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<PaidBooking>> {
    bookings::table
        .inner_join(booking_items::table)
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Paid))
        .filter(booking_items::active.eq(true))
        .group_by((bookings::id, bookings::paid_at, bookings::total_cents))
        .select((
            bookings::paid_at,
            sql::<Nullable<BigInt>>("CAST(SUM(booking_items.quantity) AS BIGINT)"),
            bookings::total_cents,
        ))
        .order(bookings::id)
        .load(conn)
}

pub fn event_exists(conn: &mut DbConnection, event: EventId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        events::table.filter(events::id.eq(event)),
    ))
    .get_result(conn)
}

/// `(status, bookings, sum of their totals)` per booking status present.
pub fn bookings_by_status(
    conn: &mut DbConnection,
    event: EventId,
) -> QueryResult<Vec<(BookingStatus, i64, Option<i64>)>> {
    bookings::table
        .filter(bookings::event_id.eq(event))
        .group_by(bookings::status)
        .select((
            bookings::status,
            diesel::dsl::count_star(),
            // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back to whole cents.
            sql::<Nullable<BigInt>>("CAST(SUM(bookings.total_cents) AS BIGINT)"),
        ))
        .load(conn)
}

/// Live tickets (not void) of the event's paid bookings.
pub fn tickets_sold(conn: &mut DbConnection, event: EventId) -> QueryResult<i64> {
    tickets::table
        .inner_join(bookings::table)
        .filter(tickets::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Paid))
        .filter(tickets::status.ne(TicketStatus::Void))
        .count()
        .get_result(conn)
}

/// Tickets of the event's paid bookings used at the door.
pub fn tickets_checked_in(conn: &mut DbConnection, event: EventId) -> QueryResult<i64> {
    tickets::table
        .inner_join(bookings::table)
        .filter(tickets::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Paid))
        .filter(tickets::status.eq(TicketStatus::CheckedIn))
        .count()
        .get_result(conn)
}

/// Money given back (succeeded refunds) for the event's bookings.
pub fn refunded_cents(conn: &mut DbConnection, event: EventId) -> QueryResult<i64> {
    let sum: Option<i64> = refunds::table
        .inner_join(bookings::table)
        .filter(bookings::event_id.eq(event))
        .filter(refunds::status.eq(RefundStatus::Succeeded))
        .select(sql::<Nullable<BigInt>>(
            "CAST(SUM(refunds.amount_cents) AS BIGINT)",
        ))
        .first(conn)?;
    Ok(sum.unwrap_or(0))
}
