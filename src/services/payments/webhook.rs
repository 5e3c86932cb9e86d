//! Providers' notifications (webhooks): verified by their provider, recorded once, and applied
//! in one transaction, whichever provider sent them.

use chrono::NaiveDateTime;

use crate::db::holds::Released;
use crate::db::payments::{self as queries};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::payment::PaymentStatus;
use crate::mail::templates::EmailKind;
use crate::metrics::Metrics;
use crate::metrics::labels::{Payment, Refund, Webhook};
use crate::providers::{Incoming, Notification, NotificationKind, PaymentProvider, ProviderError};
use crate::services::holds::changes_of;
use crate::services::live::LiveHub;

use super::refund::confirm_refund;
use super::succeeded::succeeded;
use crate::services::notify::queue_email;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Forged, tampered, stale or not a notification: refused, nothing changed.
    #[error("{0}")]
    Refused(String),
    #[error("the notification is not one the app understands: {0}")]
    Body(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<ProviderError> for WebhookError {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::Db(e) => WebhookError::Db(e),
            ProviderError::Forged(why) => WebhookError::Refused(why),
            other => WebhookError::Refused(other.to_string()),
        }
    }
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

/// Receives one notification: its provider checks the signature over what arrived (constant
/// time, with its replay window), then the app records the notification's id and applies it
/// in one transaction. Counted in the metrics once that committed (or it was rejected).
#[tracing::instrument(name = "payments.webhook", skip_all, fields(provider = %provider.id()))]
pub fn receive(
    db: &Db,
    live: &LiveHub,
    provider: &dyn PaymentProvider,
    incoming: &Incoming<'_>,
) -> Result<Received, WebhookError> {
    let received = verify_and_apply(db, live, provider, incoming);
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
        Err(WebhookError::Refused(_) | WebhookError::Body(_)) => {
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
    provider: &dyn PaymentProvider,
    incoming: &Incoming<'_>,
) -> Result<Received, WebhookError> {
    let event = provider.verify(incoming)?;
    let now = incoming.now;
    // Notification ids are the provider's own: kept apart per provider (SimPay's as they were).
    let id = match provider.id() {
        crate::providers::ProviderId::SimPay => event.id.clone(),
        other => format!("{other}:{}", event.id),
    };
    let (received, released) = db.write(|c| -> Result<(Received, Released), WebhookError> {
        if !queries::record_webhook(c, &id, kind_name(event.kind), &event.payload, now)? {
            return Ok((Received::Duplicate, Released::default()));
        }
        let (outcome, released) = apply(c, provider, &event, now)?;
        Ok((Received::Applied(outcome), released))
    })?;
    live.publish_all(changes_of(released));
    Ok(received)
}

/// How a notification's kind is recorded (SimPay's event types).
fn kind_name(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::PaymentSucceeded => "payment.succeeded",
        NotificationKind::PaymentFailed => "payment.failed",
        NotificationKind::PaymentCancelled => "payment.cancelled",
        NotificationKind::RefundSucceeded => "refund.succeeded",
    }
}

pub(super) fn apply(
    c: &mut DbConnection,
    provider: &dyn PaymentProvider,
    event: &Notification,
    now: NaiveDateTime,
) -> Result<(Outcome, Released), WebhookError> {
    let payment =
        queries::by_external_id(c, &event.external_id)?.filter(|p| p.provider == provider.id());
    let Some(payment) = payment else {
        tracing::warn!(event = %event.id, payment = %event.external_id, "notification for an unknown payment");
        return Ok((Outcome::Nothing, Released::default()));
    };
    match event.kind {
        NotificationKind::PaymentSucceeded => succeeded(c, &payment, now),
        NotificationKind::PaymentFailed | NotificationKind::PaymentCancelled => {
            let reason = event.failure_reason.as_deref().unwrap_or(
                if event.kind == NotificationKind::PaymentCancelled {
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
            if moved && event.kind == NotificationKind::PaymentFailed {
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
        NotificationKind::RefundSucceeded => {
            let Some(refund) = &event.refund else {
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
