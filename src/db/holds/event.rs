//! The event and the buyer's account as a hold reads them: the event row under `FOR KEY SHARE`, the
//! account row under `FOR NO KEY UPDATE` (db::lock_order), and what the account already holds.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{booking_items, bookings, events};
use crate::db::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, UserId};
use crate::domain::money::Currency;

/// What a hold needs to know about the event.
#[derive(Debug, Clone, Queryable)]
pub struct HoldEvent {
    pub id: EventId,
    pub status: EventStatus,
    pub starts_at: NaiveDateTime,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
    pub max_tickets_per_order: i32,
    pub currency: Currency,
    /// The box office's cap on one account's tickets for the event (held and bought).
    pub max_tickets_per_account: Option<i32>,
}

/// The event as a hold reads it (a macro: the query's type is long to write out).
macro_rules! hold_event {
    ($id:expr) => {
        events::table.filter(events::id.eq($id)).select((
            events::id,
            events::status,
            events::starts_at,
            events::sales_start_at,
            events::sales_end_at,
            events::max_tickets_per_order,
            events::currency,
            events::max_tickets_per_account,
        ))
    };
}

/// The event, read by a hold. On PostgreSQL the row is locked `FOR KEY SHARE` until the hold
/// commits (the weakest lock; holds never wait on each other for it, nor on edits of the
/// event): cancelling the event takes `FOR UPDATE` first, so it waits for holds in flight and
/// every hold after it sees the event cancelled. No hold can commit after a cancel did.
pub fn event_for_hold(conn: &mut DbConnection, id: EventId) -> QueryResult<Option<HoldEvent>> {
    backend::first_locked(conn, hold_event!(id), QueryDsl::for_key_share)
}

/// The event as a hold sees it, without a lock (the seat map's "on sale?").
pub fn event(conn: &mut DbConnection, id: EventId) -> QueryResult<Option<HoldEvent>> {
    hold_event!(id).first(conn).optional()
}

/// The account as a hold sees it: whether its email address is verified. On PostgreSQL the row
/// is locked `FOR NO KEY UPDATE` until the hold commits, so two holds of one account never
/// count its tickets at the same time (db::lock_order: after the event row, before the
/// sections). That lock does not conflict with the `KEY SHARE` locks foreign-key checks take
/// (a cancel or the sweeper queueing an email for the account while holding sections), so it
/// adds no wait to those paths. `None`: no such account.
pub fn lock_account(conn: &mut DbConnection, user: UserId) -> QueryResult<Option<bool>> {
    use crate::db::schema::users;
    let query = users::table
        .filter(users::id.eq(user))
        .select(users::email_verified_at);
    let row: Option<Option<NaiveDateTime>> =
        backend::first_locked(conn, query, QueryDsl::for_no_key_update)?;
    Ok(row.map(|verified_at| verified_at.is_some()))
}

/// Tickets (seats and places) `user` holds now in pending bookings whose hold has not run out,
/// across all events.
pub fn tickets_held_by(
    conn: &mut DbConnection,
    user: UserId,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let items: Vec<i32> = booking_items::table
        .inner_join(bookings::table)
        .filter(bookings::user_id.eq(user))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .filter(bookings::expires_at.gt(now))
        .filter(booking_items::active.eq(true))
        .select(booking_items::quantity)
        .load(conn)?;
    Ok(items.iter().map(|q| i64::from(*q)).sum())
}

/// Tickets `user` has for the event: held (pending, not run out) and bought (paid; refunded
/// and cancelled bookings do not count).
pub fn tickets_for_event(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let items: Vec<i32> = booking_items::table
        .inner_join(bookings::table)
        .filter(bookings::user_id.eq(user))
        .filter(bookings::event_id.eq(event))
        .filter(
            bookings::status.eq(BookingStatus::Paid).or(bookings::status
                .eq(BookingStatus::Pending)
                .and(bookings::expires_at.gt(now))),
        )
        .filter(booking_items::active.eq(true))
        .select(booking_items::quantity)
        .load(conn)?;
    Ok(items.iter().map(|q| i64::from(*q)).sum())
}
