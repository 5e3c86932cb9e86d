//! Abuse limits on logging in, registering, asking for emails and holding seats, per client IP
//! and per account, with governor's
//! GCRA limiter (MIT/Apache) running on the app's own clock, so tests can move time. The
//! limits live in this process: several instances each keep their own.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock as GovernorClock;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::clock::Clock;

/// governor's view of the app clock: time since the Unix epoch.
#[derive(Clone)]
pub struct AppClock(pub Clock);

impl GovernorClock for AppClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        let now = self.0.now_utc();
        Duration::from_micros(u64::try_from(now.timestamp_micros()).unwrap_or(0))
    }
}

type Limiter<K> =
    RateLimiter<K, HashMapStateStore<K>, AppClock, governor::middleware::NoOpMiddleware<Duration>>;

/// `burst` attempts at once, then one more every `per`.
fn limiter<K: Hash + Eq + Clone>(burst: u32, per: Duration, clock: &Clock) -> Limiter<K> {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(per)
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst);
    RateLimiter::new(quota, HashMapStateStore::default(), AppClock(clock.clone()))
}

pub struct RateLimits {
    clock: AppClock,
    login_per_ip: Limiter<String>,
    login_per_account: Limiter<String>,
    register_per_ip: Limiter<String>,
    reset_per_ip: Limiter<String>,
    reset_per_account: Limiter<String>,
    verify_resend_per_account: Limiter<String>,
    /// `None`: holds are not limited.
    holds_per_account: Option<Limiter<String>>,
}

/// How long to wait before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl RateLimits {
    /// `holds_per_minute`: see `Settings::holds_per_minute` (0: no limit).
    pub fn new(clock: &Clock, holds_per_minute: u32) -> Self {
        RateLimits {
            clock: AppClock(clock.clone()),
            // 20 login attempts from one address, then one every 30 s.
            login_per_ip: limiter(20, Duration::from_secs(30), clock),
            // 10 attempts on one account, then one every 90 s (a guesser gets ~40 an hour).
            login_per_account: limiter(10, Duration::from_secs(90), clock),
            // 5 new accounts from one address, then one every 10 minutes.
            register_per_ip: limiter(5, Duration::from_secs(600), clock),
            // Password-reset emails: 10 requests from one address, then one a minute…
            reset_per_ip: limiter(10, Duration::from_secs(60), clock),
            // …and 3 for one email address, then one every 15 minutes, so nobody can flood a
            // mailbox (checked whether or not the address has an account).
            reset_per_account: limiter(3, Duration::from_secs(900), clock),
            // "Send the verification link again": 3, then one every 10 minutes.
            verify_resend_per_account: limiter(3, Duration::from_secs(600), clock),
            // Seat holds: a burst of a minute's worth, then steadily that many a minute. A
            // person choosing seats never gets near it; a script hammering the map does.
            holds_per_account: (holds_per_minute > 0).then(|| {
                limiter(
                    holds_per_minute,
                    Duration::from_secs(60) / holds_per_minute,
                    clock,
                )
            }),
        }
    }

    pub fn login(&self, ip: &str, account: &str) -> Result<(), RetryAfter> {
        self.check(&self.login_per_ip, ip)?;
        self.check(&self.login_per_account, &account.trim().to_lowercase())
    }

    pub fn register(&self, ip: &str) -> Result<(), RetryAfter> {
        self.check(&self.register_per_ip, ip)
    }

    pub fn password_reset(&self, ip: &str, email: &str) -> Result<(), RetryAfter> {
        self.check(&self.reset_per_ip, ip)?;
        self.check(&self.reset_per_account, &email.trim().to_lowercase())
    }

    /// One hold request (a seat, best available or standing places) by this account.
    pub fn hold(&self, user: i64) -> Result<(), RetryAfter> {
        match &self.holds_per_account {
            Some(limiter) => self.check(limiter, &user.to_string()),
            None => Ok(()),
        }
    }

    pub fn verification_resend(&self, user: i64) -> Result<(), RetryAfter> {
        self.check(&self.verify_resend_per_account, &user.to_string())
    }

    fn check(&self, limiter: &Limiter<String>, key: &str) -> Result<(), RetryAfter> {
        if limiter.len() > 50_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            RetryAfter(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })
    }
}

/// The client's address: the connection's peer. (Behind a reverse proxy every client shares
/// the proxy's address; trusting `X-Forwarded-For` would let anyone pick their own.)
pub fn client_ip(req: &actix_web::HttpRequest) -> String {
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn an_account_is_throttled_after_its_burst_and_recovers() {
        let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
        let limits = RateLimits::new(&clock, 60);
        for i in 0..10 {
            assert!(
                limits
                    .login(&format!("10.0.0.{i}"), "ada@example.com")
                    .is_ok()
            );
        }
        let RetryAfter(wait) = limits.login("10.0.0.99", "ADA@example.com").unwrap_err();
        assert!((1..=90).contains(&wait), "{wait}");
        clock.advance(chrono::TimeDelta::seconds(wait as i64));
        assert!(limits.login("10.0.0.99", "ada@example.com").is_ok());
        // Another account is unaffected.
        assert!(limits.login("10.0.0.98", "bob@example.com").is_ok());
    }

    #[test]
    fn holds_are_limited_per_account_unless_the_limit_is_off() {
        let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
        let limits = RateLimits::new(&clock, 6);
        for _ in 0..6 {
            assert!(limits.hold(1).is_ok());
        }
        assert_eq!(
            limits.hold(1),
            Err(RetryAfter(10)),
            "one every 10 s after the burst"
        );
        assert!(limits.hold(2).is_ok(), "another account is unaffected");
        clock.advance(chrono::TimeDelta::seconds(10));
        assert!(limits.hold(1).is_ok());
        let off = RateLimits::new(&clock, 0);
        assert!((0..1_000).all(|_| off.hold(1).is_ok()));
    }
}
