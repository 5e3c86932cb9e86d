//! Refund rows: created once per payment, settled or retried, and the money still owed back.

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

/// The refund of a payment, created once (one refund per payment: a unique index). Answers
/// its id, whether it was just created or already there.
pub fn create_refund(
    conn: &mut DbConnection,
    payment: &Payment,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<(RefundId, bool)> {
    if let Some(id) = refunds::table
        .filter(refunds::payment_id.eq(payment.id))
        .select(refunds::id)
        .first::<RefundId>(conn)
        .optional()?
    {
        return Ok((id, false));
    }
    let id = diesel::insert_into(refunds::table)
        .values((
            refunds::payment_id.eq(payment.id),
            refunds::booking_id.eq(payment.booking_id),
            refunds::amount_cents.eq(payment.amount.cents),
            refunds::currency.eq(payment.amount.currency),
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

/// Whether the payment has a refund (one per payment: a unique index).
pub fn has_refund(conn: &mut DbConnection, payment: PaymentId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        refunds::table.filter(refunds::payment_id.eq(payment)),
    ))
    .get_result(conn)
}
