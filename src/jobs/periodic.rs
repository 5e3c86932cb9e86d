//! Work done on a timer rather than from a queue (the hold sweeper, token purges, payment
//! reconciliation): a name, a period and a function. The worker's periodic lane runs them.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::db::{Db, DbError};

type TaskFn = dyn Fn(&Db, &Clock) -> Result<usize, DbError> + Send + Sync;

/// Work done on a timer rather than from a queue. Must be idempotent: every instance runs it.
#[derive(Clone)]
pub struct PeriodicTask {
    pub name: &'static str,
    pub every: Duration,
    run: Arc<TaskFn>,
}

impl PeriodicTask {
    pub fn new(
        name: &'static str,
        every: Duration,
        run: impl Fn(&Db, &Clock) -> Result<usize, DbError> + Send + Sync + 'static,
    ) -> Self {
        PeriodicTask {
            name,
            every,
            run: Arc::new(run),
        }
    }

    /// Runs the task once; answers how many rows it affected.
    pub fn run(&self, db: &Db, clock: &Clock) -> Result<usize, DbError> {
        (self.run)(db, clock)
    }
}
