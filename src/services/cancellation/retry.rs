//! Retrying the refunds of a cancelled event that failed for good.

use chrono::NaiveDateTime;

use crate::db::audit::{NewAuditEntry, record};
use crate::db::cancellation as queries;
use crate::db::{Db, DbError};
use crate::domain::ids::{EventId, RefundId, UserId};
use crate::jobs::{CancelEvent, Job};

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
#[tracing::instrument(name = "events.retry_refunds", skip_all, fields(event.id = %event, admin.id = %admin))]
pub fn retry_refunds(
    db: &Db,
    event: EventId,
    refund: Option<RefundId>,
    admin: UserId,
    now: NaiveDateTime,
) -> Result<usize, RetryError> {
    db.write(|c| -> Result<usize, RetryError> {
        let ids: Vec<RefundId> = match refund {
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
        CancelEvent::retry(event, first, now).enqueue(c, now)?;
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
