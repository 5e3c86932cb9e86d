//! LotusPay's bookkeeping: opening payments, the buyer's attempts on the hosted page, the bank
//! transfers settled later, cancels and refunds. Every change of status is a guarded update
//! (`… WHERE status = 'open'`) that records its notification in the same transaction.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::notify;
use super::params::INSUFFICIENT_FUNDS;
use super::records::{self, Payment, Status, new_ref};
use crate::db::schema::lotuspay_payments as lp;
use crate::db::{Db, DbConnection, DbError, is_unique_violation};
use crate::jobs::{Job, LotusPaySettle};
use crate::providers::{Method, NotificationKind, ProviderError};

/// The card that always succeeds.
pub const TEST_CARD_OK: &str = "9704000000000018";
/// The card that is always declined (insufficient funds).
pub const TEST_CARD_DECLINED: &str = "9704000000000026";
/// How long a bank transfer takes to arrive once the buyer says they made it.
pub const SETTLE_AFTER: TimeDelta = TimeDelta::hours(3);

/// Why an attempt on the hosted page did not go through.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    #[error("no such payment")]
    NotFound,
    #[error("the payment is {0}, not awaiting payment")]
    NotPayable(Status),
    #[error("{0}")]
    BadAttempt(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for PayError {
    fn from(e: diesel::result::Error) -> Self {
        PayError::Db(DbError::Query(e))
    }
}

fn found(conn: &mut DbConnection, txn_ref: &str) -> Result<Payment, PayError> {
    records::by_txn_ref(conn, txn_ref)?.ok_or(PayError::NotFound)
}

/// Moves an open (or, with `from`, another) payment to `to` once; answers it as it now is and
/// whether this call moved it.
fn transition(
    conn: &mut DbConnection,
    txn_ref: &str,
    from: &[Status],
    to: Status,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<(Payment, bool), PayError> {
    let paid_at = (to == Status::Succeeded).then_some(now);
    let changed = diesel::update(
        lp::table
            .filter(lp::txn_ref.eq(txn_ref))
            .filter(lp::status.eq_any(from.iter().map(|s| s.as_str()).collect::<Vec<_>>())),
    )
    .set((
        lp::status.eq(to),
        lp::failure_reason.eq(reason),
        lp::paid_at.eq(paid_at),
        lp::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok((found(conn, txn_ref)?, changed == 1))
}

/// The outcome's notification, when the transition happened.
fn notify_if(
    conn: &mut DbConnection,
    moved: (Payment, bool),
    now: NaiveDateTime,
) -> Result<Payment, PayError> {
    let (payment, changed) = moved;
    if changed {
        let kind = match payment.status {
            Status::Succeeded => NotificationKind::PaymentSucceeded,
            Status::Cancelled => NotificationKind::PaymentCancelled,
            _ => NotificationKind::PaymentFailed,
        };
        notify::record(conn, kind, &payment, None, now)?;
    }
    Ok(payment)
}

/// The buyer pays by card: a test card succeeds or is declined, once.
pub fn pay_card(
    db: &Db,
    now: NaiveDateTime,
    txn_ref: &str,
    number: &str,
) -> Result<Payment, PayError> {
    let digits: String = number.chars().filter(|c| !c.is_whitespace()).collect();
    let (status, reason) = match digits.as_str() {
        TEST_CARD_OK => (Status::Succeeded, None),
        TEST_CARD_DECLINED => (Status::Failed, Some(INSUFFICIENT_FUNDS)),
        _ => {
            return Err(PayError::BadAttempt(
                "Use a test card: 9704 0000 0000 0018 succeeds, 9704 0000 0000 0026 is declined.",
            ));
        }
    };
    db.write(|c| {
        let payment = found(c, txn_ref)?;
        if payment.method != Method::Card {
            return Err(PayError::BadAttempt(
                "This payment is not made with a card.",
            ));
        }
        let moved = transition(c, txn_ref, &[Status::Open], status, reason, now)?;
        if !moved.1 {
            return Err(PayError::NotPayable(moved.0.status));
        }
        notify_if(c, moved, now)
    })
}

/// The buyer says they made the bank transfer: the payment awaits its money, which arrives
/// [`SETTLE_AFTER`] later (the job [`LotusPaySettle`], due then).
pub fn start_transfer(db: &Db, now: NaiveDateTime, txn_ref: &str) -> Result<Payment, PayError> {
    let settle_at = now + SETTLE_AFTER;
    db.write(|c| {
        let changed = diesel::update(
            lp::table
                .filter(lp::txn_ref.eq(txn_ref))
                .filter(lp::method.eq(Method::BankTransfer))
                .filter(lp::status.eq(Status::Open)),
        )
        .set((
            lp::status.eq(Status::AwaitingFunds),
            lp::settle_at.eq(Some(settle_at)),
            lp::updated_at.eq(now),
        ))
        .execute(c)?;
        let payment = found(c, txn_ref)?;
        if changed == 0 {
            return Err(PayError::NotPayable(payment.status));
        }
        LotusPaySettle {
            txn_ref: txn_ref.to_owned(),
        }
        .enqueue_at(c, settle_at, now)?;
        Ok(payment)
    })
}

/// The money of a bank transfer arrived: `awaiting_funds` becomes `succeeded` (once, and not
/// before its `settle_at`). A payment cancelled meanwhile stays cancelled.
pub fn settle(db: &Db, now: NaiveDateTime, txn_ref: &str) -> Result<Payment, PayError> {
    db.write(|c| {
        let payment = found(c, txn_ref)?;
        if payment.status != Status::AwaitingFunds || payment.settle_at.is_some_and(|at| at > now) {
            return Ok(payment);
        }
        let moved = transition(
            c,
            txn_ref,
            &[Status::AwaitingFunds],
            Status::Succeeded,
            None,
            now,
        )?;
        notify_if(c, moved, now)
    })
}

/// Closes a payment not paid yet (open, or a transfer whose money has not arrived): answers
/// it as it now is (one that ended before stays as it ended).
pub fn cancel(db: &Db, now: NaiveDateTime, txn_ref: &str) -> Result<Payment, PayError> {
    db.write(|c| {
        let moved = transition(
            c,
            txn_ref,
            &[Status::Open, Status::AwaitingFunds],
            Status::Cancelled,
            None,
            now,
        )?;
        notify_if(c, moved, now)
    })
}

impl From<PayError> for ProviderError {
    fn from(e: PayError) -> Self {
        match e {
            PayError::NotFound => ProviderError::NotFound,
            PayError::Db(e) => ProviderError::Db(e),
            other => ProviderError::Other(other.to_string()),
        }
    }
}

/// A new payment row, or the one its key made (refused when it asked for something else).
pub fn open(
    db: &Db,
    now: NaiveDateTime,
    request: &crate::providers::OpenPayment<'_>,
) -> Result<Payment, ProviderError> {
    if request.amount.cents <= 0 {
        return Err(ProviderError::BadAmount);
    }
    if !matches!(request.method, Method::Card | Method::BankTransfer) {
        return Err(ProviderError::MethodNotOffered(request.method));
    }
    let same = |p: Payment| {
        if p.amount == request.amount
            && p.method == request.method
            && p.order_ref == request.merchant_reference
        {
            Ok(p)
        } else {
            Err(ProviderError::KeyReused)
        }
    };
    let key = request.idempotency_key;
    if let Some(existing) = db.read(|c| records::by_key(c, key).map_err(DbError::Query))? {
        return same(existing);
    }
    let inserted = db.write(|c| {
        diesel::insert_into(lp::table)
            .values((
                lp::txn_ref.eq(new_ref("lp")),
                lp::idempotency_key.eq(key),
                lp::order_ref.eq(request.merchant_reference),
                lp::description.eq(request.description),
                lp::amount_cents.eq(request.amount.cents),
                lp::currency.eq(request.amount.currency),
                lp::method.eq(request.method),
                lp::return_url.eq(request.return_url),
                lp::created_at.eq(now),
                lp::updated_at.eq(now),
            ))
            .execute(c)
            .and_then(|_| records::by_key(c, key))
            .map_err(DbError::Query)
    });
    match inserted {
        Ok(Some(payment)) => Ok(payment),
        Ok(None) => Err(ProviderError::NotFound),
        // The same key at the same moment from another request: answer that one.
        Err(DbError::Query(e)) if is_unique_violation(&e) => db
            .read(|c| records::by_key(c, key).map_err(DbError::Query))?
            .ok_or(ProviderError::NotFound)
            .and_then(same),
        Err(e) => Err(e.into()),
    }
}
