//! Reading everything about one account, for its owner's export. Never a secret: no password
//! hash, no token or session hash, no idempotency key.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    api_tokens, audit_log, booking_items, bookings, email_outbox, event_seats, event_sections,
    events, hold_releases, login_links, payments, queue_exclusions, queue_tickets, refunds, seats,
    sections, tickets, user_sessions, user_tokens, users, venues,
};
use crate::domain::booking::BookingStatus;
use crate::domain::email::EmailStatus;
use crate::domain::ids::{BookingId, EventId, SeatId, UserId};
use crate::domain::payment::{PaymentStatus, RefundStatus};
use crate::domain::queue::TicketState;
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

/// An email sent, or to be sent, to the account or its address.
#[derive(Debug, Clone, Queryable)]
pub struct EmailRow {
    pub kind: String,
    pub recipient: String,
    pub status: EmailStatus,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// The outbox's rows for the account, or addressed to `email` (an email about its address
/// need not name the account), oldest first.
pub fn emails_of(conn: &mut DbConnection, user: UserId, email: &str) -> QueryResult<Vec<EmailRow>> {
    email_outbox::table
        .filter(
            email_outbox::user_id
                .eq(Some(user.0))
                .or(email_outbox::recipient.eq(email)),
        )
        .order(email_outbox::id)
        .select((
            email_outbox::kind,
            email_outbox::recipient,
            email_outbox::status,
            email_outbox::created_at,
            email_outbox::sent_at,
        ))
        .load(conn)
}

/// `(created, last seen, ended)` of each browser session.
pub fn sessions_of(
    conn: &mut DbConnection,
    user: UserId,
) -> QueryResult<Vec<(NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>)>> {
    user_sessions::table
        .filter(user_sessions::user_id.eq(user))
        .order(user_sessions::id)
        .select((
            user_sessions::created_at,
            user_sessions::last_seen_at,
            user_sessions::revoked_at,
        ))
        .load(conn)
}

/// `(created, expires, last used, revoked)` of each API token.
pub type TokenRow = (
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

pub fn api_tokens_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user))
        .order(api_tokens::id)
        .select((
            api_tokens::created_at,
            api_tokens::expires_at,
            api_tokens::last_used_at,
            api_tokens::revoked_at,
        ))
        .load(conn)
}

/// `(purpose, sent to, created, expires, used)` of each emailed link (address confirmations
/// and password resets, then sign-in links with the purpose `login`).
pub type LinkRow = (
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

pub fn links_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<LinkRow>> {
    let mut links: Vec<LinkRow> = user_tokens::table
        .filter(user_tokens::user_id.eq(user))
        .order(user_tokens::id)
        .select((
            user_tokens::purpose,
            user_tokens::sent_to,
            user_tokens::created_at,
            user_tokens::expires_at,
            user_tokens::used_at,
        ))
        .load(conn)?;
    let sign_in: Vec<(NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>)> = login_links::table
        .filter(login_links::user_id.eq(user))
        .order(login_links::id)
        .select((
            login_links::created_at,
            login_links::expires_at,
            login_links::used_at,
        ))
        .load(conn)?;
    links.extend(
        sign_in
            .into_iter()
            .map(|(created, expires, used)| ("login".to_owned(), None, created, expires, used)),
    );
    Ok(links)
}

/// A place in an event's waiting room.
#[derive(Debug, Clone, Queryable)]
pub struct QueueTicketRow {
    pub event_id: EventId,
    pub state: TicketState,
    pub seq: Option<i64>,
    pub joined_at: NaiveDateTime,
    pub claimed_at: Option<NaiveDateTime>,
    pub active_until: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
}

pub fn queue_tickets_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<QueueTicketRow>> {
    queue_tickets::table
        .filter(queue_tickets::user_id.eq(Some(user.0)))
        .order(queue_tickets::id)
        .select((
            queue_tickets::event_id,
            queue_tickets::state,
            queue_tickets::seq,
            queue_tickets::joined_at,
            queue_tickets::claimed_at,
            queue_tickets::active_until,
            queue_tickets::ended_at,
        ))
        .load(conn)
}

/// `(event, when)` of each waiting room the account was excluded from.
pub fn exclusions_of(
    conn: &mut DbConnection,
    user: UserId,
) -> QueryResult<Vec<(EventId, NaiveDateTime)>> {
    queue_exclusions::table
        .filter(queue_exclusions::user_id.eq(user))
        .order(queue_exclusions::event_id)
        .select((queue_exclusions::event_id, queue_exclusions::excluded_at))
        .load(conn)
}

/// `(event, places, when)` of each seat or standing line the account gave back lately (kept
/// for the re-hold cooldown, then purged).
pub fn releases_of(
    conn: &mut DbConnection,
    user: UserId,
) -> QueryResult<Vec<(EventId, i32, NaiveDateTime)>> {
    hold_releases::table
        .filter(hold_releases::user_id.eq(user.0))
        .order(hold_releases::id)
        .select((
            hold_releases::event_id,
            hold_releases::quantity,
            hold_releases::released_at,
        ))
        .load(conn)
}

/// An audit entry the account made or that is about it.
#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<i64>,
    pub detail: String,
    pub created_at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
}

pub fn audit_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(
            audit_log::actor_user_id
                .eq(Some(user.0))
                .or(audit_log::subject_type
                    .eq("user")
                    .and(audit_log::subject_id.eq(Some(user.0)))),
        )
        .order(audit_log::id)
        .select((
            audit_log::action,
            audit_log::subject_type,
            audit_log::subject_id,
            audit_log::detail,
            audit_log::created_at,
            audit_log::actor_user_id,
        ))
        .load(conn)
}
