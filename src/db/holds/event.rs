//! The event and the buyer's account as a hold reads them: the event row under `FOR KEY SHARE`, the
//! account row under `FOR NO KEY UPDATE` (db::lock_order), and what the account already holds.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

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

/// The event as a hold sees it, without a lock (the seat map's "on sale?").
pub fn event(conn: &mut DbConnection, id: EventId) -> QueryResult<Option<HoldEvent>> {
    hold_event!(id).first(conn).optional()
}

/// The event row and the account row a hold reads first, in one statement.
#[derive(Debug, Clone, QueryableByName)]
struct EventAndAccount {
    #[diesel(sql_type = BigInt)]
    id: EventId,
    #[diesel(sql_type = Text)]
    status: EventStatus,
    #[diesel(sql_type = Timestamp)]
    starts_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    sales_start_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    sales_end_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Integer)]
    max_tickets_per_order: i32,
    #[diesel(sql_type = Text)]
    currency: Currency,
    #[diesel(sql_type = Nullable<Integer>)]
    max_tickets_per_account: Option<i32>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    email_verified_at: Option<NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    queue_gated: bool,
}

/// The event and the account as a hold reads them first, in one statement (one round trip):
/// `None` when either row is missing; otherwise the event, whether the account's email
/// address is verified, and whether the event's waiting room is on (holds then need a running
/// turn, issue 20). On PostgreSQL both rows are locked until the hold commits, as the one
/// row is read, the event's before the account's (db::lock_order):
/// - the event row `FOR KEY SHARE OF e` (the weakest lock; holds never wait on each other for
///   it, nor on edits of the event): cancelling the event takes `FOR UPDATE` first, so it waits
///   for holds in flight and every hold after it sees the event cancelled. No hold can commit
///   after a cancel did.
/// - the account row `FOR NO KEY UPDATE OF u`, so two holds of one account never count its
///   tickets at the same time. That lock does not conflict with the `KEY SHARE` locks
///   foreign-key checks take (a cancel or the sweeper queueing an email for the account while
///   holding sections), so it adds no wait to those paths.
pub fn event_and_account_for_hold(
    conn: &mut DbConnection,
    event: EventId,
    user: UserId,
) -> QueryResult<Option<(HoldEvent, bool, bool)>> {
    const SQL: &str = "SELECT e.id, e.status, e.starts_at, e.sales_start_at, e.sales_end_at, \
        e.max_tickets_per_order, e.currency, e.max_tickets_per_account, u.email_verified_at, \
        EXISTS (SELECT 1 FROM waiting_rooms w WHERE w.event_id = e.id AND w.enabled \
          AND w.phase IN ('prequeue', 'open')) AS queue_gated \
        FROM events e, users u WHERE e.id = {event} AND u.id = {user}";
    let row: Option<EventAndAccount> = backend::per_backend(
        conn,
        |c| {
            let sql = SQL.replace("{event}", "$1").replace("{user}", "$2")
                + " FOR KEY SHARE OF e FOR NO KEY UPDATE OF u";
            diesel::sql_query(sql)
                .bind::<BigInt, _>(event.0)
                .bind::<BigInt, _>(user.0)
                .get_result(c)
                .optional()
        },
        |c| {
            let sql = SQL.replace("{event}", "?1").replace("{user}", "?2");
            diesel::sql_query(sql)
                .bind::<BigInt, _>(event.0)
                .bind::<BigInt, _>(user.0)
                .get_result(c)
                .optional()
        },
    )?;
    Ok(row.map(|r| {
        (
            HoldEvent {
                id: r.id,
                status: r.status,
                starts_at: r.starts_at,
                sales_start_at: r.sales_start_at,
                sales_end_at: r.sales_end_at,
                max_tickets_per_order: r.max_tickets_per_order,
                currency: r.currency,
                max_tickets_per_account: r.max_tickets_per_account,
            },
            r.email_verified_at.is_some(),
            r.queue_gated,
        )
    }))
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
