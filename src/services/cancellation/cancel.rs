//! An admin cancels an event: the bookings end and a job refunds them.

use chrono::NaiveDateTime;

use crate::db::audit::{NewAuditEntry, record};
use crate::db::cancellation as queries;
use crate::db::holds::{self as hold_queries, Released};
use crate::db::{Db, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, UserId};
use crate::jobs::{CancelEvent, Job};
use crate::services::holds::changes_of;
use crate::services::live::{Change, LiveHub};

use super::progress::{Progress, progress};

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
#[tracing::instrument(name = "events.cancel", skip_all, fields(event.id = %event, admin.id = %admin))]
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
            CancelEvent::new(event).enqueue(c, now)?;
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
    changes.push(Change::standing(event));
    live.publish_all(changes);
    // The listing and the event's page say it is cancelled, on every instance.
    live.catalogue_changed();
    Ok(progress)
}
