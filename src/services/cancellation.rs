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
/// Refusals of one booking's refund before the job leaves it for an admin to retry (the
/// job itself is retried with backoff in between, so a short outage costs no admin work).
pub const REFUND_ATTEMPTS: i32 = 3;

/// Where a cancellation stands (API.md: `POST /api/v1/admin/events/{id}/cancel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Paid bookings still to refund.
    pub to_refund: i64,
    /// Bookings refunded.
    pub refunded: i64,
    /// Paid bookings whose refund the gateway kept refusing: they wait for an admin's retry
    /// (and are counted in `to_refund`).
    pub failed: i64,
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

    /// From the event's bookings by status (`stats::EventSales::bookings`) and the refunds
    /// waiting for a retry.
    pub fn of(bookings: &std::collections::BTreeMap<BookingStatus, i64>, failed: i64) -> Self {
        let count = |status| bookings.get(&status).copied().unwrap_or(0);
        Progress {
            to_refund: count(BookingStatus::Paid),
            refunded: count(BookingStatus::Refunded),
            failed,
        }
    }

    /// Bookings to refund in all: refunded so far plus those left.
    pub fn total(&self) -> i64 {
        self.refunded + self.to_refund
    }

    /// Refunded share, 0-100 (100 when there was nothing to refund).
    pub fn percent(&self) -> i64 {
        match self.total() {
            0 => 100,
            total => self.refunded * 100 / total,
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
        // Then every section row of the event, in id order (db::lock_order).
        crate::db::lock_order::lock_event_sections(c, event)?;
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

/// Paid bookings left to refund, bookings refunded, and refunds waiting for a retry.
pub fn progress(c: &mut DbConnection, event: EventId) -> QueryResult<Progress> {
    Ok(Progress {
        to_refund: queries::count_in(c, event, BookingStatus::Paid)?,
        refunded: queries::count_in(c, event, BookingStatus::Refunded)?,
        failed: queries::count_failed_refunds(c, event)?,
    })
}

/// What cancelling would do now, for the confirmation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// Paid bookings to refund, and the money that goes back (their totals).
    pub paid_bookings: i64,
    pub refund_cents: i64,
    /// Baskets released at once, and the seats or places they hold now.
    pub pending_bookings: i64,
    pub held_places: i64,
    pub tickets: i64,
}

/// `None` for an unknown event.
pub fn preview(
    c: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Option<(Preview, Progress)>, DbError> {
    let Some(stats) = crate::services::stats::event_stats(c, event, now)? else {
        return Ok(None);
    };
    let count = |status| stats.sales.bookings.get(&status).copied().unwrap_or(0);
    let preview = Preview {
        paid_bookings: count(BookingStatus::Paid),
        refund_cents: stats.sales.revenue_cents,
        pending_bookings: count(BookingStatus::Pending),
        held_places: stats.held,
        tickets: stats.sales.tickets_sold,
    };
    let progress = Progress::of(
        &stats.sales.bookings,
        queries::count_failed_refunds(c, event)?,
    );
    Ok(Some((preview, progress)))
}

#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    /// Not a failed refund of a paid booking of this event (already retried, say).
    #[error("that refund is not waiting for a retry")]
    NotFailed,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Sends refused refunds of a cancelled event back to the job: `refund` alone, or every failed
/// one (`None`). Each gets [`REFUND_ATTEMPTS`] more tries. Answers how many were reopened.
pub fn retry_refunds(
    db: &Db,
    event: EventId,
    refund: Option<i64>,
    admin: UserId,
    now: NaiveDateTime,
) -> Result<usize, RetryError> {
    db.write(|c| -> Result<usize, RetryError> {
        let ids: Vec<i64> = match refund {
            Some(id) => vec![id],
            None => queries::failed_refunds(c, event)
                .map_err(DbError::Query)?
                .iter()
                .map(|f| f.refund_id)
                .collect(),
        };
        let mut reopened = Vec::new();
        for id in ids {
            if queries::reopen_failed_refund(c, event, id, now).map_err(DbError::Query)? {
                reopened.push(id);
            }
        }
        if reopened.is_empty() {
            return if refund.is_some() {
                Err(RetryError::NotFailed)
            } else {
                Ok(0)
            };
        }
        let first = reopened[0];
        crate::db::jobs::enqueue(
            c,
            JOB,
            &serde_json::json!({ "event_id": event }).to_string(),
            Some(&format!(
                "{JOB}:{event}:retry:{first}:{}",
                now.and_utc().timestamp_micros()
            )),
            crate::services::payments::REFUND_MAX_ATTEMPTS,
            now,
            now,
        )
        .map_err(DbError::Query)?;
        record(
            c,
            &NewAuditEntry {
                actor_user_id: Some(admin),
                action: "event.refunds_retried",
                subject_type: "event",
                subject_id: Some(event.0),
                detail: &serde_json::json!({ "refunds": reopened }).to_string(),
                created_at: now,
            },
        )
        .map_err(DbError::Query)?;
        Ok(reopened.len())
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
                let batch = queries::bookings_to_refund(c, event_id, BATCH)?;
                Ok((reason.unwrap_or_default(), batch))
            })
            .map_err(|e| e.to_string())?;
        // A refusal doesn't hold up the other buyers: the batch goes on, and the job fails at
        // the end so that it runs again later (with backoff) for the refusals; a refund
        // refused REFUND_ATTEMPTS times is left `failed` for an admin to retry.
        let mut refused = Vec::new();
        for booking in &batch {
            match refund_booking(db, &self.gateway, *booking, &reason, clock.now()) {
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
) -> Result<(), Refusal> {
    let why = format!("The event was cancelled. {reason}");
    let refund = db
        .write(|c| -> Result<Option<i64>, DbError> {
            match payment_queries::succeeded_of(c, booking)? {
                Some(p) => Ok(Some(payment_queries::create_refund(c, &p, &why, now)?.0)),
                None => Ok(None),
            }
        })
        .map_err(|e| Refusal::Other(e.to_string()))?;
    if let Some(refund) = refund
        && let Err(e) = send_refund(db, gateway, refund, now)
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
enum Refusal {
    /// The gateway refused it (counted on the refund row).
    Gateway(String),
    /// Anything else (the database): the job stops and is retried.
    Other(String),
}
