//! The SQL of the admin's bookings (services::booking_admin): search, one booking's record
//! (tickets, payments, refunds, emails, audit rows), a manual refund's inventory changes and
//! an event's attendee list.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::bookings::BookingListRow;
use super::schema::{
    audit_log, booking_items, bookings, email_outbox, event_seats, event_sections, events,
    price_tiers, refunds, seats, sections, tickets, users, venues,
};
use super::{DbConnection, MultiBackend};
use crate::domain::booking::BookingStatus;
use crate::domain::catalogue::contains_pattern;
use crate::domain::ids::{BookingId, EventId, SeatId, UserId};
use crate::domain::venue::SeatStatus;

diesel::define_sql_function!(
    /// SQL `lower()`: ASCII case folding on SQLite, full Unicode on PostgreSQL.
    fn lower(x: Text) -> Text
);

/// What the admin's list is narrowed to. `q` is already trimmed and non-empty.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub event: Option<EventId>,
    pub status: Option<BookingStatus>,
    pub q: Option<String>,
}

/// The buyer as the admin sees them.
#[derive(Debug, Clone, Queryable)]
pub struct Buyer {
    pub id: UserId,
    pub name: String,
    pub email: String,
}

/// A booking of the admin's list: the buyer's list row plus its buyer.
#[derive(Debug, Clone, Queryable)]
pub struct AdminBookingRow {
    pub booking: BookingListRow,
    pub buyer: Buyer,
}

type Joined = diesel::dsl::InnerJoin<
    diesel::dsl::InnerJoin<bookings::table, users::table>,
    diesel::dsl::InnerJoin<events::table, venues::table>,
>;
type Filtered<'a> = diesel::dsl::IntoBoxed<'a, Joined, MultiBackend>;

/// The bookings matching the filters (before ordering and paging). `q` matches the reference
/// exactly (references are upper case), or the buyer's email or name anywhere in it, case
/// folded (ASCII only on SQLite, whose `lower()` folds no more).
fn filtered(filters: &Filters) -> Filtered<'static> {
    let mut query = bookings::table
        .inner_join(users::table)
        .inner_join(events::table.inner_join(venues::table))
        .into_boxed();
    if let Some(event) = filters.event {
        query = query.filter(bookings::event_id.eq(event));
    }
    if let Some(status) = filters.status {
        query = query.filter(bookings::status.eq(status));
    }
    if let Some(q) = &filters.q {
        let pattern = contains_pattern(&q.to_lowercase());
        query = query.filter(
            bookings::reference
                .eq(q.to_uppercase())
                .or(users::email.like(pattern.clone()).escape('\\'))
                .or(lower(users::name).like(pattern).escape('\\')),
        );
    }
    query
}

/// The columns of [`AdminBookingRow`]. A macro: the query's type differs per caller.
macro_rules! admin_row {
    () => {
        (
            (
                bookings::id,
                bookings::reference,
                bookings::status,
                bookings::total_cents,
                bookings::currency,
                bookings::expires_at,
                bookings::created_at,
                events::id,
                events::title,
                events::starts_at,
                venues::name,
                venues::timezone,
            ),
            (users::id, users::name, users::email),
        )
    };
}

/// One page of matching bookings, newest first.
pub fn search(
    conn: &mut DbConnection,
    filters: &Filters,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<AdminBookingRow>> {
    filtered(filters)
        .order((bookings::created_at.desc(), bookings::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(admin_row!())
        .load(conn)
}

/// How many bookings match.
pub fn count(conn: &mut DbConnection, filters: &Filters) -> QueryResult<i64> {
    filtered(filters).count().get_result(conn)
}

/// One booking by its exact reference, with its buyer.
pub fn by_reference(
    conn: &mut DbConnection,
    reference: &str,
) -> QueryResult<Option<AdminBookingRow>> {
    bookings::table
        .inner_join(users::table)
        .inner_join(events::table.inner_join(venues::table))
        .filter(bookings::reference.eq(reference))
        .select(admin_row!())
        .first(conn)
        .optional()
}

/// What the detail adds to the list row: when the booking changed state, and its event's
/// slug and status.
#[derive(Debug, Clone, Queryable)]
pub struct Moments {
    pub paid_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub refunded_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub event_slug: String,
    pub event_status: String,
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
    pub id: i64,
    pub code: String,
    pub status: String,
    pub checked_in_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub section: String,
    pub row: Option<String>,
    pub number: Option<i32>,
}

type TicketCols = (i64, String, String, Option<NaiveDateTime>, NaiveDateTime);

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
    pub id: i64,
    pub payment_id: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub status: String,
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
) -> QueryResult<Vec<super::payments::Payment>> {
    use super::schema::payments;
    payments::table
        .filter(payments::booking_id.eq(booking))
        .order(payments::id)
        .select(super::payments::Payment::as_select())
        .load(conn)
}

/// An email about a booking.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_outbox)]
pub struct BookingEmailRow {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub user_id: Option<i64>,
    pub payload: String,
    pub status: String,
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
    pub id: i64,
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

/// Whether the event still sells: published and not started.
pub fn event_on_sale(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    events::table
        .filter(events::id.eq(event))
        .select((events::status, events::starts_at))
        .first::<(String, NaiveDateTime)>(conn)
        .map(|(status, starts_at)| status == "published" && starts_at > now)
}

/// What a refunded booking gave back to sale.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GivenBack {
    pub seats: Vec<(EventId, SeatId)>,
    pub places: i64,
}

/// A refunded booking's seats and places go back on sale: each sold seat whose ticket is void
/// (a ticket already used at the door keeps its seat), and each standing line's places less
/// those already admitted. Their lines stop being live. Call after the tickets were voided,
/// in the same transaction.
pub fn give_back(
    conn: &mut DbConnection,
    booking: BookingId,
    now: NaiveDateTime,
) -> QueryResult<GivenBack> {
    let admitted_seats = tickets::table
        .filter(tickets::booking_id.eq(booking))
        .filter(tickets::status.ne("void"))
        .filter(tickets::event_seat_id.is_not_null())
        .select(tickets::event_seat_id.assume_not_null());
    let freed: Vec<(i64, EventId, SeatId)> = event_seats::table
        .filter(event_seats::booking_id.eq(Some(booking)))
        .filter(event_seats::status.eq(SeatStatus::Sold))
        .filter(event_seats::id.ne_all(admitted_seats))
        .select((event_seats::id, event_seats::event_id, event_seats::seat_id))
        .load(conn)?;
    let ids: Vec<i64> = freed.iter().map(|(id, _, _)| *id).collect();
    if !ids.is_empty() {
        // Guarded: only seats this booking still owns as sold.
        diesel::update(
            event_seats::table
                .filter(event_seats::id.eq_any(&ids))
                .filter(event_seats::booking_id.eq(Some(booking)))
                .filter(event_seats::status.eq(SeatStatus::Sold)),
        )
        .set((
            event_seats::status.eq(SeatStatus::Available),
            event_seats::booking_id.eq(None::<BookingId>),
            event_seats::held_until.eq(None::<NaiveDateTime>),
            event_seats::updated_at.eq(now),
        ))
        .execute(conn)?;
        diesel::update(
            booking_items::table
                .filter(booking_items::booking_id.eq(booking))
                .filter(booking_items::event_seat_id.eq_any(ids.iter().map(|i| Some(*i)))),
        )
        .set(booking_items::active.eq(false))
        .execute(conn)?;
    }
    let lines: Vec<(i64, Option<i64>, i32)> = booking_items::table
        .filter(booking_items::booking_id.eq(booking))
        .filter(booking_items::active.eq(true))
        .filter(booking_items::event_section_id.is_not_null())
        .select((
            booking_items::id,
            booking_items::event_section_id,
            booking_items::quantity,
        ))
        .load(conn)?;
    let mut places = 0i64;
    for (item, section, quantity) in lines {
        let Some(section) = section else { continue };
        let admitted: i64 = tickets::table
            .filter(tickets::booking_item_id.eq(item))
            .filter(tickets::status.eq("checked_in"))
            .count()
            .get_result(conn)?;
        let back = i32::try_from(i64::from(quantity) - admitted).unwrap_or(0);
        if back > 0 {
            // Guarded: never below zero sold (the CHECK backs this up).
            let moved = diesel::update(
                event_sections::table
                    .filter(event_sections::id.eq(section))
                    .filter(event_sections::sold.ge(back)),
            )
            .set((
                event_sections::sold.eq(event_sections::sold - back),
                event_sections::updated_at.eq(now),
            ))
            .execute(conn)?;
            if moved != 1 {
                return Err(diesel::result::Error::RollbackTransaction);
            }
            places += i64::from(back);
        }
        diesel::update(booking_items::table.filter(booking_items::id.eq(item)))
            .set(booking_items::active.eq(false))
            .execute(conn)?;
    }
    Ok(GivenBack {
        seats: freed.into_iter().map(|(_, e, s)| (e, s)).collect(),
        places,
    })
}

/// The booking's newest email (for a resend when it has no tickets).
pub fn last_email(
    conn: &mut DbConnection,
    user: UserId,
    reference: &str,
) -> QueryResult<Option<BookingEmailRow>> {
    Ok(emails_of(conn, user, reference)?.pop())
}

/// One line of an event's attendee list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub reference: String,
    pub booking_status: String,
    pub name: String,
    pub email: String,
    pub section: String,
    pub row: Option<String>,
    pub seat: Option<i32>,
    pub tier: String,
    pub price_cents: i64,
    pub currency: String,
    pub code: String,
    pub status: String,
    pub checked_in_at: Option<NaiveDateTime>,
}

type AttendeeHead = (String, String, String, String, String, i64, String);
type AttendeeTicket = (String, String, Option<NaiveDateTime>);

/// Every ticket of the event (void ones too), seats in map order then standing places.
pub fn attendees(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<Attendee>> {
    let seated: Vec<(AttendeeHead, AttendeeTicket, (String, String, i32))> = tickets::table
        .inner_join(bookings::table.inner_join(users::table))
        .inner_join(booking_items::table.inner_join(price_tiers::table))
        .inner_join(event_seats::table.inner_join(seats::table.inner_join(sections::table)))
        .filter(tickets::event_id.eq(event))
        .order((
            sections::position,
            seats::row_index,
            seats::number,
            tickets::id,
        ))
        .select((
            (
                bookings::reference,
                bookings::status,
                users::name,
                users::email,
                price_tiers::name,
                booking_items::unit_price_cents,
                bookings::currency,
            ),
            (tickets::code, tickets::status, tickets::checked_in_at),
            (sections::name, seats::row_label, seats::number),
        ))
        .load(conn)?;
    let standing: Vec<(AttendeeHead, AttendeeTicket, String)> = tickets::table
        .inner_join(bookings::table.inner_join(users::table))
        .inner_join(
            booking_items::table
                .inner_join(price_tiers::table)
                .inner_join(event_sections::table.inner_join(sections::table)),
        )
        .filter(tickets::event_id.eq(event))
        .filter(tickets::event_seat_id.is_null())
        .order((sections::position, tickets::id))
        .select((
            (
                bookings::reference,
                bookings::status,
                users::name,
                users::email,
                price_tiers::name,
                booking_items::unit_price_cents,
                bookings::currency,
            ),
            (tickets::code, tickets::status, tickets::checked_in_at),
            sections::name,
        ))
        .load(conn)?;
    let line =
        |(reference, booking_status, name, email, tier, price_cents, currency): AttendeeHead,
         (code, status, checked_in_at): AttendeeTicket,
         section: String,
         row: Option<String>,
         seat: Option<i32>| Attendee {
            reference,
            booking_status,
            name,
            email,
            section,
            row,
            seat,
            tier,
            price_cents,
            currency,
            code,
            status,
            checked_in_at,
        };
    Ok(seated
        .into_iter()
        .map(|(h, t, (section, row, number))| line(h, t, section, Some(row), Some(number)))
        .chain(
            standing
                .into_iter()
                .map(|(h, t, section)| line(h, t, section, None, None)),
        )
        .collect())
}

/// The event's slug (the CSV's file name), if the event exists.
pub fn event_slug(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<String>> {
    events::table
        .filter(events::id.eq(event))
        .select(events::slug)
        .first(conn)
        .optional()
}

/// The events bookings can be filtered by, newest first: `(id, title, starts_at)`.
pub fn events_for_filter(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(EventId, String, NaiveDateTime)>> {
    events::table
        .order((events::starts_at.desc(), events::id.desc()))
        .select((events::id, events::title, events::starts_at))
        .load(conn)
}
