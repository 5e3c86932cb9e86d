//! What the app knows about its database's health: a circuit breaker, so that while the
//! database is known to be down requests answer 503 at once instead of each waiting the whole
//! pool checkout, and the last write outcome `/readyz` reports.
//!
//! Closed: checkouts go to the pool. A failed connection attempt opens it for [`COOL_DOWN`]:
//! every checkout fails fast. After that one caller at a time probes (the others still fail
//! fast) until a connection is made again, which closes it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::health_heartbeat;

/// Rewrites the heartbeat row: the smallest write that proves the database takes writes.
pub fn beat(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<()> {
    let n = diesel::update(health_heartbeat::table.filter(health_heartbeat::id.eq(1)))
        .set(health_heartbeat::beat_at.eq(now))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(health_heartbeat::table)
            .values((
                health_heartbeat::id.eq(1),
                health_heartbeat::beat_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// How long the breaker stays open after a failure before a probe is let through.
pub const COOL_DOWN: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
struct State {
    /// Set while the breaker is open: fail fast until then.
    open_until: Option<Instant>,
    /// The last write that failed for a storage reason, and the last that succeeded.
    last_write_failure: Option<Instant>,
    last_write_success: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct Health {
    state: Mutex<State>,
}

impl Health {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `false` when a checkout should fail at once. Past the cool-down, the first caller gets
    /// `true` (the probe) and pushes the next probe one cool-down further.
    pub fn allow(&self) -> bool {
        let mut state = self.state();
        match state.open_until {
            None => true,
            Some(until) if Instant::now() < until => false,
            Some(_) => {
                state.open_until = Some(Instant::now() + COOL_DOWN);
                true
            }
        }
    }

    /// Whether the breaker is open (the database is known to be down).
    pub fn is_open(&self) -> bool {
        self.state().open_until.is_some()
    }

    /// A connection could not be made: open (or keep open) the breaker.
    pub fn connect_failed(&self) {
        self.state().open_until = Some(Instant::now() + COOL_DOWN);
    }

    /// A connection was made or handed out: close the breaker.
    pub fn connected(&self) {
        self.state().open_until = None;
    }

    /// A write failed for a reason of the database's (disk full, read-only, gone).
    pub fn write_failed(&self) {
        self.state().last_write_failure = Some(Instant::now());
    }

    pub fn write_succeeded(&self) {
        self.state().last_write_success = Some(Instant::now());
    }

    /// The last write succeeded (none failed since), within `recent`.
    pub fn wrote_recently(&self, recent: Duration) -> bool {
        let state = self.state();
        match (state.last_write_success, state.last_write_failure) {
            (Some(ok), failed) => ok.elapsed() < recent && failed.is_none_or(|f| f < ok),
            (None, _) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_on_a_failure_lets_one_probe_through_later_and_closes_on_success() {
        let health = Health::default();
        assert!(health.allow() && !health.is_open());
        health.connect_failed();
        assert!(health.is_open());
        assert!(!health.allow(), "fails fast while open");
        health.state().open_until = Some(Instant::now() - Duration::from_millis(1));
        assert!(health.allow(), "one probe after the cool-down");
        assert!(!health.allow(), "and only one");
        health.connected();
        assert!(health.allow() && !health.is_open());
    }

    #[test]
    fn a_write_failure_after_the_last_success_means_not_writing() {
        let health = Health::default();
        assert!(!health.wrote_recently(Duration::from_secs(60)));
        health.write_succeeded();
        assert!(health.wrote_recently(Duration::from_secs(60)));
        std::thread::sleep(Duration::from_millis(2));
        health.write_failed();
        assert!(!health.wrote_recently(Duration::from_secs(60)));
    }
}
