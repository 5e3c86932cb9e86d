//! The booking as checkout reads it (locked `FOR UPDATE` when a payment applies), its basket
//! version, who to write to, and the hold a payment extends.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::payment::Payment;
use crate::db::schema::{bookings, event_seats, events, users, venues};
use crate::db::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId, UserId};
use crate::domain::money::Money;
use crate::domain::venue::SeatStatus;

/// A booking as checkout needs it, locked on PostgreSQL (`FOR UPDATE`) so that two webhooks
/// of one booking apply one after the other.
#[derive(Debug, Clone, Queryable)]
pub struct BookingForPayment {
    pub id: BookingId,
    pub reference: String,
    pub user_id: UserId,
    pub event_id: EventId,
    pub status: BookingStatus,
    pub total: Money,
    pub expires_at: NaiveDateTime,
    /// Bumped by every change of the pending basket.
    pub basket_version: i32,
    /// The hold's own end once a payment extended it by the grace (`expires_at` is then the
    /// end of the grace).
    pub payable_until: Option<NaiveDateTime>,
}

impl BookingForPayment {
    /// Whether `payment` was opened for the basket as it is now, at its total: the only
    /// payment that may sell it.
    pub fn is_paid_for_by(&self, payment: &Payment) -> bool {
        payment.basket_version == self.basket_version && payment.amount == self.total
    }

    /// Until when a new payment may start: the hold's own end, without the grace.
    pub fn hold_ends_at(&self) -> NaiveDateTime {
        self.payable_until.unwrap_or(self.expires_at)
    }
}

/// The booking; with `lock`, its row stays locked until the transaction ends (PostgreSQL).
pub fn booking(
    conn: &mut DbConnection,
    id: BookingId,
    lock: bool,
) -> QueryResult<Option<BookingForPayment>> {
    macro_rules! query {
        () => {
            bookings::table.filter(bookings::id.eq(id)).select((
                bookings::id,
                bookings::reference,
                bookings::user_id,
                bookings::event_id,
                bookings::status,
                (bookings::total_cents, bookings::currency),
                bookings::expires_at,
                bookings::basket_version,
                bookings::payable_until,
            ))
        };
    }
    if lock {
        backend::first_locked(conn, query!(), QueryDsl::for_update)
    } else {
        query!().first(conn).optional()
    }
}

/// What the booking emails add to a booking's view: the event's end and the venue's city.
pub fn event_end_and_city(
    conn: &mut DbConnection,
    event: EventId,
) -> QueryResult<(Option<NaiveDateTime>, String)> {
    events::table
        .inner_join(venues::table)
        .filter(events::id.eq(event))
        .select((events::ends_at, venues::city))
        .first(conn)
}

/// Who to write to about a booking.
pub fn buyer(conn: &mut DbConnection, user: UserId) -> QueryResult<(String, String)> {
    users::table
        .filter(users::id.eq(user))
        .select((users::name, users::email))
        .first(conn)
}

/// The booking's basket version (what a pay form is rendered for).
pub fn basket_version(conn: &mut DbConnection, booking: BookingId) -> QueryResult<i32> {
    bookings::table
        .filter(bookings::id.eq(booking))
        .select(bookings::basket_version)
        .first(conn)
}

/// A payment opened: the booking's hold (and its held seats') runs on to `to`, once, so that a
/// payment the provider accepted before the hold's end still finds its seats when a lagging
/// webhook arrives. `payable_until` keeps the hold's own end (`from`). The seats are locked
/// first, in id order, then the booking, as a hold and a release take them. `true` when it
/// extended the hold now.
pub fn extend_hold(
    conn: &mut DbConnection,
    booking: BookingId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let query = event_seats::table
        .filter(event_seats::booking_id.eq(Some(booking)))
        .filter(event_seats::status.eq(SeatStatus::Held))
        .order(event_seats::id)
        .select(event_seats::id);
    let seats: Vec<i64> = backend::load_locked(conn, query, QueryDsl::for_update)?;
    let changed = diesel::update(
        bookings::table
            .filter(bookings::id.eq(booking))
            .filter(bookings::status.eq(BookingStatus::Pending))
            .filter(bookings::payable_until.is_null())
            .filter(bookings::expires_at.eq(from)),
    )
    .set((
        bookings::payable_until.eq(Some(from)),
        bookings::expires_at.eq(to),
        bookings::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 && !seats.is_empty() {
        diesel::update(
            event_seats::table
                .filter(event_seats::id.eq_any(&seats))
                .filter(event_seats::booking_id.eq(Some(booking)))
                .filter(event_seats::status.eq(SeatStatus::Held)),
        )
        .set((
            event_seats::held_until.eq(Some(to)),
            event_seats::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(changed == 1)
}
