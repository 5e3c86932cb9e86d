//! The gateway's webhooks: verified, recorded once, and applied in one transaction.

use chrono::NaiveDateTime;

use crate::db::holds::Released;
use crate::db::payments::{self as queries};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::payment::PaymentStatus;
use crate::gateway::signature::{self, SignatureError};
use crate::gateway::{EventBody, EventKind};
use crate::mail::templates::EmailKind;
use crate::metrics::Metrics;
use crate::metrics::labels::{Payment, Refund, Webhook};
use crate::services::holds::changes_of;
use crate::services::live::LiveHub;

use super::refund::confirm_refund;
use super::succeeded::succeeded;
use crate::services::notify::queue_email;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("the body is not a gateway event: {0}")]
    Body(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for WebhookError {
    fn from(e: diesel::result::Error) -> Self {
        WebhookError::Db(DbError::Query(e))
    }
}

/// What a webhook did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Applied now.
    Applied(Outcome),
    /// Its event id was seen before: nothing changed.
    Duplicate,
}

/// What a payment event did to its booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The booking is paid and has its tickets.
    Paid,
    /// The money is being given back (late, cancelled, or paid twice).
    Refunding,
    /// The payment failed or was cancelled; the booking is as it was.
    Failed,
    /// A refund was confirmed.
    RefundConfirmed,
    /// Nothing to do (an unknown payment, or a state already reached).
    Nothing,
}

/// Receives one webhook: checks the signature over the raw body (constant time, with the
/// timestamp tolerance), then records the event id and applies it in one transaction. Counted
/// in the metrics once that committed (or the webhook was rejected).
#[tracing::instrument(name = "payments.webhook", skip_all)]
pub fn receive(
    db: &Db,
    live: &LiveHub,
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: NaiveDateTime,
) -> Result<Received, WebhookError> {
    let received = verify_and_apply(db, live, secret, header, body, now);
    count(db.metrics(), &received);
    received
}

/// The metrics of one webhook: received or rejected, and what it did to a payment or refund.
fn count(metrics: &Metrics, received: &Result<Received, WebhookError>) {
    match received {
        Ok(Received::Duplicate) => metrics.webhook(Webhook::Duplicate),
        Ok(Received::Applied(outcome)) => {
            metrics.webhook(Webhook::Received);
            count_outcome(metrics, outcome);
        }
        Err(WebhookError::Signature(_) | WebhookError::Body(_)) => {
            metrics.webhook(Webhook::Rejected);
        }
        // Not the sender's fault: it is delivered again, and counted then.
        Err(WebhookError::Db(_)) => {}
    }
}

/// The metrics of what a payment event did, once it committed (a webhook, or reconciliation
/// finding what the gateway settled).
pub(crate) fn count_outcome(metrics: &Metrics, outcome: &Outcome) {
    match outcome {
        Outcome::Paid => {
            metrics.payment(Payment::Succeeded);
            metrics.booking_paid();
        }
        Outcome::Refunding => metrics.payment(Payment::Refunded),
        Outcome::Failed => metrics.payment(Payment::Failed),
        Outcome::RefundConfirmed => metrics.refund(Refund::Succeeded),
        Outcome::Nothing => {}
    }
}

fn verify_and_apply(
    db: &Db,
    live: &LiveHub,
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: NaiveDateTime,
) -> Result<Received, WebhookError> {
    signature::verify(
        secret,
        header.ok_or(SignatureError::Malformed)?,
        body,
        now.and_utc().timestamp(),
    )?;
    let event: EventBody =
        serde_json::from_slice(body).map_err(|e| WebhookError::Body(e.to_string()))?;
    let payload = String::from_utf8_lossy(body);
    let (received, released) = db.write(|c| -> Result<(Received, Released), WebhookError> {
        if !queries::record_webhook(c, &event.id, event.kind.as_str(), &payload, now)? {
            return Ok((Received::Duplicate, Released::default()));
        }
        let (outcome, released) = apply(c, &event, now)?;
        Ok((Received::Applied(outcome), released))
    })?;
    live.publish_all(changes_of(released));
    Ok(received)
}

pub(super) fn apply(
    c: &mut DbConnection,
    event: &EventBody,
    now: NaiveDateTime,
) -> Result<(Outcome, Released), WebhookError> {
    let Some(payment) = queries::by_external_id(c, &event.data.external_id)? else {
        tracing::warn!(event = %event.id, payment = %event.data.external_id, "webhook for an unknown payment");
        return Ok((Outcome::Nothing, Released::default()));
    };
    match event.kind {
        EventKind::PaymentSucceeded => succeeded(c, &payment, now),
        EventKind::PaymentFailed | EventKind::PaymentCancelled => {
            let reason = event.data.failure_reason.as_deref().unwrap_or(
                if event.kind == EventKind::PaymentCancelled {
                    "The payment was cancelled."
                } else {
                    "The payment was declined."
                },
            );
            let moved = queries::transition(
                c,
                payment.id,
                PaymentStatus::Pending,
                PaymentStatus::Failed,
                Some(reason),
                now,
            )?;
            if moved && event.kind == EventKind::PaymentFailed {
                let booking = queries::booking(c, payment.booking_id, true)?
                    .ok_or(DbError::Query(diesel::result::Error::NotFound))?;
                // Only worth telling while the buyer can still pay.
                if booking.status == BookingStatus::Pending && booking.expires_at > now {
                    queue_email(
                        c,
                        EmailKind::PaymentFailed,
                        &format!("payment_failed:{}", payment.id),
                        &booking,
                        Some(reason),
                        now,
                    )?;
                }
            }
            Ok((
                if moved {
                    Outcome::Failed
                } else {
                    Outcome::Nothing
                },
                Released::default(),
            ))
        }
        EventKind::RefundSucceeded => {
            let Some(refund) = &event.data.refund else {
                return Err(WebhookError::Body(
                    "a refund event without its refund".into(),
                ));
            };
            let confirmed = confirm_refund(
                c,
                &payment,
                &refund.idempotency_key,
                &refund.external_id,
                now,
            )?;
            Ok((
                if confirmed {
                    Outcome::RefundConfirmed
                } else {
                    Outcome::Nothing
                },
                Released::default(),
            ))
        }
    }
}
