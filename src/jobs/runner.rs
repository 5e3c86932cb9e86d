//! The runner: claims due jobs, hands each to the handler of its kind, and records how it went
//! (done, retrying after [`backoff`], dead, or its claim lost to another worker).

use std::collections::HashMap;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::{Job, LEASE, backoff};
use crate::clock::Clock;
use crate::db::{Db, DbError, jobs as queries};
use crate::domain::ids::JobId;
use crate::metrics::labels as metrics;

/// What a service implements to run jobs of kind `J`: it gets the job decoded. An `Err` or a
/// panic is a failed attempt.
pub trait RunJob<J: Job>: Send + Sync {
    fn run(&self, db: &Db, clock: &Clock, job: J) -> Result<(), String>;
}

/// Runs one kind of job from its payload as stored, untyped: what the runner calls. The
/// app's handlers are [`RunJob`]s that [`Handlers::register`] wraps in one; tests implement it
/// directly to see the JSON as it is on the wire. An `Err` or a panic is a failed attempt.
pub trait JobHandler: Send + Sync {
    fn run(&self, db: &Db, clock: &Clock, payload: &serde_json::Value) -> Result<(), String>;
}

/// A [`RunJob`] for `J`, seen by the runner as a [`JobHandler`]: decodes the payload first.
struct Typed<J, R> {
    run: R,
    job: PhantomData<fn() -> J>,
}

impl<J: Job, R: RunJob<J>> JobHandler for Typed<J, R> {
    fn run(&self, db: &Db, clock: &Clock, payload: &serde_json::Value) -> Result<(), String> {
        let job = J::deserialize(payload).map_err(|e| format!("unreadable payload: {e}"))?;
        self.run.run(db, clock, job)
    }
}

/// The handlers of a runner, by job kind.
#[derive(Clone, Default)]
pub struct Handlers(HashMap<String, Arc<dyn JobHandler>>);

impl Handlers {
    pub fn new() -> Self {
        Handlers::default()
    }

    /// Jobs of kind `J` are run by `run` (`Handlers::new().register::<RefundPayment>(..)`).
    pub fn register<J: Job>(mut self, run: impl RunJob<J> + 'static) -> Self {
        let typed = Typed {
            run,
            job: PhantomData::<fn() -> J>,
        };
        self.0.insert(J::KIND.to_owned(), Arc::new(typed));
        self
    }

    fn get(&self, kind: &str) -> Option<&Arc<dyn JobHandler>> {
        self.0.get(kind)
    }
}

/// Untyped handlers by kind (tests).
impl From<HashMap<String, Arc<dyn JobHandler>>> for Handlers {
    fn from(handlers: HashMap<String, Arc<dyn JobHandler>>) -> Self {
        Handlers(handlers)
    }
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
    handlers: Arc<Handlers>,
    kinds: queries::KindFilter,
}

impl Runner {
    pub fn new(db: Db, clock: Clock, handlers: impl Into<Handlers>) -> Self {
        Runner {
            db,
            clock,
            handlers: Arc::new(handlers.into()),
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
        let counted = match &turn {
            Turn::Done { .. } => Some(metrics::Job::Run),
            Turn::Retrying { .. } => Some(metrics::Job::Retried),
            Turn::Dead { .. } => Some(metrics::Job::Dead),
            Turn::Idle | Turn::LostClaim { .. } => None,
        };
        if let Some(outcome) = counted {
            self.db.metrics().job(outcome);
        }
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
