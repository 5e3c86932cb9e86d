//! Durable background jobs (ARCHITECTURE §4): enqueued in the same transaction as the change
//! that needs them, claimed with a short lease, retried with exponential backoff, and kept as
//! dead with their last error after `max_attempts`. Handlers must be idempotent: a job whose
//! worker dies mid-run is run again once its lease expires.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use chrono::{NaiveDateTime, TimeDelta};

use crate::clock::Clock;
use crate::db::{Db, DbConnection, DbError, jobs as queries};
use crate::domain::ids::JobId;

pub mod periodic;

pub use periodic::PeriodicTask;

/// How long a claim lasts; a job still running after this is presumed abandoned.
pub const LEASE: TimeDelta = TimeDelta::seconds(60);
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// The wait before attempt `attempt + 1`: 10 s, 20 s, 40 s… capped at an hour.
pub fn backoff(attempt: i32) -> TimeDelta {
    let exponent = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    let seconds = 10i64.saturating_mul(1i64 << exponent.min(20));
    TimeDelta::seconds(seconds.min(3_600))
}

/// Adds a job to the queue within the caller's transaction. With a dedupe key, a second
/// enqueue of the same key does nothing and answers `false`.
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

/// Runs one kind of job. An `Err` or a panic is a failed attempt.
pub trait JobHandler: Send + Sync {
    fn run(&self, db: &Db, clock: &Clock, payload: &serde_json::Value) -> Result<(), String>;
}

/// What one turn of the runner did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    Idle,
    Done {
        id: JobId,
    },
    Retrying {
        id: JobId,
        error: String,
    },
    Dead {
        id: JobId,
        error: String,
    },
    /// Its lease ran out while it ran and another worker took it over.
    LostClaim {
        id: JobId,
    },
}

/// The job runner: handlers by kind, on one database.
#[derive(Clone)]
pub struct Runner {
    db: Db,
    clock: Clock,
    handlers: Arc<HashMap<String, Arc<dyn JobHandler>>>,
    kinds: queries::KindFilter,
}

impl Runner {
    pub fn new(db: Db, clock: Clock, handlers: HashMap<String, Arc<dyn JobHandler>>) -> Self {
        Runner {
            db,
            clock,
            handlers: Arc::new(handlers),
            kinds: queries::KindFilter::Any,
        }
    }

    /// The same runner, claiming only the jobs `kinds` lets through (a worker lane).
    pub fn with_filter(mut self, kinds: queries::KindFilter) -> Self {
        self.kinds = kinds;
        self
    }

    /// Claims and runs one due job, if there is one. Blocking: call it from a worker thread.
    pub fn run_one(&self) -> Result<Turn, DbError> {
        let now = self.clock.now();
        let claimed = self.db.write(|c| {
            queries::bury_abandoned(c, now)?;
            Ok::<_, DbError>(queries::claim_in(c, now, now + LEASE, &self.kinds)?)
        })?;
        let Some(job) = claimed else {
            return Ok(Turn::Idle);
        };
        // Everything the job logs carries its kind, id and attempt.
        let span = tracing::info_span!(
            "job",
            job.kind = %job.kind,
            job.id = job.id.0,
            job.attempt = job.attempts
        );
        let _entered = span.enter();
        let outcome = match self.handlers.get(&job.kind) {
            None => Err(format!("no handler for job kind `{}`", job.kind)),
            Some(handler) => match serde_json::from_str::<serde_json::Value>(&job.payload) {
                Err(e) => Err(format!("unreadable payload: {e}")),
                Ok(payload) => catch_unwind(AssertUnwindSafe(|| {
                    handler.run(&self.db, &self.clock, &payload)
                }))
                .unwrap_or_else(|panic| {
                    Err(format!("the job panicked: {}", panic_message(&panic)))
                }),
            },
        };
        let now = self.clock.now();
        let turn = match outcome {
            Ok(()) => {
                let kept = self.db.write(|c| {
                    Ok::<_, DbError>(queries::complete(c, job.id, job.attempts, now)?)
                })?;
                if kept {
                    Turn::Done { id: job.id }
                } else {
                    Turn::LostClaim { id: job.id }
                }
            }
            Err(error) => {
                let retry_at =
                    (job.attempts < job.max_attempts).then(|| now + backoff(job.attempts));
                let kept = self.db.write(|c| {
                    Ok::<_, DbError>(queries::fail(
                        c,
                        job.id,
                        job.attempts,
                        &error,
                        retry_at,
                        now,
                    )?)
                })?;
                match (kept, retry_at) {
                    (false, _) => Turn::LostClaim { id: job.id },
                    (true, Some(_)) => {
                        tracing::warn!(job.id = job.id.0, job.kind = %job.kind, attempt = job.attempts, %error, "job failed; will retry");
                        Turn::Retrying { id: job.id, error }
                    }
                    (true, None) => {
                        tracing::error!(job.id = job.id.0, job.kind = %job.kind, %error, "job failed for good");
                        Turn::Dead { id: job.id, error }
                    }
                }
            }
        };
        Ok(turn)
    }

    /// Runs due jobs until none is left (tests, and each tick of the worker).
    pub fn run_until_idle(&self) -> Result<Vec<Turn>, DbError> {
        let mut turns = Vec::new();
        loop {
            match self.run_one()? {
                Turn::Idle => return Ok(turns),
                turn => turns.push(turn),
            }
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
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
