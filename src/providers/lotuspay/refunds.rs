//! LotusPay's refunds: the same idempotency key answers the same refund, and the total given
//! back never exceeds what was paid (a guarded update, and the table's CHECK behind it).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::notify;
use super::records::{self, Payment, Refund, Status, new_ref};
use crate::db::schema::{lotuspay_payments as lp, lotuspay_refunds as lr};
use crate::db::{Db, DbError, is_unique_violation};
use crate::providers::{NotificationKind, ProviderError};

/// Gives back `amount_cents` of the succeeded payment `txn_ref`, or answers the refund this
/// key made (the same key for another payment or amount is [`ProviderError::KeyReused`]).
pub fn refund(
    db: &Db,
    now: NaiveDateTime,
    txn_ref: &str,
    amount_cents: i64,
    key: &str,
    reason: &str,
) -> Result<Refund, ProviderError> {
    if amount_cents <= 0 {
        return Err(ProviderError::BadAmount);
    }
    match make(db, now, txn_ref, amount_cents, key, reason) {
        // The same key at the same moment from another call: answer the refund it made.
        Err(ProviderError::Db(DbError::Query(e))) if is_unique_violation(&e) => {
            db.write(|c| -> Result<Refund, ProviderError> {
                let payment = records::by_txn_ref(c, txn_ref)?.ok_or(ProviderError::NotFound)?;
                let existing = records::refund_by_key(c, key)?.ok_or(ProviderError::NotFound)?;
                same(existing, &payment, amount_cents)
            })
        }
        other => other,
    }
}

/// The refund this key made, when it was for this payment and amount.
fn same(existing: Refund, payment: &Payment, amount_cents: i64) -> Result<Refund, ProviderError> {
    if existing.payment_id == payment.id && existing.amount_cents == amount_cents {
        Ok(existing)
    } else {
        Err(ProviderError::KeyReused)
    }
}

fn make(
    db: &Db,
    now: NaiveDateTime,
    txn_ref: &str,
    amount_cents: i64,
    key: &str,
    reason: &str,
) -> Result<Refund, ProviderError> {
    db.write(|c| -> Result<Refund, ProviderError> {
        let payment = records::by_txn_ref(c, txn_ref)?.ok_or(ProviderError::NotFound)?;
        if let Some(existing) = records::refund_by_key(c, key)? {
            return same(existing, &payment, amount_cents);
        }
        if payment.status != Status::Succeeded {
            return Err(ProviderError::NotRefundable);
        }
        let changed = diesel::update(
            lp::table
                .filter(lp::id.eq(payment.id))
                .filter(lp::status.eq(Status::Succeeded))
                .filter((lp::refunded_cents + amount_cents).le(lp::amount_cents)),
        )
        .set((
            lp::refunded_cents.eq(lp::refunded_cents + amount_cents),
            lp::updated_at.eq(now),
        ))
        .execute(c)?;
        if changed == 0 {
            return Err(ProviderError::RefundTooLarge);
        }
        diesel::insert_into(lr::table)
            .values((
                lr::refund_ref.eq(new_ref("lpr")),
                lr::payment_id.eq(payment.id),
                lr::idempotency_key.eq(key),
                lr::amount_cents.eq(amount_cents),
                lr::reason.eq(reason),
                lr::created_at.eq(now),
            ))
            .execute(c)?;
        let made = records::refund_by_key(c, key)?.ok_or(ProviderError::NotFound)?;
        let payment = records::by_txn_ref(c, txn_ref)?.ok_or(ProviderError::NotFound)?;
        notify::record(
            c,
            NotificationKind::RefundSucceeded,
            &payment,
            Some(&made),
            now,
        )?;
        Ok(made)
    })
}
