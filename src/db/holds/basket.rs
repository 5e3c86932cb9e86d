//! The buyer's basket (their pending booking for an event): finding and locking it, creating it,
//! adding lines, and keeping its total.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{booking_items, bookings};
use crate::db::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId, EventSeatId, EventSectionId, TierId, UserId};
use crate::domain::money::Currency;

/// A buyer's pending booking for an event: their basket.
#[derive(Debug, Clone, Queryable)]
pub struct Basket {
    pub id: BookingId,
    pub reference: String,
    pub expires_at: NaiveDateTime,
    /// Set once a payment started: the hold's own end; past it, the basket lives on only for
    /// the payment's grace and takes no new holds.
    pub payable_until: Option<NaiveDateTime>,
}

pub fn pending_booking(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
) -> QueryResult<Option<Basket>> {
    bookings::table
        .filter(bookings::user_id.eq(user))
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .select((
            bookings::id,
            bookings::reference,
            bookings::expires_at,
            bookings::payable_until,
        ))
        .first(conn)
        .optional()
}

/// The buyer's basket, locked (`FOR UPDATE` on PostgreSQL) until the transaction ends: taken
/// after the section rows (db::lock_order), so nothing ends the basket while a hold adds to it
/// or takes from it, and a basket ended meanwhile is not returned.
pub fn lock_pending_booking(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
) -> QueryResult<Option<Basket>> {
    let query = bookings::table
        .filter(bookings::user_id.eq(user))
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .select((
            bookings::id,
            bookings::reference,
            bookings::expires_at,
            bookings::payable_until,
        ));
    backend::first_locked(conn, query, QueryDsl::for_update)
}

pub struct NewBooking<'a> {
    pub reference: &'a str,
    pub user: UserId,
    pub event: EventId,
    pub currency: Currency,
    /// The lines the hold adds with it (a new basket's total, and its first basket version).
    pub total_cents: i64,
    pub expires_at: NaiveDateTime,
    pub now: NaiveDateTime,
}

pub fn insert_booking(conn: &mut DbConnection, b: &NewBooking) -> QueryResult<BookingId> {
    diesel::insert_into(bookings::table)
        .values((
            bookings::reference.eq(b.reference),
            bookings::user_id.eq(b.user),
            bookings::event_id.eq(b.event),
            bookings::status.eq(BookingStatus::Pending),
            bookings::total_cents.eq(b.total_cents),
            // As if opened empty and then added to ([`add_to_total`]).
            bookings::basket_version.eq(1),
            bookings::currency.eq(b.currency),
            bookings::expires_at.eq(b.expires_at),
            bookings::created_at.eq(b.now),
            bookings::updated_at.eq(b.now),
        ))
        .returning(bookings::id)
        .get_result(conn)
}

pub struct NewItem {
    pub booking: BookingId,
    pub event: EventId,
    pub event_seat_id: Option<EventSeatId>,
    pub event_section_id: Option<EventSectionId>,
    pub tier: TierId,
    pub quantity: i32,
    pub unit_price_cents: i64,
}

/// Inserts the items in one statement.
pub fn insert_items(conn: &mut DbConnection, items: &[NewItem]) -> QueryResult<()> {
    let rows: Vec<_> = items
        .iter()
        .map(|item| {
            (
                booking_items::booking_id.eq(item.booking),
                booking_items::event_id.eq(item.event),
                booking_items::event_seat_id.eq(item.event_seat_id),
                booking_items::event_section_id.eq(item.event_section_id),
                booking_items::tier_id.eq(item.tier),
                booking_items::quantity.eq(item.quantity),
                booking_items::unit_price_cents.eq(item.unit_price_cents),
            )
        })
        .collect();
    // A multi-row insert is typed per backend (MultiConnection has none of its own).
    backend::execute(
        conn,
        diesel::insert_into(booking_items::table).values(&rows),
    )?;
    Ok(())
}

/// Adds `cents` to the booking's total (a hold adding lines to a basket).
pub fn add_to_total(
    conn: &mut DbConnection,
    booking: BookingId,
    cents: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(bookings::table.filter(bookings::id.eq(booking)))
        .set((
            bookings::total_cents.eq(bookings::total_cents + cents),
            // A changed basket: payments opened for the old one no longer sell (issue 16).
            bookings::basket_version.eq(bookings::basket_version + 1),
            bookings::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Sets the booking's total from its live items, and answers it.
pub fn refresh_total(
    conn: &mut DbConnection,
    booking: BookingId,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let items: Vec<(i32, i64)> = booking_items::table
        .filter(booking_items::booking_id.eq(booking))
        .filter(booking_items::active.eq(true))
        .select((booking_items::quantity, booking_items::unit_price_cents))
        .load(conn)?;
    let total: i64 = items.iter().map(|(q, p)| i64::from(*q) * p).sum();
    diesel::update(bookings::table.filter(bookings::id.eq(booking)))
        .set((
            bookings::total_cents.eq(total),
            bookings::basket_version.eq(bookings::basket_version + 1),
            bookings::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(total)
}

/// Seats and places the booking holds: `(seats, standing places)`.
pub fn quantity_held(conn: &mut DbConnection, booking: BookingId) -> QueryResult<i64> {
    let items: Vec<i32> = booking_items::table
        .filter(booking_items::booking_id.eq(booking))
        .filter(booking_items::active.eq(true))
        .select(booking_items::quantity)
        .load(conn)?;
    Ok(items.iter().map(|q| i64::from(*q)).sum())
}

/// A booking's owner, event and status, by reference.
#[derive(Debug, Clone, Queryable)]
pub struct BookingHead {
    pub id: BookingId,
    pub user_id: UserId,
    pub event_id: EventId,
    pub status: BookingStatus,
    pub expires_at: NaiveDateTime,
}

pub fn find_by_reference(
    conn: &mut DbConnection,
    reference: &str,
) -> QueryResult<Option<BookingHead>> {
    bookings::table
        .filter(bookings::reference.eq(reference))
        .select((
            bookings::id,
            bookings::user_id,
            bookings::event_id,
            bookings::status,
            bookings::expires_at,
        ))
        .first(conn)
        .optional()
}
