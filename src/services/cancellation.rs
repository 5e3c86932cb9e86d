//! Cancelling an event (issue 7): at once, the event is cancelled, new holds are refused and
//! every pending hold is released, in one transaction; then a background job (resumable,
//! idempotent) refunds every paid booking through the gateway exactly once, voids its tickets
//! and emails its buyer.
//!
//! Why nothing slips through:
//! - A hold reads its event `FOR KEY SHARE` inside its transaction (`db::holds::event_for_hold`)
//!   and the cancel locks the event `FOR UPDATE` first, so the cancel waits for holds in
//!   flight and every later hold sees the event cancelled (SQLite's single writer does the same
//!   by itself).
//! - One refund per payment (a unique index), asked of the gateway with that refund's own
//!   idempotency key: a job that dies between the gateway's answer and its own commit asks
//!   again and gets the same refund back.
//! - Every state change is guarded (`paid` → `refunded`, `valid` → `void`), and each booking's
//!   email has a dedupe key.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde::Deserialize;

use crate::clock::Clock;
use crate::db::audit::{NewAuditEntry, record};
use crate::db::cancellation as queries;
use crate::db::holds::{self as hold_queries, Released};
use crate::db::payments as payment_queries;
use crate::db::{Db, DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{BookingId, EventId, UserId};
use crate::gateway::Gateway;
use crate::live::{Change, LiveHub};
use crate::mail::templates::EmailKind;
use crate::services::holds::changes_of;
use crate::services::payments::{queue_booking_email, send_refund};

/// The job that refunds a cancelled event's paid bookings.
pub const JOB: &str = "events.cancel";
/// Bookings refunded per turn of the job (it queues itself again until none are left).
const BATCH: i64 = 25;

/// Where a cancellation stands (API.md: `POST /api/v1/admin/events/{id}/cancel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Paid bookings still to refund.
    pub to_refund: i64,
    /// Bookings refunded.
    pub refunded: i64,
}

impl Progress {
    /// `cancelling` while refunds are left, then `cancelled`.
    pub fn status(&self) -> &'static str {
        if self.to_refund > 0 {
            "cancelling"
        } else {
            "cancelled"
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("no such event")]
    NotFound,
    #[error("a reason is needed")]
    NoReason,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CancelError {
    fn from(e: diesel::result::Error) -> Self {
        CancelError::Db(DbError::Query(e))
    }
}

/// Cancels the event (a second call changes nothing and answers the progress).
pub fn cancel(
    db: &Db,
    live: &LiveHub,
    event: EventId,
    reason: &str,
    admin: UserId,
    now: NaiveDateTime,
) -> Result<Progress, CancelError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(CancelError::NoReason);
    }
    let (progress, released) = db.write(|c| -> Result<(Progress, Released), CancelError> {
        let status = queries::lock_event(c, event)?.ok_or(CancelError::NotFound)?;
        let mut released = Released::default();
        if status.can_become(EventStatus::Cancelled) {
            queries::mark_cancelled(c, event, reason, now)?;
            let pending = queries::bookings_in(c, event, BookingStatus::Pending, i64::MAX)?;
            released = hold_queries::end_pending(c, &pending, BookingStatus::Cancelled, now)?;
            crate::db::jobs::enqueue(
                c,
                JOB,
                &serde_json::json!({ "event_id": event }).to_string(),
                Some(&format!("{JOB}:{event}")),
                crate::services::payments::REFUND_MAX_ATTEMPTS,
                now,
                now,
            )?;
            record(
                c,
                &NewAuditEntry {
                    actor_user_id: Some(admin),
                    action: "event.cancelled",
                    subject_type: "event",
                    subject_id: Some(event.0),
                    detail: &serde_json::json!({
                        "reason": reason,
                        "holds_released": pending.len(),
                    })
                    .to_string(),
                    created_at: now,
                },
            )?;
        }
        Ok((progress(c, event)?, released))
    })?;
    let mut changes = changes_of(released);
    changes.push(Change {
        event,
        seats: Vec::new(),
        standing: true,
    });
    live.publish_all(changes);
    Ok(progress)
}

/// Paid bookings left to refund, and bookings refunded.
pub fn progress(c: &mut DbConnection, event: EventId) -> QueryResult<Progress> {
    Ok(Progress {
        to_refund: queries::count_in(c, event, BookingStatus::Paid)?,
        refunded: queries::count_in(c, event, BookingStatus::Refunded)?,
    })
}

/// The job: refunds a batch of the cancelled event's paid bookings, then queues itself again
/// while any are left.
pub struct CancelJob {
    gateway: Gateway,
}

impl CancelJob {
    pub fn new(gateway: Gateway) -> Self {
        CancelJob { gateway }
    }
}

#[derive(Deserialize)]
struct CancelPayload {
    event_id: EventId,
}

impl crate::jobs::JobHandler for CancelJob {
    fn run(&self, db: &Db, clock: &Clock, payload: &serde_json::Value) -> Result<(), String> {
        let CancelPayload { event_id } =
            serde_json::from_value(payload.clone()).map_err(|e| e.to_string())?;
        let (reason, batch) = db
            .read(|c| -> Result<(String, Vec<BookingId>), DbError> {
                let reason = queries::cancellation_reason(c, event_id)?;
                let batch = queries::bookings_in(c, event_id, BookingStatus::Paid, BATCH)?;
                Ok((reason.unwrap_or_default(), batch))
            })
            .map_err(|e| e.to_string())?;
        for booking in &batch {
            refund_booking(db, &self.gateway, *booking, &reason, clock.now())?;
        }
        if batch.len() as i64 == BATCH {
            // More to do: a fresh job (its own attempts) picks up where this one stopped.
            let now = clock.now();
            db.write(|c| {
                crate::db::jobs::enqueue(
                    c,
                    JOB,
                    &serde_json::json!({ "event_id": event_id }).to_string(),
                    Some(&format!(
                        "{JOB}:{event_id}:after:{}",
                        batch[batch.len() - 1]
                    )),
                    crate::services::payments::REFUND_MAX_ATTEMPTS,
                    now,
                    now,
                )
                .map_err(DbError::Query)
            })
            .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Refunds one paid booking of a cancelled event: its payment through the gateway (once, see
/// `payments::send_refund`), then booking `paid` → `refunded`, its unused tickets void and its
/// buyer emailed. A paid booking without a succeeded payment is refunded without money moving.
fn refund_booking(
    db: &Db,
    gateway: &Gateway,
    booking: BookingId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), String> {
    let why = format!("The event was cancelled. {reason}");
    let refund = db
        .write(|c| -> Result<Option<i64>, DbError> {
            match payment_queries::succeeded_of(c, booking)? {
                Some(p) => Ok(Some(payment_queries::create_refund(c, &p, &why, now)?.0)),
                None => Ok(None),
            }
        })
        .map_err(|e| e.to_string())?;
    if let Some(refund) = refund {
        send_refund(db, gateway, refund, now)?;
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
    .map_err(|e| e.to_string())
}
