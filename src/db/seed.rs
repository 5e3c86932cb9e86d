//! Bulk writes for seeding a catalogue (the demo, and test fixtures): venues, events, their
//! inventory, and already-completed sales. Callers run these inside one write transaction.

use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use super::schema::*;
use crate::domain::ids::*;

/// Rows per multi-row `INSERT`: well under SQLite's and PostgreSQL's bind-parameter limits.
const CHUNK: usize = 1_000;

/// Multi-row `INSERT`s in chunks. diesel's batch insert isn't available through the
/// `MultiConnection` backend, so this goes through `backend::execute`; the statement is the
/// same on both.
macro_rules! insert_chunks {
    ($conn:expr, $table:expr, $rows:expr) => {{
        for chunk in $rows.chunks(CHUNK) {
            super::backend::execute($conn, diesel::insert_into($table).values(chunk))?;
        }
        Ok(())
    }};
}

pub fn catalogue_is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
    let venues: i64 = venues::table.count().get_result(conn)?;
    let events: i64 = events::table.count().get_result(conn)?;
    Ok(venues == 0 && events == 0)
}

pub fn insert_user(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<UserId> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(users::id)
        .get_result(conn)
}

pub fn insert_venue(conn: &mut DbConnection, venue: &NewVenue<'_>) -> QueryResult<VenueId> {
    diesel::insert_into(venues::table)
        .values(venue)
        .returning(venues::id)
        .get_result(conn)
}

pub fn insert_section(conn: &mut DbConnection, section: &NewSection<'_>) -> QueryResult<SectionId> {
    diesel::insert_into(sections::table)
        .values(section)
        .returning(sections::id)
        .get_result(conn)
}

pub fn insert_seats(conn: &mut DbConnection, rows: &[NewSeat<'_>]) -> QueryResult<()> {
    insert_chunks!(conn, seats::table, rows)
}

/// A venue's seats as `(seat, section)` in map order: section, row, number.
pub fn venue_seats(
    conn: &mut DbConnection,
    venue: VenueId,
) -> QueryResult<Vec<(SeatId, SectionId)>> {
    seats::table
        .inner_join(sections::table)
        .filter(sections::venue_id.eq(venue))
        .order((
            sections::position,
            sections::id,
            seats::row_index,
            seats::number,
        ))
        .select((seats::id, sections::id))
        .load(conn)
}

pub fn insert_event(conn: &mut DbConnection, event: &NewEvent<'_>) -> QueryResult<EventId> {
    diesel::insert_into(events::table)
        .values(event)
        .returning(events::id)
        .get_result(conn)
}

pub fn insert_tier(conn: &mut DbConnection, tier: &NewTier<'_>) -> QueryResult<TierId> {
    diesel::insert_into(price_tiers::table)
        .values(tier)
        .returning(price_tiers::id)
        .get_result(conn)
}

pub fn insert_bookings(conn: &mut DbConnection, rows: &[NewBooking<'_>]) -> QueryResult<()> {
    insert_chunks!(conn, bookings::table, rows)
}

/// `reference → id` for an event's bookings.
pub fn booking_ids(
    conn: &mut DbConnection,
    event: EventId,
) -> QueryResult<std::collections::HashMap<String, BookingId>> {
    Ok(bookings::table
        .filter(bookings::event_id.eq(event))
        .select((bookings::reference, bookings::id))
        .load::<(String, BookingId)>(conn)?
        .into_iter()
        .collect())
}

pub fn insert_event_seats(conn: &mut DbConnection, rows: &[NewEventSeat]) -> QueryResult<()> {
    insert_chunks!(conn, event_seats::table, rows)
}

/// `seat → event seat` for one event.
pub fn event_seat_ids(
    conn: &mut DbConnection,
    event: EventId,
) -> QueryResult<std::collections::HashMap<SeatId, EventSeatId>> {
    Ok(event_seats::table
        .filter(event_seats::event_id.eq(event))
        .select((event_seats::seat_id, event_seats::id))
        .load::<(SeatId, EventSeatId)>(conn)?
        .into_iter()
        .collect())
}

pub fn insert_event_section(
    conn: &mut DbConnection,
    row: &NewEventSection,
) -> QueryResult<EventSectionId> {
    diesel::insert_into(event_sections::table)
        .values(row)
        .returning(event_sections::id)
        .get_result(conn)
}

pub fn insert_booking_items(conn: &mut DbConnection, rows: &[NewBookingItem]) -> QueryResult<()> {
    insert_chunks!(conn, booking_items::table, rows)
}

/// An event's booking items as `(id, booking, seat, standing section, quantity)`, in id order.
pub type ItemKey = (
    BookingItemId,
    BookingId,
    Option<EventSeatId>,
    Option<EventSectionId>,
    i32,
);

pub fn booking_items_of(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<ItemKey>> {
    booking_items::table
        .filter(booking_items::event_id.eq(event))
        .order(booking_items::id)
        .select((
            booking_items::id,
            booking_items::booking_id,
            booking_items::event_seat_id,
            booking_items::event_section_id,
            booking_items::quantity,
        ))
        .load(conn)
}

pub fn insert_payments(conn: &mut DbConnection, rows: &[NewPayment<'_>]) -> QueryResult<()> {
    insert_chunks!(conn, payments::table, rows)
}

pub fn insert_gateway_intents(
    conn: &mut DbConnection,
    rows: &[NewGatewayIntent<'_>],
) -> QueryResult<()> {
    insert_chunks!(conn, gateway_intents::table, rows)
}

pub fn insert_tickets(conn: &mut DbConnection, rows: &[NewTicket<'_>]) -> QueryResult<()> {
    insert_chunks!(conn, tickets::table, rows)
}
