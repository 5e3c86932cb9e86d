//! Refunds: recorded in the caller's transaction, sent to the payment's provider by a job,
//! confirmed.

use chrono::NaiveDateTime;

use crate::clock::Clock;
use crate::db::payments::{self as queries, BookingForPayment, Payment};
use crate::db::{Db, DbConnection, DbError};
use crate::jobs::{Job, RefundPayment, RunJob};
use crate::mail::templates::EmailKind;
use crate::metrics::labels::Refund;
use crate::providers::Providers;

use crate::domain::ids::RefundId;
use crate::services::notify::queue_email;

/// Creates the payment's refund (once), queues the job that asks the provider for it, and
/// queues the email that tells the buyer why.
#[tracing::instrument(name = "payments.start_refund", skip_all, fields(booking.id = %booking.id, payment.id = %payment.id))]
pub(crate) fn start_refund(
    c: &mut DbConnection,
    payment: &Payment,
    booking: &BookingForPayment,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    if let Some((refund, true)) = queries::create_refund(c, payment, reason, now)? {
        RefundPayment { refund_id: refund }.enqueue(c, now)?;
    }
    queue_email(
        c,
        EmailKind::LatePaymentRefunded,
        &format!("late_payment_refunded:{}", payment.id),
        booking,
        Some(reason),
        now,
    )
}

/// Marks a refund succeeded, and its payment refunded once refunds cover all of it (both
/// guarded). `true` when the refund moved.
pub(crate) fn confirm_refund(
    c: &mut DbConnection,
    payment: &Payment,
    idempotency_key: &str,
    external_id: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let Some(id) = queries::refund_id_by_key(c, payment.id, idempotency_key)? else {
        return Ok(false);
    };
    let moved = queries::refund_succeeded(c, id, external_id, now)?;
    queries::mark_refunded_if_whole(c, payment.id, now)?;
    Ok(moved)
}

/// Runs [`RefundPayment`]: asks the payment's provider for the refund. Idempotent: the
/// provider answers the same refund for the same key, and confirming it is a guarded update.
pub struct RefundJob {
    pub(super) providers: Providers,
}

impl RefundJob {
    pub fn new(providers: Providers) -> Self {
        RefundJob { providers }
    }
}

impl RunJob<RefundPayment> for RefundJob {
    fn run(&self, db: &Db, clock: &Clock, job: RefundPayment) -> Result<(), String> {
        send_refund(db, &self.providers, job.refund_id, clock.now())
    }
}

/// Asks the payment's provider for a refund the app has recorded, and confirms it (refund
/// `succeeded`; payment `refunded` once all of it is). Idempotent: a refund already confirmed
/// is left alone, and the provider answers the same refund for the same key. A refusal is kept
/// on the row and returned.
#[tracing::instrument(name = "payments.send_refund", skip_all, fields(refund.id = %refund_id))]
pub(crate) fn send_refund(
    db: &Db,
    providers: &Providers,
    refund_id: RefundId,
    now: NaiveDateTime,
) -> Result<(), String> {
    let (refund, payment) = db
        .read(|c| -> Result<_, DbError> {
            let refund = queries::refund(c, refund_id)?;
            let payment = match &refund {
                Some(r) => queries::by_id(c, r.payment_id)?,
                None => None,
            };
            Ok((refund, payment))
        })
        .map_err(|e| e.to_string())?;
    let (Some(refund), Some(payment)) = (refund, payment) else {
        return Err(format!("refund {refund_id} or its payment is gone"));
    };
    if refund.status == crate::domain::payment::RefundStatus::Succeeded {
        return Ok(());
    }
    let provider = providers.get(payment.provider).map_err(|e| e.to_string())?;
    match provider.refund(
        &payment.external_id,
        refund.amount.cents,
        &refund.idempotency_key,
        &refund.reason,
    ) {
        Ok(done) => {
            let confirmed = db
                .write(|c| {
                    confirm_refund(c, &payment, &refund.idempotency_key, &done.external_id, now)
                })
                .map_err(|e| e.to_string())?;
            // Counted once: here, or by the refund's webhook when it confirmed it first.
            if confirmed {
                db.metrics().refund(Refund::Succeeded);
            }
            Ok(())
        }
        Err(e) => {
            db.metrics().refund(Refund::Failed);
            let error = format!("{} refused refund {refund_id}: {e}", provider.label());
            let _ = db.write(|c| {
                queries::refund_attempt_failed(c, refund_id, &error, now).map_err(DbError::Query)
            });
            Err(error)
        }
    }
}
