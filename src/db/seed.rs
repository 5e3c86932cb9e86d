//! Bulk writes for seeding a catalogue (the demo, and test fixtures): venues, events, their
//! inventory, and already-completed sales. Callers run these inside one write transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

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

/// A booking written whole in its final state (the demo's past sales and unpaid baskets).
/// `None` binds NULL (not DEFAULT), so a chunk is one multi-row statement on SQLite too.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = bookings, treat_none_as_default_value = false)]
pub struct SeedBooking<'a> {
    pub reference: &'a str,
    pub user_id: UserId,
    pub event_id: EventId,
    pub status: &'a str,
    pub total_cents: i64,
    pub currency: &'a str,
    pub expires_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub refunded_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_bookings(conn: &mut DbConnection, rows: &[SeedBooking<'_>]) -> QueryResult<()> {
    insert_chunks!(conn, bookings::table, rows)
}

/// `reference → id` for an event's bookings.
pub fn booking_ids(
    conn: &mut DbConnection,
    event: EventId,
) -> QueryResult<HashMap<String, BookingId>> {
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
) -> QueryResult<HashMap<SeatId, EventSeatId>> {
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

/// A payment the simulated gateway took, and how much of it went back.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = gateway_intents, treat_none_as_default_value = false)]
pub struct SeedIntent<'a> {
    pub external_id: &'a str,
    pub idempotency_key: String,
    pub merchant_reference: &'a str,
    pub description: String,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub method: &'a str,
    pub status: &'a str,
    pub card_last4: Option<&'a str>,
    pub refunded_cents: i64,
    pub return_url: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

pub fn insert_gateway_intents(conn: &mut DbConnection, rows: &[SeedIntent<'_>]) -> QueryResult<()> {
    insert_chunks!(conn, gateway_intents::table, rows)
}

/// `external id → id` of these gateway intents.
pub fn intent_ids(conn: &mut DbConnection, external: &[&str]) -> QueryResult<HashMap<String, i64>> {
    let mut ids = HashMap::with_capacity(external.len());
    for chunk in external.chunks(CHUNK) {
        ids.extend(
            gateway_intents::table
                .filter(gateway_intents::external_id.eq_any(chunk))
                .select((gateway_intents::external_id, gateway_intents::id))
                .load::<(String, i64)>(conn)?,
        );
    }
    Ok(ids)
}

/// `booking → payment` for one event's bookings.
pub fn payment_ids(
    conn: &mut DbConnection,
    event: EventId,
) -> QueryResult<HashMap<BookingId, PaymentId>> {
    Ok(payments::table
        .inner_join(bookings::table)
        .filter(bookings::event_id.eq(event))
        .select((payments::booking_id, payments::id))
        .load::<(BookingId, PaymentId)>(conn)?
        .into_iter()
        .collect())
}

/// A refund already settled, on the app's side.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = refunds, treat_none_as_default_value = false)]
pub struct SeedRefund<'a> {
    pub payment_id: PaymentId,
    pub booking_id: BookingId,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub status: &'a str,
    pub idempotency_key: String,
    pub external_id: Option<&'a str>,
    pub reason: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub succeeded_at: Option<NaiveDateTime>,
}

pub fn insert_refunds(conn: &mut DbConnection, rows: &[SeedRefund<'_>]) -> QueryResult<()> {
    insert_chunks!(conn, refunds::table, rows)
}

/// The same refund in the simulated gateway's books.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = gateway_refunds)]
pub struct SeedGatewayRefund<'a> {
    pub external_id: &'a str,
    pub intent_id: i64,
    pub idempotency_key: String,
    pub amount_cents: i64,
    pub reason: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert_gateway_refunds(
    conn: &mut DbConnection,
    rows: &[SeedGatewayRefund<'_>],
) -> QueryResult<()> {
    insert_chunks!(conn, gateway_refunds::table, rows)
}

/// A ticket in its final state: valid, used at the door, or void.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tickets, treat_none_as_default_value = false)]
pub struct SeedTicket<'a> {
    pub booking_id: BookingId,
    pub booking_item_id: BookingItemId,
    pub event_id: EventId,
    pub event_seat_id: Option<EventSeatId>,
    pub code: &'a str,
    pub status: &'a str,
    pub checked_in_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert_tickets(conn: &mut DbConnection, rows: &[SeedTicket<'_>]) -> QueryResult<()> {
    insert_chunks!(conn, tickets::table, rows)
}
