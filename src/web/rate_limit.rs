//! Abuse limits on logging in, registering, asking for emails and holding seats, per client IP
//! and per account, with governor's
//! GCRA limiter (MIT/Apache) running on the app's own clock, so tests can move time. The
//! limits live in this process: several instances each keep their own.
//!
//! Logging in is throttled so that nobody can lock the owner out of their account:
//! - guesses are limited per client address and per (address, account), never per account
//!   alone, so failures elsewhere never refuse the owner's own address;
//! - a browser the account signed in from before (a known device, see `web::device`) skips the
//!   address limits and has its own budget instead, so it gets in even while its address is
//!   throttled;
//! - failures on an account from unknown devices fill a leaky bucket: past
//!   [`SLOWDOWN_AFTER`] each attempt from an unknown device waits a little (at most
//!   `BOXOFFICE_LOGIN_SLOWDOWN_MS`), and past [`REFUSE_AFTER`] unknown devices are sent to the
//!   emailed one-time sign-in link instead (`POST /login/link`).

use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Mutex;
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

/// Failures on one account from unknown devices past which each further attempt from an
/// unknown device is slowed down.
pub const SLOWDOWN_AFTER: u32 = 10;
/// Failures past which unknown devices are refused and offered an emailed sign-in link.
pub const REFUSE_AFTER: u32 = 100;
/// The failure bucket leaks one failure this often.
const FAILURE_LEAK: Duration = Duration::from_secs(60);

/// Failed logins from one address on one account past which that address waits.
const PER_ADDRESS_FAILURES: u32 = 10;
/// …and one of its failures is forgotten this often.
const PER_ADDRESS_LEAK: Duration = Duration::from_secs(90);

/// Recent failed logins per key: a leaky bucket (one failure leaks out every `leak`), counted
/// only after the password was checked, so the owner's successful sign-ins never count.
struct FailureBuckets {
    leak: Duration,
    buckets: Mutex<HashMap<String, (f64, Duration)>>,
}

impl FailureBuckets {
    fn new(leak: Duration) -> Self {
        FailureBuckets {
            leak,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn level_at(&self, level: f64, since: Duration, now: Duration) -> f64 {
        let leaked = now.saturating_sub(since).as_secs_f64() / self.leak.as_secs_f64();
        (level - leaked).max(0.0)
    }

    fn level(&self, key: &str, now: Duration) -> f64 {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets
            .get(key)
            .map_or(0.0, |(level, since)| self.level_at(*level, *since, now))
    }

    /// How long until the bucket is below `limit` again (zero if it is).
    fn wait_below(&self, key: &str, limit: u32, now: Duration) -> Option<RetryAfter> {
        let over = self.level(key, now) - f64::from(limit) + 1.0;
        (over > 0.0).then(|| RetryAfter((over * self.leak.as_secs_f64()).ceil().max(1.0) as u64))
    }

    fn add(&self, key: &str, now: Duration) {
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

pub struct RateLimits {
    clock: AppClock,
    login_per_ip: Limiter<String>,
    login_failures_per_ip_account: FailureBuckets,
    login_per_device: Limiter<String>,
    login_failures: FailureBuckets,
    /// The longest pause before a login attempt on an account under attack.
    login_slowdown: Duration,
    login_link_per_ip: Limiter<String>,
    login_link_per_account: Limiter<String>,
    password_check_per_account: Limiter<String>,
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
            // 10 failures on one account from one address, then one every 90 s (a guesser gets
            // ~40 an hour per address)…
            login_failures_per_ip_account: FailureBuckets::new(PER_ADDRESS_LEAK),
            // …and 10 attempts from one known device, then one every 90 s, wherever it is.
            login_per_device: limiter(10, Duration::from_secs(90), clock),
            login_failures: FailureBuckets::new(FAILURE_LEAK),
            login_slowdown: Duration::from_secs(2),
            // Emailed sign-in links: like password resets.
            login_link_per_ip: limiter(10, Duration::from_secs(60), clock),
            login_link_per_account: limiter(3, Duration::from_secs(900), clock),
            // Checks of the current password on the account pages: 5, then one a minute.
            password_check_per_account: limiter(5, Duration::from_secs(60), clock),
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

    /// The longest pause before a login attempt on an account under attack
    /// (`BOXOFFICE_LOGIN_SLOWDOWN_MS`; zero turns the pause off).
    pub fn with_login_slowdown(mut self, max: Duration) -> Self {
        self.login_slowdown = max;
        self
    }

    /// May this login attempt go ahead, and after how long a pause? `device`: the id of the
    /// known-device cookie this browser holds for `account`, if any.
    pub fn login(
        &self,
        ip: &str,
        account: &str,
        device: Option<&str>,
    ) -> Result<Duration, LoginRefused> {
        if let Some(device) = device {
            // The owner's browser: neither its address nor the attack on the account stop it.
            self.check(&self.login_per_device, device)
                .map_err(LoginRefused::Throttled)?;
            return Ok(Duration::ZERO);
        }
        let account = account.trim().to_lowercase();
        let now = self.clock.now();
        if let Some(wait) = self.login_failures.wait_below(&account, REFUSE_AFTER, now) {
            return Err(LoginRefused::Locked(wait));
        }
        if let Some(wait) = self.login_failures_per_ip_account.wait_below(
            &format!("{ip}|{account}"),
            PER_ADDRESS_FAILURES,
            now,
        ) {
            return Err(LoginRefused::Throttled(wait));
        }
        self.check(&self.login_per_ip, ip)
            .map_err(LoginRefused::Throttled)?;
        let level = self.login_failures.level(&account, now);
        Ok(slowdown(level, self.login_slowdown))
    }

    /// Records a wrong password (or unknown address) tried from an unknown device at `ip`.
    /// (A known device's attempts are counted by its own limit.)
    pub fn login_failed(&self, ip: &str, account: &str, device: Option<&str>) {
        if device.is_none() {
            let account = account.trim().to_lowercase();
            let now = self.clock.now();
            self.login_failures.add(&account, now);
            self.login_failures_per_ip_account
                .add(&format!("{ip}|{account}"), now);
        }
    }

    /// Asking for an emailed sign-in link: per address and per email address.
    pub fn login_link(&self, ip: &str, email: &str) -> Result<(), RetryAfter> {
        self.check(&self.login_link_per_ip, ip)?;
        self.check(&self.login_link_per_account, &email.trim().to_lowercase())
    }

    /// A check of the signed-in user's current password (changing the email or password).
    pub fn password_check(&self, user: i64) -> Result<(), RetryAfter> {
        self.check(&self.password_check_per_account, &user.to_string())
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

/// The pause before an attempt from an unknown device when `level` failures are in the
/// account's bucket: none up to [`SLOWDOWN_AFTER`], then a tenth of `max` more per failure,
/// up to `max`.
fn slowdown(level: f64, max: Duration) -> Duration {
    let over = level.floor() - f64::from(SLOWDOWN_AFTER) + 1.0;
    if over < 1.0 {
        return Duration::ZERO;
    }
    max.mul_f64((over / 10.0).min(1.0))
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
    fn an_address_is_throttled_on_an_account_after_its_burst_and_recovers() {
        let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
        let limits = RateLimits::new(&clock, 60);
        // Successful sign-ins do not count…
        for _ in 0..5 {
            assert!(limits.login("10.0.0.1", "ada@example.com", None).is_ok());
        }
        // …failures do.
        for _ in 0..10 {
            assert!(limits.login("10.0.0.1", "ada@example.com", None).is_ok());
            limits.login_failed("10.0.0.1", "ada@example.com", None);
        }
        let Err(LoginRefused::Throttled(RetryAfter(wait))) =
            limits.login("10.0.0.1", "ADA@example.com", None)
        else {
            panic!("the address is throttled on the account");
        };
        assert!((1..=90).contains(&wait), "{wait}");
        // Another address, and the same address on another account, are unaffected.
        assert!(limits.login("10.0.0.2", "ada@example.com", None).is_ok());
        assert!(limits.login("10.0.0.1", "bob@example.com", None).is_ok());
        clock.advance(chrono::TimeDelta::seconds(wait as i64));
        assert!(limits.login("10.0.0.1", "ada@example.com", None).is_ok());
    }

    #[test]
    fn failures_from_everywhere_never_refuse_the_owners_address_before_the_lock_threshold() {
        let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
        let limits = RateLimits::new(&clock, 60);
        for i in 0..50 {
            let ip = format!("10.0.{}.{}", i / 10, i % 10);
            assert!(limits.login(&ip, "ada@example.com", None).is_ok());
            limits.login_failed(&ip, "ada@example.com", None);
        }
        let pause = limits.login("192.168.1.1", "ada@example.com", None);
        assert_eq!(
            pause,
            Ok(Duration::from_secs(2)),
            "slowed down, not refused"
        );
        // Past the lock threshold unknown devices are refused; a known device is not.
        for i in 50..REFUSE_AFTER {
            limits.login_failed(&format!("10.1.0.{i}"), "ada@example.com", None);
        }
        assert!(matches!(
            limits.login("192.168.1.1", "ada@example.com", None),
            Err(LoginRefused::Locked(_))
        ));
        assert_eq!(
            limits.login("192.168.1.1", "ada@example.com", Some("device")),
            Ok(Duration::ZERO)
        );
        // Failures on a known device do not fill the bucket; the bucket leaks.
        limits.login_failed("192.168.1.1", "ada@example.com", Some("device"));
        clock.advance(chrono::TimeDelta::minutes(2));
        assert!(limits.login("192.168.1.1", "ada@example.com", None).is_ok());
    }

    #[test]
    fn the_pause_grows_with_failures_up_to_the_maximum() {
        let max = Duration::from_secs(2);
        assert_eq!(slowdown(0.0, max), Duration::ZERO);
        assert_eq!(
            slowdown(f64::from(SLOWDOWN_AFTER) - 0.5, max),
            Duration::ZERO
        );
        assert_eq!(slowdown(f64::from(SLOWDOWN_AFTER), max), max / 10);
        assert_eq!(slowdown(f64::from(SLOWDOWN_AFTER) + 4.0, max), max / 2);
        assert_eq!(slowdown(1_000.0, max), max);
        assert_eq!(slowdown(1_000.0, Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn a_known_device_has_its_own_budget() {
        let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
        let limits = RateLimits::new(&clock, 60);
        for i in 0..20 {
            let account = format!("x{i}@example.com");
            assert!(limits.login("10.0.0.1", &account, None).is_ok());
        }
        // The address is throttled, on every account.
        assert!(limits.login("10.0.0.1", "ada@example.com", None).is_err());
        for _ in 0..10 {
            assert!(
                limits
                    .login("10.0.0.1", "ada@example.com", Some("d1"))
                    .is_ok()
            );
        }
        assert!(matches!(
            limits.login("10.0.0.1", "ada@example.com", Some("d1")),
            Err(LoginRefused::Throttled(_))
        ));
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
