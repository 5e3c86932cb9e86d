//! One booking's record as the admin sees it: its moments, tickets, payments, refunds, emails
//! and audit rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    audit_log, booking_items, bookings, email_outbox, event_seats, event_sections, events, refunds,
    seats, sections, tickets, users,
};
use crate::domain::catalogue::contains_pattern;
use crate::domain::email::EmailStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{AuditEntryId, BookingId, EmailId, PaymentId, RefundId, TicketId, UserId};
use crate::domain::money::Money;
use crate::domain::payment::RefundStatus;
use crate::domain::ticket::TicketStatus;

/// What the detail adds to the list row: when the booking changed state, and its event's
/// slug and status.
#[derive(Debug, Clone, Queryable)]
pub struct Moments {
    pub paid_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub refunded_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub event_slug: String,
    pub event_status: EventStatus,
}

pub fn moments(conn: &mut DbConnection, booking: BookingId) -> QueryResult<Moments> {
    bookings::table
        .inner_join(events::table)
        .filter(bookings::id.eq(booking))
        .select((
            bookings::paid_at,
            bookings::cancelled_at,
            bookings::refunded_at,
            bookings::updated_at,
            events::slug,
            events::status,
        ))
        .first(conn)
}

/// A ticket with its state at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminTicket {
    pub id: TicketId,
    pub code: String,
    pub status: TicketStatus,
    pub checked_in_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub section: String,
    pub row: Option<String>,
    pub number: Option<i32>,
}

type TicketCols = (
    TicketId,
    String,
    TicketStatus,
    Option<NaiveDateTime>,
    NaiveDateTime,
);

/// Every ticket of the booking (void ones too), seats in map order, then standing places.
pub fn tickets_of(conn: &mut DbConnection, booking: BookingId) -> QueryResult<Vec<AdminTicket>> {
    let seated: Vec<(TicketCols, (String, String, i32))> = tickets::table
        .inner_join(event_seats::table.inner_join(seats::table.inner_join(sections::table)))
        .filter(tickets::booking_id.eq(booking))
        .order((
            sections::position,
            seats::row_index,
            seats::number,
            tickets::id,
        ))
        .select((
            (
                tickets::id,
                tickets::code,
                tickets::status,
                tickets::checked_in_at,
                tickets::created_at,
            ),
            (sections::name, seats::row_label, seats::number),
        ))
        .load(conn)?;
    let standing: Vec<(TicketCols, String)> = tickets::table
        .inner_join(
            booking_items::table.inner_join(event_sections::table.inner_join(sections::table)),
        )
        .filter(tickets::booking_id.eq(booking))
        .filter(tickets::event_seat_id.is_null())
        .order(tickets::id)
        .select((
            (
                tickets::id,
                tickets::code,
                tickets::status,
                tickets::checked_in_at,
                tickets::created_at,
            ),
            sections::name,
        ))
        .load(conn)?;
    let ticket = |(id, code, status, checked_in_at, created_at): TicketCols,
                  section: String,
                  row: Option<String>,
                  number: Option<i32>| AdminTicket {
        id,
        code,
        status,
        checked_in_at,
        created_at,
        section,
        row,
        number,
    };
    Ok(seated
        .into_iter()
        .map(|(t, (section, row, number))| ticket(t, section, Some(row), Some(number)))
        .chain(
            standing
                .into_iter()
                .map(|(t, section)| ticket(t, section, None, None)),
        )
        .collect())
}

/// A refund as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = refunds)]
pub struct AdminRefund {
    pub id: RefundId,
    pub payment_id: PaymentId,
    /// The provider's reference, once it made the refund.
    pub external_id: Option<String>,
    #[diesel(select_expression = (refunds::amount_cents, refunds::currency))]
    pub amount: Money,
    pub status: RefundStatus,
    pub reason: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub succeeded_at: Option<NaiveDateTime>,
}

pub fn refunds_of(conn: &mut DbConnection, booking: BookingId) -> QueryResult<Vec<AdminRefund>> {
    refunds::table
        .filter(refunds::booking_id.eq(booking))
        .order(refunds::id)
        .select(AdminRefund::as_select())
        .load(conn)
}

pub fn payments_of(
    conn: &mut DbConnection,
    booking: BookingId,
) -> QueryResult<Vec<crate::db::payments::Payment>> {
    use crate::db::schema::payments;
    payments::table
        .filter(payments::booking_id.eq(booking))
        .order(payments::id)
        .select(crate::db::payments::Payment::as_select())
        .load(conn)
}

/// An email about a booking.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_outbox)]
pub struct BookingEmailRow {
    pub id: EmailId,
    pub kind: String,
    pub recipient: String,
    pub user_id: Option<UserId>,
    pub payload: String,
    pub status: EmailStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// The booking emails about this booking, oldest first. Every booking email's payload is a
/// snapshot that carries the booking's reference (`mail::templates::BookingEmail`), while
/// their dedupe keys name a booking or a payment id, so the payload is what identifies them.
/// References are upper-case base 32: no character of a LIKE pattern or of JSON escaping.
pub fn emails_of(
    conn: &mut DbConnection,
    user: UserId,
    reference: &str,
) -> QueryResult<Vec<BookingEmailRow>> {
    email_outbox::table
        .filter(email_outbox::user_id.eq(Some(user.0)))
        .filter(
            email_outbox::payload
                .like(contains_pattern(&format!("\"reference\":\"{reference}\"")))
                .escape('\\'),
        )
        .order(email_outbox::id)
        .select(BookingEmailRow::as_select())
        .load(conn)
}

/// An audit row about a booking.
#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub id: AuditEntryId,
    pub action: String,
    pub detail: String,
    pub created_at: NaiveDateTime,
    pub actor: Option<String>,
}

pub fn audit_of(conn: &mut DbConnection, booking: BookingId) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .left_join(users::table)
        .filter(audit_log::subject_type.eq("booking"))
        .filter(audit_log::subject_id.eq(Some(booking.0)))
        .order(audit_log::id)
        .select((
            audit_log::id,
            audit_log::action,
            audit_log::detail,
            audit_log::created_at,
            users::name.nullable(),
        ))
        .load(conn)
}

/// The booking's newest email (for a resend when it has no tickets).
pub fn last_email(
    conn: &mut DbConnection,
    user: UserId,
    reference: &str,
) -> QueryResult<Option<BookingEmailRow>> {
    Ok(emails_of(conn, user, reference)?.pop())
}
