//! Selling a paid booking: its seats (locked in id order), its standing places, its lines, its
//! status, and its tickets.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::payment::Payment;
use crate::db::holds::{SEAT_LOCK_COLUMNS, SeatLock};
use crate::db::schema::{booking_items, bookings, event_seats, event_sections, tickets};
use crate::db::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, BookingItemId, EventId, EventSeatId, EventSectionId};
use crate::domain::venue::SeatStatus;

/// A line of a booking as re-claiming its seats needs it.
#[derive(Debug, Clone, Queryable)]
pub struct ItemForClaim {
    pub id: BookingItemId,
    pub event_seat_id: Option<EventSeatId>,
    pub event_section_id: Option<EventSectionId>,
    pub quantity: i32,
    pub active: bool,
}

pub fn items_for_claim(
    conn: &mut DbConnection,
    booking: BookingId,
) -> QueryResult<Vec<ItemForClaim>> {
    booking_items::table
        .filter(booking_items::booking_id.eq(booking))
        .order(booking_items::id)
        .select((
            booking_items::id,
            booking_items::event_seat_id,
            booking_items::event_section_id,
            booking_items::quantity,
            booking_items::active,
        ))
        .load(conn)
}

/// These `event_seats` rows, locked in id order on PostgreSQL.
pub fn lock_event_seats(
    conn: &mut DbConnection,
    ids: &[EventSeatId],
) -> QueryResult<Vec<SeatLock>> {
    let query = event_seats::table
        .filter(event_seats::id.eq_any(ids))
        .order(event_seats::id)
        .select(SEAT_LOCK_COLUMNS);
    backend::load_locked(conn, query, QueryDsl::for_update)
}

/// Sells these seats to `booking`: only rows that are available or held by that booking
/// (guarded). Answers how many changed; the caller checks it got them all.
pub fn sell_seats(
    conn: &mut DbConnection,
    ids: &[EventSeatId],
    booking: BookingId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        event_seats::table
            .filter(event_seats::id.eq_any(ids))
            .filter(
                event_seats::status
                    .eq(SeatStatus::Available)
                    .or(event_seats::status
                        .eq(SeatStatus::Held)
                        .and(event_seats::booking_id.eq(Some(booking)))),
            ),
    )
    .set((
        event_seats::status.eq(SeatStatus::Sold),
        event_seats::booking_id.eq(Some(booking)),
        event_seats::held_until.eq(None::<NaiveDateTime>),
        event_seats::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Standing places the booking held become sold (guarded: never below zero held).
pub fn sell_held_places(
    conn: &mut DbConnection,
    event_section: EventSectionId,
    quantity: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        event_sections::table
            .filter(event_sections::id.eq(event_section))
            .filter(event_sections::held.ge(quantity)),
    )
    .set((
        event_sections::held.eq(event_sections::held - quantity),
        event_sections::sold.eq(event_sections::sold + quantity),
        event_sections::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Standing places sold afresh (a late payment re-claiming them), if that many are free.
pub fn sell_free_places(
    conn: &mut DbConnection,
    event_section: EventSectionId,
    quantity: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        event_sections::table
            .filter(event_sections::id.eq(event_section))
            .filter(
                (event_sections::held + event_sections::sold + event_sections::blocked + quantity)
                    .le(event_sections::capacity),
            ),
    )
    .set((
        event_sections::sold.eq(event_sections::sold + quantity),
        event_sections::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn reactivate_items(conn: &mut DbConnection, booking: BookingId) -> QueryResult<usize> {
    diesel::update(
        booking_items::table
            .filter(booking_items::booking_id.eq(booking))
            .filter(booking_items::active.eq(false)),
    )
    .set(booking_items::active.eq(true))
    .execute(conn)
}

/// `pending` or `expired` → `paid` (guarded); `true` when it moved. Guarded on the payment
/// too: only the basket version it was opened for, at exactly its amount, is sold by it.
pub fn mark_paid(
    conn: &mut DbConnection,
    booking: BookingId,
    payment: &Payment,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        bookings::table
            .filter(bookings::id.eq(booking))
            .filter(bookings::status.eq_any([BookingStatus::Pending, BookingStatus::Expired]))
            .filter(bookings::basket_version.eq(payment.basket_version))
            .filter(bookings::total_cents.eq(payment.amount.cents))
            .filter(bookings::currency.eq(payment.amount.currency)),
    )
    .set((
        bookings::status.eq(BookingStatus::Paid),
        bookings::paid_at.eq(Some(now)),
        bookings::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub struct NewTicket {
    pub booking: BookingId,
    pub item: BookingItemId,
    pub event: EventId,
    pub event_seat: Option<EventSeatId>,
    pub code: String,
}

pub fn insert_tickets(
    conn: &mut DbConnection,
    rows: &[NewTicket],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for t in rows {
        diesel::insert_into(tickets::table)
            .values((
                tickets::booking_id.eq(t.booking),
                tickets::booking_item_id.eq(t.item),
                tickets::event_id.eq(t.event),
                tickets::event_seat_id.eq(t.event_seat),
                tickets::code.eq(&t.code),
                tickets::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
