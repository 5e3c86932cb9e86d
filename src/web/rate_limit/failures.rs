//! Sign-in failures counted per address and per account: the slowdown and the refusal.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::RetryAfter;

/// Failures on one account from unknown devices past which each further attempt from an
/// unknown device is slowed down.
pub const SLOWDOWN_AFTER: u32 = 10;
/// Failures past which unknown devices are refused and offered an emailed sign-in link.
pub const REFUSE_AFTER: u32 = 100;
/// The failure bucket leaks one failure this often.
pub(super) const FAILURE_LEAK: Duration = Duration::from_secs(60);

/// Failed logins from one address on one account past which that address waits.
pub(super) const PER_ADDRESS_FAILURES: u32 = 10;
/// …and one of its failures is forgotten this often.
pub(super) const PER_ADDRESS_LEAK: Duration = Duration::from_secs(90);

/// Recent failed logins per key: a leaky bucket (one failure leaks out every `leak`), counted
/// only after the password was checked, so the owner's successful sign-ins never count. These
/// are this process's buckets; on PostgreSQL the deployment's are in the shared table (keys
/// prefixed with `name`), and these count only while it cannot be reached.
pub(super) struct FailureBuckets {
    pub(super) name: &'static str,
    pub(super) leak: Duration,
    buckets: Mutex<HashMap<String, (f64, Duration)>>,
}

impl FailureBuckets {
    pub(super) fn new(name: &'static str, leak: Duration) -> Self {
        FailureBuckets {
            name,
            leak,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn level_at(&self, level: f64, since: Duration, now: Duration) -> f64 {
        let leaked = now.saturating_sub(since).as_secs_f64() / self.leak.as_secs_f64();
        (level - leaked).max(0.0)
    }

    pub(super) fn level(&self, key: &str, now: Duration) -> f64 {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets
            .get(key)
            .map_or(0.0, |(level, since)| self.level_at(*level, *since, now))
    }

    /// How long until a bucket holding `level` failures is below `limit` again (`None`: it is).
    pub(super) fn wait_below(&self, level: f64, limit: u32) -> Option<RetryAfter> {
        let over = level - f64::from(limit) + 1.0;
        (over > 0.0).then(|| RetryAfter((over * self.leak.as_secs_f64()).ceil().max(1.0) as u64))
    }

    /// Forgets the buckets whose key `matches`.
    pub(super) fn forget(&self, matches: impl Fn(&str) -> bool) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets.retain(|key, _| !matches(key));
    }

    pub(super) fn add(&self, key: &str, now: Duration) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 50_000 {
            buckets.retain(|_, (level, since)| self.level_at(*level, *since, now) > 0.0);
        }
        let (level, since) = buckets.get(key).copied().unwrap_or((0.0, now));
        let level = self.level_at(level, since, now) + 1.0;
        buckets.insert(key.to_owned(), (level, now));
    }
}

/// Why a login attempt is not even looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefused {
    /// This address (or this device) tried too often: wait.
    Throttled(RetryAfter),
    /// The account is being guessed at from many places: unknown devices are refused until it
    /// calms down, and may ask for an emailed sign-in link meanwhile.
    Locked(RetryAfter),
}

impl LoginRefused {
    pub fn retry_after(self) -> RetryAfter {
        match self {
            LoginRefused::Throttled(wait) | LoginRefused::Locked(wait) => wait,
        }
    }
}
