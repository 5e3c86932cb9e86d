//! Reading everything about one account, for its owner's export: the account and its bookings
//! here, what it did and what signs it in in `activity.rs`. Never a secret: no password hash,
//! no token or session hash, no idempotency key.

mod activity;

pub use activity::*;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    booking_items, bookings, event_seats, event_sections, events, payments, refunds, seats,
    sections, tickets, users, venues,
};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId, SeatId, UserId};
use crate::domain::payment::{PaymentStatus, RefundStatus};
use crate::domain::ticket::TicketStatus;
use crate::domain::user::Role;

/// The account's own row.
#[derive(Debug, Clone, Queryable)]
pub struct ProfileRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub email_verified_at: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
}

pub fn profile(conn: &mut DbConnection, user: UserId) -> QueryResult<Option<ProfileRow>> {
    users::table
        .filter(users::id.eq(user))
        .select((
            users::id,
            users::name,
            users::email,
            users::role,
            users::created_at,
            users::updated_at,
            users::email_verified_at,
            users::disabled_at,
        ))
        .first(conn)
        .optional()
}

/// One of the account's bookings, with its event.
#[derive(Debug, Clone, Queryable)]
pub struct BookingRow {
    pub id: BookingId,
    pub reference: String,
    pub event_id: EventId,
    pub event_title: String,
    pub starts_at: NaiveDateTime,
    pub venue: String,
    pub status: BookingStatus,
    pub total_cents: i64,
    pub currency: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub refunded_at: Option<NaiveDateTime>,
}

/// Every booking of the account, in any state, newest first.
pub fn bookings_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<BookingRow>> {
    bookings::table
        .inner_join(events::table.inner_join(venues::table))
        .filter(bookings::user_id.eq(user))
        .order((bookings::created_at.desc(), bookings::id.desc()))
        .select((
            bookings::id,
            bookings::reference,
            events::id,
            events::title,
            events::starts_at,
            venues::name,
            bookings::status,
            bookings::total_cents,
            bookings::currency,
            bookings::created_at,
            bookings::expires_at,
            bookings::paid_at,
            bookings::cancelled_at,
            bookings::refunded_at,
        ))
        .load(conn)
}

/// A ticket of one of the bookings, void ones included.
#[derive(Debug, Clone, Queryable)]
pub struct TicketRow {
    pub booking_id: BookingId,
    pub code: String,
    pub status: TicketStatus,
    pub section: String,
    pub seat_id: Option<SeatId>,
    pub row: Option<String>,
    pub number: Option<i32>,
    pub created_at: NaiveDateTime,
    pub checked_in_at: Option<NaiveDateTime>,
}

/// Every ticket of these bookings (seated, then standing), whatever its status.
pub fn tickets_of(conn: &mut DbConnection, ids: &[BookingId]) -> QueryResult<Vec<TicketRow>> {
    let mut all: Vec<TicketRow> = tickets::table
        .inner_join(event_seats::table.inner_join(seats::table.inner_join(sections::table)))
        .filter(tickets::booking_id.eq_any(ids))
        .order((tickets::booking_id, tickets::id))
        .select((
            tickets::booking_id,
            tickets::code,
            tickets::status,
            sections::name,
            seats::id.nullable(),
            seats::row_label.nullable(),
            seats::number.nullable(),
            tickets::created_at,
            tickets::checked_in_at,
        ))
        .load(conn)?;
    let standing: Vec<(
        BookingId,
        String,
        TicketStatus,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
    )> = tickets::table
        .inner_join(
            booking_items::table.inner_join(event_sections::table.inner_join(sections::table)),
        )
        .filter(tickets::booking_id.eq_any(ids))
        .filter(tickets::event_seat_id.is_null())
        .order((tickets::booking_id, tickets::id))
        .select((
            tickets::booking_id,
            tickets::code,
            tickets::status,
            sections::name,
            tickets::created_at,
            tickets::checked_in_at,
        ))
        .load(conn)?;
    all.extend(standing.into_iter().map(
        |(booking_id, code, status, section, created_at, checked_in_at)| TicketRow {
            booking_id,
            code,
            status,
            section,
            seat_id: None,
            row: None,
            number: None,
            created_at,
            checked_in_at,
        },
    ));
    Ok(all)
}

/// A payment of one of the bookings.
#[derive(Debug, Clone, Queryable)]
pub struct PaymentRow {
    pub booking_id: BookingId,
    pub external_id: String,
    pub method: String,
    pub status: PaymentStatus,
    pub amount_cents: i64,
    pub currency: String,
    pub failure_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub succeeded_at: Option<NaiveDateTime>,
}

pub fn payments_of(conn: &mut DbConnection, ids: &[BookingId]) -> QueryResult<Vec<PaymentRow>> {
    payments::table
        .filter(payments::booking_id.eq_any(ids))
        .order(payments::id)
        .select((
            payments::booking_id,
            payments::external_id,
            payments::method,
            payments::status,
            payments::amount_cents,
            payments::currency,
            payments::failure_reason,
            payments::created_at,
            payments::succeeded_at,
        ))
        .load(conn)
}

/// A refund of one of the bookings.
#[derive(Debug, Clone, Queryable)]
pub struct RefundRow {
    pub booking_id: BookingId,
    pub amount_cents: i64,
    pub currency: String,
    pub status: RefundStatus,
    pub reason: String,
    pub created_at: NaiveDateTime,
    pub succeeded_at: Option<NaiveDateTime>,
}

pub fn refunds_of(conn: &mut DbConnection, ids: &[BookingId]) -> QueryResult<Vec<RefundRow>> {
    refunds::table
        .filter(refunds::booking_id.eq_any(ids))
        .order(refunds::id)
        .select((
            refunds::booking_id,
            refunds::amount_cents,
            refunds::currency,
            refunds::status,
            refunds::reason,
            refunds::created_at,
            refunds::succeeded_at,
        ))
        .load(conn)
}
