//! Durable background jobs (ARCHITECTURE §4), shaped like crates.io's. Each job is a typed
//! struct in a file of its own here, saying what the job is: its payload, its [`Job::KIND`], its
//! [`Job::MAX_ATTEMPTS`] and its dedupe key. A use case enqueues one with [`Job::enqueue`] in the
//! same transaction as the change that needs it. The service that does the work implements
//! [`RunJob`] for it, and `src/worker.rs` pairs the two ([`Handlers::register`]). The
//! [`Runner`] claims a job with a short lease, decodes its payload into the struct (a payload
//! that does not decode is a failed attempt), runs it, retries with exponential backoff, and
//! keeps it as dead with its last error after its max attempts. Jobs carry ids, not data, and
//! running one must be idempotent: a job whose worker dies mid-run runs again once its lease
//! expires.
//!
//! Why the work is not in the job files: services and the gateway enqueue jobs, so they
//! import this module; were a job file to import them back, the top-level modules would import
//! each other (`.ci/code-shape --check` refuses that). So the dependency runs one way, and the
//! wiring is the worker's.
//!
//! The jobs (the kind in brackets is what the queue's rows say):
//! - [`RefundPayment`] (`payments.refund`): ask the gateway for a recorded refund.
//! - [`CancelEvent`] (`events.cancel`): refund a cancelled event's paid bookings, a batch a run.
//! - [`SendPasswordReset`] (`accounts.password_reset`), [`SendLoginLink`]
//!   (`accounts.login_link`): the emailed-link requests, answered off the request path.
//! - [`DeliverWebhook`] (`gateway.webhook`): the simulated gateway posting an event to the app.
//! - [`LotusPayNotify`] (`lotuspay.notify`): LotusPay posting a notification to the app until it
//!   answers `{"RspCode":"00"}`; [`LotusPaySettle`] (`lotuspay.settle`): LotusPay settling a bank
//!   transfer when its money arrives.
//!
//! Periodic tasks (the hold sweeper and others) run on a timer instead: [`periodic`].

use chrono::{NaiveDateTime, TimeDelta};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::db::{DbConnection, DbError, jobs as queries};

pub mod cancel_event;
pub mod deliver_webhook;
pub mod lotuspay;
pub mod periodic;
pub mod refund_payment;
mod runner;
pub mod send_login_link;
pub mod send_password_reset;

pub use cancel_event::CancelEvent;
pub use deliver_webhook::DeliverWebhook;
pub use lotuspay::{LotusPayNotify, LotusPaySettle};
pub use periodic::PeriodicTask;
pub use refund_payment::RefundPayment;
pub use runner::{Handlers, JobHandler, RunJob, Runner, Turn};
pub use send_login_link::SendLoginLink;
pub use send_password_reset::SendPasswordReset;

/// How long a claim lasts; a job still running after this is presumed abandoned.
pub const LEASE: TimeDelta = TimeDelta::seconds(60);
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// The wait before attempt `attempt + 1`: 10 s, 20 s, 40 s… capped at an hour.
pub fn backoff(attempt: i32) -> TimeDelta {
    let exponent = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    let seconds = 10i64.saturating_mul(1i64 << exponent.min(20));
    TimeDelta::seconds(seconds.min(3_600))
}

/// A kind of background job: the struct is its payload (stored as JSON in the queue).
pub trait Job: Serialize + DeserializeOwned + 'static {
    /// The queue's name for it (the `kind` column, the `job.kind` log field, the worker
    /// lanes). Rows in the queue carry it: never renamed.
    const KIND: &'static str;
    /// Attempts before the job is kept as dead for an admin to look at.
    const MAX_ATTEMPTS: i32 = DEFAULT_MAX_ATTEMPTS;

    /// With a key, a second enqueue of the same key does nothing (and answers `false`).
    fn dedupe_key(&self) -> Option<String> {
        None
    }

    /// Adds the job to the queue, due now, within the caller's transaction: it exists exactly
    /// when the change that needs it does.
    fn enqueue(&self, conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, DbError> {
        self.enqueue_at(conn, now, now)
    }

    /// [`Job::enqueue`], first due at `run_after`.
    fn enqueue_at(
        &self,
        conn: &mut DbConnection,
        run_after: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<bool, DbError> {
        // Jobs are ids and strings; should one ever fail to serialize, the caller's
        // transaction fails with it, as for any query that cannot be written.
        let payload = serde_json::to_string(self)
            .map_err(|e| DbError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
        Ok(queries::enqueue(
            conn,
            Self::KIND,
            &payload,
            self.dedupe_key().as_deref(),
            Self::MAX_ATTEMPTS,
            run_after,
            now,
        )?)
    }
}

/// Adds a job of any kind with a payload built by hand, [`DEFAULT_MAX_ATTEMPTS`] tries, within
/// the caller's transaction (tests use it to prove the wire format; the app's jobs use
/// [`Job::enqueue`]). With a dedupe key, a second enqueue of the same key does nothing and
/// answers `false`.
pub fn enqueue(
    conn: &mut DbConnection,
    kind: &str,
    payload: &serde_json::Value,
    dedupe_key: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    Ok(queries::enqueue(
        conn,
        kind,
        &payload.to_string(),
        dedupe_key,
        DEFAULT_MAX_ATTEMPTS,
        now,
        now,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_an_hour() {
        assert_eq!(backoff(1), TimeDelta::seconds(10));
        assert_eq!(backoff(2), TimeDelta::seconds(20));
        assert_eq!(backoff(5), TimeDelta::seconds(160));
        assert_eq!(backoff(12), TimeDelta::seconds(3_600));
        assert_eq!(backoff(1_000), TimeDelta::seconds(3_600));
    }
}
