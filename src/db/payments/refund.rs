//! Refund rows: a payment refunded whole or in parts, settled or retried, and the money still
//! owed back.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::payment::Payment;
use crate::db::DbConnection;
use crate::db::schema::{bookings, payments, refunds};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, PaymentId, RefundId};
use crate::domain::money::Money;
use crate::domain::payment::{PaymentStatus, RefundStatus};

/// A refund as the app keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = refunds)]
pub struct RefundRow {
    pub id: RefundId,
    pub payment_id: PaymentId,
    pub booking_id: BookingId,
    #[diesel(select_expression = (refunds::amount_cents, refunds::currency))]
    pub amount: Money,
    pub status: RefundStatus,
    pub idempotency_key: String,
    pub external_id: Option<String>,
    pub reason: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// The idempotency key of the refund of all that is left of a payment (a cancelled event, a
/// whole booking refunded, money without tickets): one such refund per payment.
pub fn rest_key(payment: PaymentId) -> String {
    format!("refund:payment:{payment}")
}

/// The refund of all that is left of a payment (what earlier partial refunds did not give
/// back), created once. Answers its id and whether it was just created; `None` when nothing
/// is left. The caller holds the booking's lock; the database refuses refunds past the
/// payment (`payments.refunded_cents`, kept by a trigger, and its CHECK).
pub fn create_refund(
    conn: &mut DbConnection,
    payment: &Payment,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(RefundId, bool)>> {
    let key = rest_key(payment.id);
    if let Some(id) = refunds::table
        .filter(refunds::idempotency_key.eq(&key))
        .select(refunds::id)
        .first::<RefundId>(conn)
        .optional()?
    {
        return Ok(Some((id, false)));
    }
    let refunded: i64 = payments::table
        .filter(payments::id.eq(payment.id))
        .select(payments::refunded_cents)
        .first(conn)?;
    let left = payment.amount.cents - refunded;
    if left <= 0 {
        return Ok(None);
    }
    insert_refund(conn, payment, left, &key, reason, now).map(|id| Some((id, true)))
}

/// Records a refund of `amount_cents` of the payment under `key` (pending until its provider
/// confirms it). Fails on a check violation when it would take the refunds past the payment.
pub fn insert_refund(
    conn: &mut DbConnection,
    payment: &Payment,
    amount_cents: i64,
    key: &str,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<RefundId> {
    diesel::insert_into(refunds::table)
        .values((
            refunds::payment_id.eq(payment.id),
            refunds::booking_id.eq(payment.booking_id),
            refunds::amount_cents.eq(amount_cents),
            refunds::currency.eq(payment.amount.currency),
            refunds::idempotency_key.eq(key),
            refunds::reason.eq(reason),
            refunds::created_at.eq(now),
            refunds::updated_at.eq(now),
        ))
        .returning(refunds::id)
        .get_result(conn)
}

/// A succeeded payment becomes `refunded` once refunds for all of it have succeeded
/// (guarded); `true` when it moved now.
pub fn mark_refunded_if_whole(
    conn: &mut DbConnection,
    payment: PaymentId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        payments::table
            .filter(payments::id.eq(payment))
            .filter(payments::status.eq(PaymentStatus::Succeeded))
            .filter(payments::refunded_cents.eq(payments::amount_cents))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                refunds::table
                    .filter(refunds::payment_id.eq(payment))
                    .filter(refunds::status.ne(RefundStatus::Succeeded)),
            ))),
    )
    .set((
        payments::status.eq(PaymentStatus::Refunded),
        payments::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// The payment's refund made with this idempotency key.
pub fn refund_id_by_key(
    conn: &mut DbConnection,
    payment: PaymentId,
    idempotency_key: &str,
) -> QueryResult<Option<RefundId>> {
    refunds::table
        .filter(refunds::idempotency_key.eq(idempotency_key))
        .filter(refunds::payment_id.eq(payment))
        .select(refunds::id)
        .first(conn)
        .optional()
}

pub fn refund(conn: &mut DbConnection, id: RefundId) -> QueryResult<Option<RefundRow>> {
    refunds::table
        .filter(refunds::id.eq(id))
        .select(RefundRow::as_select())
        .first(conn)
        .optional()
}

/// The gateway confirmed the refund: `pending` → `succeeded` (guarded).
pub fn refund_succeeded(
    conn: &mut DbConnection,
    id: RefundId,
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
    id: RefundId,
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

/// Money without tickets: succeeded payments whose booking is not paid (cancelled, expired,
/// still pending) with money not yet being given back. Oldest first, at most `limit`.
pub fn unrefunded_without_tickets(
    conn: &mut DbConnection,
    limit: i64,
) -> QueryResult<Vec<Payment>> {
    payments::table
        .inner_join(bookings::table)
        .filter(payments::status.eq(PaymentStatus::Succeeded))
        .filter(bookings::status.ne(BookingStatus::Paid))
        .filter(bookings::status.ne(BookingStatus::Refunded))
        .filter(payments::refunded_cents.lt(payments::amount_cents))
        .order(payments::id)
        .select(Payment::as_select())
        .limit(limit)
        .load(conn)
}

/// Whether the payment has a refund.
pub fn has_refund(conn: &mut DbConnection, payment: PaymentId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        refunds::table.filter(refunds::payment_id.eq(payment)),
    ))
    .get_result(conn)
}
