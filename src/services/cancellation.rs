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
use diesel::prelude::*;
use serde::Deserialize;

use crate::clock::Clock;
use crate::db::audit::{NewAuditEntry, record};
use crate::db::holds::{self as hold_queries, Released};
use crate::db::payments::{self as payment_queries, Payment};
use crate::db::schema::{bookings, events, payments, tickets};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{BookingId, EventId, UserId};
use crate::domain::payment::PaymentStatus;
use crate::gateway::Gateway;
use crate::live::{Change, LiveHub};
use crate::mail::templates::EmailKind;
use crate::services::holds::changes_of;

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
        let status = lock_event(c, event)?.ok_or(CancelError::NotFound)?;
        let mut released = Released::default();
        if status.can_become(EventStatus::Cancelled) {
            diesel::update(
                events::table
                    .filter(events::id.eq(event))
                    .filter(events::status.ne(EventStatus::Cancelled)),
            )
            .set((
                events::status.eq(EventStatus::Cancelled),
                events::cancelled_at.eq(Some(now)),
                events::cancellation_reason.eq(Some(reason)),
                events::updated_at.eq(now),
            ))
            .execute(c)?;
            let pending: Vec<BookingId> = bookings::table
                .filter(bookings::event_id.eq(event))
                .filter(bookings::status.eq(BookingStatus::Pending))
                .select(bookings::id)
                .load(c)?;
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

/// The event row, locked `FOR UPDATE` on PostgreSQL (see the module's notes).
fn lock_event(c: &mut DbConnection, event: EventId) -> QueryResult<Option<EventStatus>> {
    macro_rules! query {
        () => {
            events::table
                .filter(events::id.eq(event))
                .select(events::status)
        };
    }
    match c {
        DbConnection::Postgres(c) => query!().for_update().first(c).optional(),
        DbConnection::Sqlite(c) => query!().first(c).optional(),
    }
}

/// Paid bookings left to refund, and bookings refunded.
pub fn progress(c: &mut DbConnection, event: EventId) -> QueryResult<Progress> {
    let count = |c: &mut DbConnection, status: BookingStatus| -> QueryResult<i64> {
        bookings::table
            .filter(bookings::event_id.eq(event))
            .filter(bookings::status.eq(status))
            .count()
            .get_result(c)
    };
    Ok(Progress {
        to_refund: count(c, BookingStatus::Paid)?,
        refunded: count(c, BookingStatus::Refunded)?,
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
                let reason: Option<String> = events::table
                    .filter(events::id.eq(event_id))
                    .select(events::cancellation_reason)
                    .first(c)?;
                let batch = bookings::table
                    .filter(bookings::event_id.eq(event_id))
                    .filter(bookings::status.eq(BookingStatus::Paid))
                    .order(bookings::id)
                    .limit(BATCH)
                    .select(bookings::id)
                    .load(c)?;
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

/// Refunds one paid booking of a cancelled event: its payment through the gateway (once), then
/// booking `paid` → `refunded`, its tickets void and its buyer emailed, in one transaction.
/// A paid booking without a payment (seeded demo data) is refunded without money moving.
fn refund_booking(
    db: &Db,
    gateway: &Gateway,
    booking: BookingId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), String> {
    let why = format!("The event was cancelled. {reason}");
    let refund = db
        .write(|c| -> Result<Option<(Payment, i64)>, DbError> {
            let payment: Option<Payment> = payments::table
                .filter(payments::booking_id.eq(booking))
                .filter(payments::status.eq(PaymentStatus::Succeeded))
                .select(Payment::as_select())
                .first(c)
                .optional()?;
            match payment {
                Some(p) => {
                    let (id, _) = payment_queries::create_refund(c, &p, &why, now)?;
                    Ok(Some((p, id)))
                }
                None => Ok(None),
            }
        })
        .map_err(|e| e.to_string())?;
    let confirmed = match &refund {
        Some((payment, refund_id)) => {
            let row = db
                .read(|c| payment_queries::refund(c, *refund_id).map_err(DbError::Query))
                .map_err(|e| e.to_string())?
                .ok_or("the refund row is gone")?;
            let done = gateway
                .refund(
                    &payment.external_id,
                    row.amount_cents,
                    &row.idempotency_key,
                    &row.reason,
                )
                .map_err(|e| format!("the gateway refused refund {refund_id}: {e}"))?;
            Some((payment.clone(), row.idempotency_key, done.external_id))
        }
        None => None,
    };
    db.write(|c| -> Result<(), DbError> {
        if let Some((payment, key, external_id)) = &confirmed {
            crate::services::payments::confirm_refund(c, payment, key, external_id, now)?;
        }
        let moved = diesel::update(
            bookings::table
                .filter(bookings::id.eq(booking))
                .filter(bookings::status.eq(BookingStatus::Paid)),
        )
        .set((
            bookings::status.eq(BookingStatus::Refunded),
            bookings::refunded_at.eq(Some(now)),
            bookings::updated_at.eq(now),
        ))
        .execute(c)?;
        if moved == 1 {
            diesel::update(
                // A ticket already used at the door stays as it was (the CHECK ties
                // checked_in to its time).
                tickets::table
                    .filter(tickets::booking_id.eq(booking))
                    .filter(tickets::status.eq("valid")),
            )
            .set(tickets::status.eq("void"))
            .execute(c)?;
            crate::services::payments::queue_booking_email(
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
