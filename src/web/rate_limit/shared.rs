//! The limits of a deployment on PostgreSQL (issue 19): every check and every counted failure
//! is one statement on the `rate_limits` table (`db::rate_limits`), so all the instances behind
//! a load balancer count together. Each call answers `None` when the database could not be
//! asked (PostgreSQL restarting, no connection free): the caller then uses its own process's
//! limiter for that check, so a limit never fails a request.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::pg::PgConnection;
use diesel::result::QueryResult;

use crate::db::{Db, DbError, backend, rate_limits};

use super::RetryAfter;

pub(super) struct Shared {
    db: Db,
    /// Whether the last statement failed: the warning is written when this changes, not at
    /// every check of an outage.
    failing: AtomicBool,
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// Whole seconds, rounded up, at least one.
pub(super) fn seconds(wait: TimeDelta) -> RetryAfter {
    let micros = wait.num_microseconds().unwrap_or(i64::MAX).max(1);
    RetryAfter(u64::try_from(micros).unwrap_or(1).div_ceil(1_000_000))
}

impl Shared {
    pub(super) fn new(db: Db) -> Self {
        Shared {
            db,
            failing: AtomicBool::new(false),
        }
    }

    /// Runs `f` on a pooled PostgreSQL connection, outside any transaction.
    fn on_postgres<T>(
        &self,
        key: &str,
        f: impl FnOnce(&mut PgConnection) -> QueryResult<T>,
    ) -> Option<T> {
        let answer = self.db.read(|c| {
            backend::per_backend(
                c,
                |pg| f(pg).map_err(DbError::Query),
                |_| {
                    Err(DbError::Query(diesel::result::Error::QueryBuilderError(
                        "the shared limits need PostgreSQL".into(),
                    )))
                },
            )
        });
        match answer {
            Ok(value) => {
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("shared rate limits answer again");
                }
                Some(value)
            }
            Err(e) => {
                if !self.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        key,
                        error = %e,
                        "shared rate limits unavailable: this instance counts on its own until \
                         the database answers again"
                    );
                }
                None
            }
        }
    }

    /// A GCRA check of `key`: `burst` at once, then one every `per`.
    pub(super) fn check(
        &self,
        key: &str,
        burst: u32,
        per: Duration,
        now: NaiveDateTime,
    ) -> Option<Result<(), RetryAfter>> {
        self.on_postgres(key, |c| rate_limits::check(c, key, burst, delta(per), now))
            .map(|answer| answer.map_err(seconds))
    }

    /// How many failures are in the bucket `key` that leaks one every `leak`.
    pub(super) fn level(&self, key: &str, leak: Duration, now: NaiveDateTime) -> Option<f64> {
        let tat = self.on_postgres(key, |c| rate_limits::tat(c, key))?;
        let ahead = tat.map_or(TimeDelta::zero(), |tat| (tat - now).max(TimeDelta::zero()));
        Some(ahead.to_std().unwrap_or_default().as_secs_f64() / leak.as_secs_f64())
    }

    /// One more failure in the bucket `key`: `None` if it could not be counted.
    pub(super) fn add(&self, key: &str, leak: Duration, now: NaiveDateTime) -> Option<()> {
        self.on_postgres(key, |c| rate_limits::add(c, key, delta(leak), now))
            .map(|_| ())
    }

    /// Deletes these keys, and those between `prefix` and `suffix` (see `rate_limits::forget`).
    pub(super) fn forget(&self, keys: &[String], prefix: &str, suffix: &str) -> Option<usize> {
        self.on_postgres(prefix, |c| rate_limits::forget(c, keys, prefix, suffix))
    }
}
