//! One limit's local (in-process) side: governor's keyed GCRA limiter on the app's clock, and
//! the check against it (the only count on SQLite, the fallback on PostgreSQL, and always the
//! count of the waiting pages' polls).

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock as _;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use super::{AppClock, RateLimits, RetryAfter};
use crate::clock::Clock;

type Limiter<K> =
    RateLimiter<K, HashMapStateStore<K>, AppClock, governor::middleware::NoOpMiddleware<Duration>>;

/// One limit: `burst` at once, then one more every `per`, kept per key. `name` prefixes its
/// keys in the shared table; `local` is this process's limiter (the only one on SQLite, the
/// fallback on PostgreSQL).
pub(super) struct Limit {
    pub(super) name: &'static str,
    pub(super) burst: u32,
    pub(super) per: Duration,
    pub(super) local: Limiter<String>,
    /// Forget the keys that are as good as new once this many are kept; after a trim, twice
    /// what is left (so a busy limiter whose keys are all recent is not trimmed on every check).
    pub(super) trim_at: std::sync::atomic::AtomicUsize,
}

/// The fewest keys a limiter keeps before trimming.
const TRIM_AT_LEAST: usize = 50_000;

/// `n` at once, then `n` an hour.
pub(super) fn per_hour(name: &'static str, n: u32, clock: &Clock) -> Limit {
    let n = n.max(1);
    limiter(name, n, Duration::from_secs(3600) / n, clock)
}

/// `burst` attempts at once, then one more every `per`.
pub(super) fn limiter(name: &'static str, burst: u32, per: Duration, clock: &Clock) -> Limit {
    Limit {
        name,
        burst: burst.max(1),
        per,
        local: local_limiter(burst, per, clock),
        trim_at: std::sync::atomic::AtomicUsize::new(TRIM_AT_LEAST),
    }
}

pub(super) fn local_limiter<K: Hash + Eq + Clone>(
    burst: u32,
    per: Duration,
    clock: &Clock,
) -> Limiter<K> {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(per)
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst);
    RateLimiter::new(quota, HashMapStateStore::default(), AppClock(clock.clone()))
}

impl RateLimits {
    /// `check` in this process's count.
    pub(super) fn check_local(&self, limit: &Limit, key: &str) -> Result<(), RetryAfter> {
        use std::sync::atomic::Ordering::Relaxed;
        let limiter = &limit.local;
        if limiter.len() > limit.trim_at.load(Relaxed) {
            limiter.retain_recent();
            limit
                .trim_at
                .store((limiter.len() * 2).max(TRIM_AT_LEAST), Relaxed);
        }
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            RetryAfter(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })
    }
}
