//! Payments, refunds, tickets and received webhooks: the SQL of checkout.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::holds::{SEAT_LOCK_COLUMNS, SeatLock};
use super::schema::{
    booking_items, bookings, event_seats, event_sections, events, payments, refunds, tickets,
    users, venues, webhook_events,
};
use super::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId, UserId};
use crate::domain::payment::{PaymentStatus, RefundStatus};
use crate::domain::venue::SeatStatus;

/// A payment as the app keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = payments)]
pub struct Payment {
    pub id: i64,
    pub booking_id: BookingId,
    pub external_id: String,
    pub idempotency_key: String,
    pub method: String,
    pub status: PaymentStatus,
    pub amount_cents: i64,
    pub currency: String,
    pub failure_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub succeeded_at: Option<NaiveDateTime>,
    /// The booking's `basket_version` when the payment was opened: it only ever pays for that
    /// basket (issue 16).
    pub basket_version: i32,
}

pub fn by_key(
    conn: &mut DbConnection,
    booking: BookingId,
    key: &str,
) -> QueryResult<Option<Payment>> {
    payments::table
        .filter(payments::booking_id.eq(booking))
        .filter(payments::idempotency_key.eq(key))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Payment>> {
    payments::table
        .filter(payments::id.eq(id))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

/// The booking's payment that holds the buyer's money, if any.
pub fn succeeded_of(conn: &mut DbConnection, booking: BookingId) -> QueryResult<Option<Payment>> {
    payments::table
        .filter(payments::booking_id.eq(booking))
        .filter(payments::status.eq(PaymentStatus::Succeeded))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

pub fn by_external_id(conn: &mut DbConnection, external_id: &str) -> QueryResult<Option<Payment>> {
    payments::table
        .filter(payments::external_id.eq(external_id))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

/// The booking's newest payment.
pub fn latest(conn: &mut DbConnection, booking: BookingId) -> QueryResult<Option<Payment>> {
    payments::table
        .filter(payments::booking_id.eq(booking))
        .order((payments::created_at.desc(), payments::id.desc()))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

/// The booking's payments still waiting at the gateway.
pub fn open_of(conn: &mut DbConnection, booking: BookingId) -> QueryResult<Vec<Payment>> {
    payments::table
        .filter(payments::booking_id.eq(booking))
        .filter(payments::status.eq(PaymentStatus::Pending))
        .select(Payment::as_select())
        .load(conn)
}

pub fn has_success(conn: &mut DbConnection, booking: BookingId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        payments::table
            .filter(payments::booking_id.eq(booking))
            .filter(payments::status.eq(PaymentStatus::Succeeded)),
    ))
    .get_result(conn)
}

pub struct NewPayment<'a> {
    pub booking: BookingId,
    pub external_id: &'a str,
    pub idempotency_key: &'a str,
    pub method: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub basket_version: i32,
}

pub fn insert(conn: &mut DbConnection, p: &NewPayment, now: NaiveDateTime) -> QueryResult<Payment> {
    diesel::insert_into(payments::table)
        .values((
            payments::booking_id.eq(p.booking),
            payments::external_id.eq(p.external_id),
            payments::idempotency_key.eq(p.idempotency_key),
            payments::method.eq(p.method),
            payments::amount_cents.eq(p.amount_cents),
            payments::currency.eq(p.currency),
            payments::basket_version.eq(p.basket_version),
            payments::created_at.eq(now),
            payments::updated_at.eq(now),
        ))
        .execute(conn)?;
    by_key(conn, p.booking, p.idempotency_key)?.ok_or(diesel::result::Error::NotFound)
}

/// Moves a payment `from` → `to` (guarded); `true` when it moved.
pub fn transition(
    conn: &mut DbConnection,
    id: i64,
    from: PaymentStatus,
    to: PaymentStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    debug_assert!(from.can_become(to));
    let target = payments::table
        .filter(payments::id.eq(id))
        .filter(payments::status.eq(from));
    let changed = match to {
        PaymentStatus::Succeeded | PaymentStatus::Refunded if from == PaymentStatus::Pending => {
            diesel::update(target)
                .set((
                    payments::status.eq(to),
                    payments::failure_reason.eq(reason),
                    payments::succeeded_at.eq(Some(now)),
                    payments::updated_at.eq(now),
                ))
                .execute(conn)?
        }
        PaymentStatus::Failed => diesel::update(target)
            .set((
                payments::status.eq(to),
                payments::failure_reason.eq(reason),
                payments::updated_at.eq(now),
            ))
            .execute(conn)?,
        _ => diesel::update(target)
            .set((payments::status.eq(to), payments::updated_at.eq(now)))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// A booking as checkout needs it, locked on PostgreSQL (`FOR UPDATE`) so that two webhooks
/// of one booking apply one after the other.
#[derive(Debug, Clone, Queryable)]
pub struct BookingForPayment {
    pub id: BookingId,
    pub reference: String,
    pub user_id: UserId,
    pub event_id: EventId,
    pub status: BookingStatus,
    pub total_cents: i64,
    pub currency: String,
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
        payment.basket_version == self.basket_version
            && payment.amount_cents == self.total_cents
            && payment.currency == self.currency
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
                bookings::total_cents,
                bookings::currency,
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

/// Records a received webhook event by its provider id. `false` when it was already there
/// (a duplicate delivery): `ON CONFLICT DO NOTHING`, so the transaction goes on unharmed.
pub fn record_webhook(
    conn: &mut DbConnection,
    provider_event_id: &str,
    kind: &str,
    payload: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let row = (
        webhook_events::provider_event_id.eq(provider_event_id),
        webhook_events::kind.eq(kind),
        webhook_events::payload.eq(payload),
        webhook_events::received_at.eq(now),
        webhook_events::processed_at.eq(Some(now)),
    );
    let inserted = backend::execute(
        conn,
        diesel::insert_into(webhook_events::table)
            .values(row)
            .on_conflict(webhook_events::provider_event_id)
            .do_nothing(),
    )?;
    Ok(inserted == 1)
}

/// A line of a booking as re-claiming its seats needs it.
#[derive(Debug, Clone, Queryable)]
pub struct ItemForClaim {
    pub id: i64,
    pub event_seat_id: Option<i64>,
    pub event_section_id: Option<i64>,
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
pub fn lock_event_seats(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<SeatLock>> {
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
    ids: &[i64],
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
    event_section: i64,
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
    event_section: i64,
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
            .filter(bookings::total_cents.eq(payment.amount_cents))
            .filter(bookings::currency.eq(&payment.currency)),
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
    pub item: i64,
    pub event: EventId,
    pub event_seat: Option<i64>,
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

/// A refund as the app keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = refunds)]
pub struct RefundRow {
    pub id: i64,
    pub payment_id: i64,
    pub booking_id: BookingId,
    pub amount_cents: i64,
    pub currency: String,
    pub status: RefundStatus,
    pub idempotency_key: String,
    pub external_id: Option<String>,
    pub reason: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// The refund of a payment, created once (one refund per payment: a unique index). Answers
/// its id, whether it was just created or already there.
pub fn create_refund(
    conn: &mut DbConnection,
    payment: &Payment,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<(i64, bool)> {
    if let Some(id) = refunds::table
        .filter(refunds::payment_id.eq(payment.id))
        .select(refunds::id)
        .first::<i64>(conn)
        .optional()?
    {
        return Ok((id, false));
    }
    let id = diesel::insert_into(refunds::table)
        .values((
            refunds::payment_id.eq(payment.id),
            refunds::booking_id.eq(payment.booking_id),
            refunds::amount_cents.eq(payment.amount_cents),
            refunds::currency.eq(&payment.currency),
            refunds::idempotency_key.eq(format!("refund:payment:{}", payment.id)),
            refunds::reason.eq(reason),
            refunds::created_at.eq(now),
            refunds::updated_at.eq(now),
        ))
        .returning(refunds::id)
        .get_result(conn)?;
    Ok((id, true))
}

/// The payment's refund made with this idempotency key.
pub fn refund_id_by_key(
    conn: &mut DbConnection,
    payment: i64,
    idempotency_key: &str,
) -> QueryResult<Option<i64>> {
    refunds::table
        .filter(refunds::idempotency_key.eq(idempotency_key))
        .filter(refunds::payment_id.eq(payment))
        .select(refunds::id)
        .first(conn)
        .optional()
}

pub fn refund(conn: &mut DbConnection, id: i64) -> QueryResult<Option<RefundRow>> {
    refunds::table
        .filter(refunds::id.eq(id))
        .select(RefundRow::as_select())
        .first(conn)
        .optional()
}

/// The gateway confirmed the refund: `pending` → `succeeded` (guarded).
pub fn refund_succeeded(
    conn: &mut DbConnection,
    id: i64,
    external_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        refunds::table
            .filter(refunds::id.eq(id))
            .filter(refunds::status.eq(RefundStatus::Pending)),
    )
    .set((
        refunds::status.eq(RefundStatus::Succeeded),
        refunds::external_id.eq(Some(external_id)),
        refunds::succeeded_at.eq(Some(now)),
        refunds::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// A refund attempt failed; it stays pending (the job retries it) with the error kept.
pub fn refund_attempt_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(refunds::table.filter(refunds::id.eq(id)))
        .set((
            refunds::attempts.eq(refunds::attempts + 1),
            refunds::last_error.eq(Some(error)),
            refunds::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
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

/// The booking's open payments made for another basket than the current one (or another
/// amount): they can no longer sell anything, so a new payment cancels them.
pub fn stale_open_of(
    conn: &mut DbConnection,
    booking: BookingId,
    version: i32,
    total_cents: i64,
) -> QueryResult<Vec<Payment>> {
    payments::table
        .filter(payments::booking_id.eq(booking))
        .filter(payments::status.eq(PaymentStatus::Pending))
        .filter(
            payments::basket_version
                .ne(version)
                .or(payments::amount_cents.ne(total_cents)),
        )
        .select(Payment::as_select())
        .load(conn)
}

/// The booking's basket version (what a pay form is rendered for).
pub fn basket_version(conn: &mut DbConnection, booking: BookingId) -> QueryResult<i32> {
    bookings::table
        .filter(bookings::id.eq(booking))
        .select(bookings::basket_version)
        .first(conn)
}

/// Money without tickets: succeeded payments whose booking is not paid (cancelled, expired,
/// still pending) and that have no refund. Oldest first, at most `limit`.
pub fn unrefunded_without_tickets(
    conn: &mut DbConnection,
    limit: i64,
) -> QueryResult<Vec<Payment>> {
    payments::table
        .inner_join(bookings::table)
        .filter(payments::status.eq(PaymentStatus::Succeeded))
        .filter(bookings::status.ne(BookingStatus::Paid))
        .filter(bookings::status.ne(BookingStatus::Refunded))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            refunds::table.filter(refunds::payment_id.eq(payments::id)),
        )))
        .order(payments::id)
        .select(Payment::as_select())
        .limit(limit)
        .load(conn)
}

/// Payments still pending that were opened before `before`, oldest first (the gateway may
/// have taken them while their webhook is late or lost).
pub fn pending_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Payment>> {
    payments::table
        .filter(payments::status.eq(PaymentStatus::Pending))
        .filter(payments::created_at.le(before))
        .order(payments::id)
        .select(Payment::as_select())
        .limit(limit)
        .load(conn)
}

/// Whether the payment has a refund (one per payment: a unique index).
pub fn has_refund(conn: &mut DbConnection, payment: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        refunds::table.filter(refunds::payment_id.eq(payment)),
    ))
    .get_result(conn)
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
