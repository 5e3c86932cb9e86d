//! Payment rows: finding them, opening one, and moving it through its states.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::payments;
use crate::domain::ids::{BookingId, PaymentId};
use crate::domain::money::Money;
use crate::domain::payment::{PaymentStatus, ProviderId};

/// A payment as the app keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = payments)]
pub struct Payment {
    pub id: PaymentId,
    pub booking_id: BookingId,
    pub external_id: String,
    pub idempotency_key: String,
    pub method: String,
    pub status: PaymentStatus,
    #[diesel(select_expression = (payments::amount_cents, payments::currency))]
    pub amount: Money,
    pub failure_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub succeeded_at: Option<NaiveDateTime>,
    /// The booking's `basket_version` when the payment was opened: it only ever pays for that
    /// basket (issue 16).
    pub basket_version: i32,
    /// Which provider took it (issue 23): every later call about it goes there.
    pub provider: ProviderId,
    /// The sum of its refunds (kept by the database as each refund is recorded).
    pub refunded_cents: i64,
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

pub fn by_id(conn: &mut DbConnection, id: PaymentId) -> QueryResult<Option<Payment>> {
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
    pub provider: ProviderId,
    pub external_id: &'a str,
    pub idempotency_key: &'a str,
    pub method: &'a str,
    pub amount: Money,
    pub basket_version: i32,
}

pub fn insert(conn: &mut DbConnection, p: &NewPayment, now: NaiveDateTime) -> QueryResult<Payment> {
    diesel::insert_into(payments::table)
        .values((
            payments::booking_id.eq(p.booking),
            payments::provider.eq(p.provider),
            payments::external_id.eq(p.external_id),
            payments::idempotency_key.eq(p.idempotency_key),
            payments::method.eq(p.method),
            payments::amount_cents.eq(p.amount.cents),
            payments::currency.eq(p.amount.currency),
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
    id: PaymentId,
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
