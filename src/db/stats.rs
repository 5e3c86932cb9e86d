//! Aggregates of an event's sales (services::stats composes them).

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use super::DbConnection;
use super::schema::{bookings, events, refunds, tickets};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::EventId;
use crate::domain::payment::RefundStatus;

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
        .filter(tickets::status.ne("void"))
        .count()
        .get_result(conn)
}

/// Tickets of the event's paid bookings used at the door.
pub fn tickets_checked_in(conn: &mut DbConnection, event: EventId) -> QueryResult<i64> {
    tickets::table
        .inner_join(bookings::table)
        .filter(tickets::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Paid))
        .filter(tickets::status.eq("checked_in"))
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
