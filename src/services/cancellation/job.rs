//! The cancellation job: refunds each paid booking of a cancelled event.

use chrono::NaiveDateTime;

use crate::clock::Clock;
use crate::db::cancellation as queries;
use crate::db::payments as payment_queries;
use crate::db::{Db, DbError};
use crate::domain::ids::{BookingId, RefundId};
use crate::jobs::{CancelEvent, Job, RunJob};
use crate::mail::templates::EmailKind;
use crate::providers::Providers;
use crate::services::notify::queue_booking_email;
use crate::services::payments::send_refund;

/// Bookings refunded per turn of the job (it queues itself again until none are left).
pub(super) const BATCH: i64 = 25;
/// Refusals of one booking's refund before the job leaves it for an admin to retry (the
/// job itself is retried with backoff in between, so a short outage costs no admin work).
pub const REFUND_ATTEMPTS: i32 = 3;

/// Runs [`CancelEvent`]: refunds a batch of the cancelled event's paid bookings, then queues
/// the job again while any are left.
pub struct CancelJob {
    pub(super) providers: Providers,
}

impl CancelJob {
    pub fn new(providers: Providers) -> Self {
        CancelJob { providers }
    }
}

impl RunJob<CancelEvent> for CancelJob {
    fn run(&self, db: &Db, clock: &Clock, job: CancelEvent) -> Result<(), String> {
        let event_id = job.event_id;
        let (reason, batch) = db
            .read(|c| -> Result<(String, Vec<BookingId>), DbError> {
                let reason = queries::cancellation_reason(c, event_id)?;
                let batch = queries::bookings_to_refund(c, event_id, BATCH)?;
                Ok((reason.unwrap_or_default(), batch))
            })
            .map_err(|e| e.to_string())?;
        // A refusal doesn't hold up the other buyers: the batch goes on, and the job fails at
        // the end so that it runs again later (with backoff) for the refusals; a refund
        // refused REFUND_ATTEMPTS times is left `failed` for an admin to retry.
        let mut refused = Vec::new();
        for booking in &batch {
            match refund_booking(db, &self.providers, *booking, &reason, clock.now()) {
                Ok(()) => {}
                Err(Refusal::Gateway(e)) => refused.push(e),
                Err(Refusal::Other(e)) => return Err(e),
            }
        }
        if !refused.is_empty() {
            return Err(refused.join("; "));
        }
        if batch.len() as i64 == BATCH {
            // More to do: a fresh job (its own attempts) picks up where this one stopped.
            let now = clock.now();
            let next = CancelEvent::after(event_id, batch[batch.len() - 1]);
            db.write(|c| next.enqueue(c, now))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Refunds one paid booking of a cancelled event: what is left of its payment through the
/// payment's provider (once, see
/// `payments::send_refund`), then booking `paid` → `refunded`, its unused tickets void and its
/// buyer emailed. A paid booking without a succeeded payment is refunded without money moving.
pub(super) fn refund_booking(
    db: &Db,
    providers: &Providers,
    booking: BookingId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), Refusal> {
    let why = format!("The event was cancelled. {reason}");
    let refund = db
        .write(|c| -> Result<Option<RefundId>, DbError> {
            match payment_queries::succeeded_of(c, booking)? {
                Some(p) => Ok(payment_queries::create_refund(c, &p, &why, now)?.map(|r| r.0)),
                None => Ok(None),
            }
        })
        .map_err(|e| Refusal::Other(e.to_string()))?;
    if let Some(refund) = refund
        && let Err(e) = send_refund(db, providers, refund, now)
    {
        // send_refund counted the attempt; after the last one the refund waits for an admin.
        db.write(|c| {
            queries::give_up_refund(c, refund, REFUND_ATTEMPTS, now).map_err(DbError::Query)
        })
        .map_err(|e| Refusal::Other(e.to_string()))?;
        return Err(Refusal::Gateway(e));
    }
    db.write(|c| -> Result<(), DbError> {
        if queries::mark_refunded(c, booking, now)? {
            queue_booking_email(
                c,
                EmailKind::EventCancelled,
                &format!("event_cancelled:{booking}"),
                booking,
                Some(reason),
                now,
            )?;
        }
        Ok(())
    })
    .map_err(|e| Refusal::Other(e.to_string()))
}

/// Why one booking's refund did not finish.
pub(super) enum Refusal {
    /// The provider refused it (counted on the refund row).
    Gateway(String),
    /// Anything else (the database): the job stops and is retried.
    Other(String),
}
