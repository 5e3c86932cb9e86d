//! The payment reconciliation (issue 16): a periodic task that finds money without tickets and
//! mends it, whatever left it so (a full disk, a crash, a lost webhook).
//!
//! - **Succeeded payments on a booking that is not paid** (cancelled, expired, still pending)
//!   and with no refund are refunded: the refund row is created under the booking's lock, and
//!   `refunds (payment_id)` is unique, so two instances (or two runs) refund it once.
//! - **Payments still pending long after they were opened** are asked about at their provider
//!   (through `providers::PaymentProvider::look_up`, whichever provider it is):
//!   one the provider took is applied as its webhook would have been (sold, or refunded); one
//!   it failed or cancelled is marked failed; one still open that can no longer sell anything
//!   (its booking cancelled or paid, or its basket changed) is cancelled there.
//!
//! Everything is a guarded update, so the task is idempotent and safe on every instance.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::payments::{self as queries, Payment};
use crate::db::{Db, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::payment::PaymentStatus;
use crate::providers::{PaymentState, ProviderError, Providers};
use crate::services::holds::changes_of;
use crate::services::live::LiveHub;

/// How often the reconciliation runs.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(60);
/// A payment still pending this long after it was opened is asked about at its provider (its
/// webhook is normally seconds away).
pub const PENDING_AFTER: TimeDelta = TimeDelta::minutes(2);
/// How many payments of each kind one run looks at.
const BATCH: i64 = 200;

const NO_TICKETS: &str = "The payment was taken but the booking was not paid (it had been cancelled or had expired), so the payment is being refunded in full.";

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Refunds started for money without tickets.
    pub refunded: usize,
    /// Pending payments the provider had taken, applied now.
    pub applied: usize,
    /// Pending payments the provider had failed, or that were cancelled now.
    pub failed: usize,
}

impl Reconciled {
    pub fn total(&self) -> usize {
        self.refunded + self.applied + self.failed
    }
}

/// One reconciliation run.
#[tracing::instrument(name = "payments.reconcile", level = "debug", skip_all)]
pub fn run(
    db: &Db,
    providers: &Providers,
    live: &LiveHub,
    now: NaiveDateTime,
) -> Result<Reconciled, DbError> {
    let mut done = Reconciled::default();
    let stale = db
        .read(|c| queries::pending_before(c, now - PENDING_AFTER, BATCH).map_err(DbError::Query))?;
    for payment in stale {
        match settle_pending(db, providers, live, &payment, now) {
            Ok(Settled::Applied) => done.applied += 1,
            Ok(Settled::Failed) => done.failed += 1,
            Ok(Settled::Open) => {}
            Err(ProviderError::Db(e)) => return Err(e),
            Err(e) => {
                tracing::warn!(payment = payment.id.0, provider = %payment.provider, error = %e, "reconciliation could not ask the provider about a payment");
            }
        }
    }
    // After the pending ones: a payment applied just now may have become money without
    // tickets (its booking was cancelled), and is refunded in the same run.
    let unrefunded =
        db.read(|c| queries::unrefunded_without_tickets(c, BATCH).map_err(DbError::Query))?;
    for payment in unrefunded {
        if refund_without_tickets(db, &payment, now)? {
            done.refunded += 1;
        }
    }
    if done.total() > 0 {
        tracing::info!(
            refunded = done.refunded,
            applied = done.applied,
            failed = done.failed,
            "payment reconciliation mended payments"
        );
    }
    Ok(done)
}

/// Starts the refund of a succeeded payment whose booking is not paid, unless it has one.
/// `true` when it started one now.
fn refund_without_tickets(db: &Db, payment: &Payment, now: NaiveDateTime) -> Result<bool, DbError> {
    db.write(|c| -> Result<bool, DbError> {
        // The booking's lock first (as a webhook of this booking takes it), then look again.
        let Some(booking) = queries::booking(c, payment.booking_id, true)? else {
            return Ok(false);
        };
        let Some(payment) = queries::by_id(c, payment.id)? else {
            return Ok(false);
        };
        if payment.status != PaymentStatus::Succeeded
            || matches!(
                booking.status,
                BookingStatus::Paid | BookingStatus::Refunded
            )
            || payment.refunded_cents >= payment.amount.cents
        {
            return Ok(false);
        }
        crate::services::payments::start_refund(c, &payment, &booking, NO_TICKETS, now)?;
        Ok(true)
    })
}

enum Settled {
    Applied,
    Failed,
    Open,
}

/// Asks the payment's provider about a payment still pending here, and does what its
/// notification would have (the same guarded moves, so a notification arriving later, or
/// before, changes nothing more).
fn settle_pending(
    db: &Db,
    providers: &Providers,
    live: &LiveHub,
    payment: &Payment,
    now: NaiveDateTime,
) -> Result<Settled, ProviderError> {
    let provider = providers.get(payment.provider)?;
    let Some(looked) = provider.look_up(&payment.external_id)? else {
        return Ok(Settled::Open);
    };
    let mut state = looked.state;
    if state == PaymentState::Open {
        let booking = db.read(|c| -> Result<_, ProviderError> {
            Ok(queries::booking(c, payment.booking_id, false)?)
        })?;
        // Still able to sell: its basket as it was opened for, pending, or expired (a late
        // payment re-claims the seats if they are still free).
        let payable = booking.is_some_and(|b| {
            matches!(b.status, BookingStatus::Pending | BookingStatus::Expired)
                && b.is_paid_for_by(payment)
        });
        if payable {
            return Ok(Settled::Open);
        }
        // Nothing can be sold by it any more: close it (it may have been paid meanwhile).
        state = provider.cancel(&payment.external_id)?;
    }
    match state {
        PaymentState::Open => Ok(Settled::Open),
        PaymentState::Succeeded => {
            let applied = db.write(|c| crate::services::payments::succeeded(c, payment, now));
            let (outcome, released) = match applied {
                Ok(done) => done,
                Err(crate::services::payments::WebhookError::Db(e)) => {
                    return Err(ProviderError::Db(e));
                }
                Err(e) => {
                    tracing::warn!(payment = payment.id.0, error = %e, "reconciliation could not apply a taken payment");
                    return Ok(Settled::Open);
                }
            };
            crate::services::payments::count_outcome(db.metrics(), &outcome);
            live.publish_all(changes_of(released));
            Ok(match outcome {
                crate::services::payments::Outcome::Nothing => Settled::Open,
                _ => Settled::Applied,
            })
        }
        PaymentState::Failed(_) | PaymentState::Cancelled => {
            let reason = match state {
                PaymentState::Failed(Some(reason)) => reason,
                _ => "The payment was not completed.".to_owned(),
            };
            let moved = db.write(|c| -> Result<bool, ProviderError> {
                Ok(queries::transition(
                    c,
                    payment.id,
                    PaymentStatus::Pending,
                    PaymentStatus::Failed,
                    Some(&reason),
                    now,
                )?)
            })?;
            if moved {
                db.metrics()
                    .payment(crate::metrics::labels::Payment::Failed);
            }
            Ok(if moved {
                Settled::Failed
            } else {
                Settled::Open
            })
        }
    }
}

/// The periodic task `reconcile_payments` (registered in `worker::standard_tasks`). It pushes
/// no live seat-map changes (the seats it sells or frees show on the viewers' next load): it
/// mends rare faults, and needs nothing from the worker but the providers, the database and
/// the clock.
pub fn task(providers: Providers) -> crate::jobs::PeriodicTask {
    crate::jobs::PeriodicTask::new("reconcile_payments", RECONCILE_EVERY, move |db, clock| {
        run(db, &providers, &LiveHub::new(), clock.now()).map(|done| done.total())
    })
}
