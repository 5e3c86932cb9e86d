//! Abuse limits on logging in, registering, asking for emails and holding seats, per client IP
//! and per account: GCRA limits and leaky buckets of failures, on the app's own clock, so tests
//! can move time. On PostgreSQL they are shared by every instance of the deployment through an
//! UNLOGGED table, one statement per check (`shared.rs`, `db::rate_limits`), so guesses spread
//! over several instances count together; should the database not answer, an instance falls
//! back to its own counts for that check. On SQLite (one process) they live in the process,
//! with governor's GCRA limiter (MIT/Apache). The client's address is the connection's peer,
//! or behind a trusted reverse proxy the one it forwards for (`forwarded.rs`).
//!
//! On PostgreSQL a check is a round trip: callers make it off the async workers
//! (`AppState::limit`, or inside a closure already on the blocking pool).
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

mod failures;
mod forget;
mod forwarded;
mod limit;
mod shared;

use std::time::Duration;

use governor::clock::Clock as GovernorClock;

use crate::clock::Clock;
use crate::db::Db;

use failures::{FAILURE_LEAK, FailureBuckets, PER_ADDRESS_FAILURES, PER_ADDRESS_LEAK};
pub use failures::{LoginRefused, REFUSE_AFTER, SLOWDOWN_AFTER};
use limit::{Limit, limiter, per_hour};

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

pub struct RateLimits {
    clock: AppClock,
    /// On PostgreSQL: the deployment's counts (see `shared.rs`).
    shared: Option<shared::Shared>,
    login_per_ip: Limit,
    login_failures_per_ip_account: FailureBuckets,
    login_per_device: Limit,
    login_failures: FailureBuckets,
    /// The longest pause before a login attempt on an account under attack.
    login_slowdown: Duration,
    login_link_per_ip: Limit,
    login_link_per_account: Limit,
    password_check_per_account: Limit,
    register_per_ip: Limit,
    reset_per_ip: Limit,
    reset_per_account: Limit,
    verify_resend_per_account: Limit,
    /// `None`: holds are not limited.
    holds_per_account: Option<Limit>,
    /// Joining a waiting room (issue 20): per address and per account.
    queue_join_per_ip: Limit,
    queue_join_per_account: Limit,
    /// Polls of a waiting page, per queue ticket: always this process's count (the poll
    /// path never touches the database).
    queue_poll_per_ticket: Limit,
    /// The application's metrics: refused logins count as `throttled`.
    metrics: std::sync::Arc<crate::metrics::Metrics>,
}

/// How long to wait before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl RateLimits {
    /// `holds_per_minute`: see `Settings::holds_per_minute` (0: no limit).
    pub fn new(clock: &Clock, holds_per_minute: u32) -> Self {
        RateLimits {
            clock: AppClock(clock.clone()),
            shared: None,
            metrics: std::sync::Arc::default(),
            // Login attempts from one address: see `with_address_limits` (this is the
            // default's 600 an hour).
            login_per_ip: per_hour("login_ip", 600, clock),
            // 10 failures on one account from one address, then one every 90 s (a guesser gets
            // ~40 an hour per address)…
            login_failures_per_ip_account: FailureBuckets::new(
                "login_failures_ip_account",
                PER_ADDRESS_LEAK,
            ),
            // …and 10 attempts from one known device, then one every 90 s, wherever it is.
            login_per_device: limiter("login_device", 10, Duration::from_secs(90), clock),
            login_failures: FailureBuckets::new("login_failures", FAILURE_LEAK),
            login_slowdown: Duration::from_secs(2),
            // Emailed sign-in links: like password resets.
            login_link_per_ip: limiter("login_link_ip", 10, Duration::from_secs(60), clock),
            login_link_per_account: limiter(
                "login_link_account",
                3,
                Duration::from_secs(900),
                clock,
            ),
            // Checks of the current password on the account pages: 5, then one a minute.
            password_check_per_account: limiter(
                "password_check",
                5,
                Duration::from_secs(60),
                clock,
            ),
            // New accounts from one address: see `with_address_limits`.
            register_per_ip: per_hour("register_ip", 120, clock),
            // Password-reset emails: 10 requests from one address, then one a minute…
            reset_per_ip: limiter("reset_ip", 10, Duration::from_secs(60), clock),
            // …and 3 for one email address, then one every 15 minutes, so nobody can flood a
            // mailbox (checked whether or not the address has an account).
            reset_per_account: limiter("reset_account", 3, Duration::from_secs(900), clock),
            // "Send the verification link again": 3, then one every 10 minutes.
            verify_resend_per_account: limiter("verify_resend", 3, Duration::from_secs(600), clock),
            // Seat holds: a burst of a minute's worth, then steadily that many a minute. A
            // person choosing seats never gets near it; a script hammering the map does.
            holds_per_account: (holds_per_minute > 0).then(|| {
                limiter(
                    "holds",
                    holds_per_minute,
                    Duration::from_secs(60) / holds_per_minute,
                    clock,
                )
            }),
            // Joining a waiting room: as generous per address as signing in (a campus shares
            // one), and 10 joins an account, then one every 10 s (a join is idempotent anyway).
            queue_join_per_ip: per_hour("queue_join_ip", 600, clock),
            queue_join_per_account: limiter("queue_join", 10, Duration::from_secs(10), clock),
            // A waiting page polls when the server says (2 s at the soonest); three at once
            // for a reload and a second tab, then one every 2 s.
            queue_poll_per_ticket: limiter("queue_poll", 3, Duration::from_secs(2), clock),
        }
    }

    /// How many sign-ups and sign-in attempts one client address may make an hour (all at once
    /// if it likes, then steadily): generous, because on an on-sale day a whole campus or a
    /// mobile carrier's customers can share one address. What protects an account is its own
    /// limits (failures per address and account, per account), which do not change.
    pub fn with_address_limits(mut self, signups_per_hour: u32, logins_per_hour: u32) -> Self {
        let clock = self.clock.0.clone();
        self.register_per_ip = per_hour("register_ip", signups_per_hour, &clock);
        self.login_per_ip = per_hour("login_ip", logins_per_hour, &clock);
        self
    }

    /// Counts in `db`'s `rate_limits` table, shared by every instance on that PostgreSQL
    /// database (SQLite keeps counting in process: it has no such table).
    pub fn shared_through(mut self, db: Db) -> Self {
        self.shared = Some(shared::Shared::new(db));
        self
    }

    /// Whether a check is a database round trip (to be made off the async workers).
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// The longest pause before a login attempt on an account under attack
    /// (`BOXOFFICE_LOGIN_SLOWDOWN_MS`; zero turns the pause off).
    pub fn with_login_slowdown(mut self, max: Duration) -> Self {
        self.login_slowdown = max;
        self
    }

    /// The application's metrics, where refused logins are counted (`Db::metrics`).
    pub fn with_metrics(mut self, metrics: std::sync::Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// May this login attempt go ahead, and after how long a pause? `device`: the id of the
    /// known-device cookie this browser holds for `account`, if any. A refusal is counted
    /// (`boxoffice_logins_total{outcome="throttled"}`) for the page and the API alike.
    pub fn login(
        &self,
        ip: &str,
        account: &str,
        device: Option<&str>,
    ) -> Result<Duration, LoginRefused> {
        let allowed = self.login_allowed(ip, account, device);
        if allowed.is_err() {
            self.metrics.login(crate::metrics::labels::Login::Throttled);
        }
        allowed
    }

    fn login_allowed(
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
        let level = self.failures(&self.login_failures, &account);
        if let Some(wait) = self.login_failures.wait_below(level, REFUSE_AFTER) {
            return Err(LoginRefused::Locked(wait));
        }
        let here = &self.login_failures_per_ip_account;
        if let Some(wait) = here.wait_below(
            self.failures(here, &format!("{ip}|{account}")),
            PER_ADDRESS_FAILURES,
        ) {
            return Err(LoginRefused::Throttled(wait));
        }
        self.check(&self.login_per_ip, ip)
            .map_err(LoginRefused::Throttled)?;
        Ok(slowdown(level, self.login_slowdown))
    }

    /// Records a wrong password (or unknown address) tried from an unknown device at `ip`.
    /// (A known device's attempts are counted by its own limit.)
    pub fn login_failed(&self, ip: &str, account: &str, device: Option<&str>) {
        if device.is_none() {
            let account = account.trim().to_lowercase();
            self.failed(&self.login_failures, &account);
            self.failed(
                &self.login_failures_per_ip_account,
                &format!("{ip}|{account}"),
            );
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
    /// May `user` ask for a hold now? A refusal is counted
    /// (`boxoffice_holds_total{outcome="throttled"}`), for the page and the API alike.
    pub fn hold(&self, user: i64) -> Result<(), RetryAfter> {
        let allowed = match &self.holds_per_account {
            Some(limiter) => self.check(limiter, &user.to_string()),
            None => Ok(()),
        };
        if allowed.is_err() {
            self.metrics.hold(crate::metrics::labels::Hold::Throttled);
        }
        allowed
    }

    /// Joining an event's waiting room from `ip` (and as `user`, when signed in).
    pub fn queue_join(&self, ip: &str, user: Option<i64>) -> Result<(), RetryAfter> {
        self.check(&self.queue_join_per_ip, ip)?;
        match user {
            Some(user) => self.check(&self.queue_join_per_account, &user.to_string()),
            None => Ok(()),
        }
    }

    /// One poll of a waiting page for queue ticket `ticket`: counted in this process only, so
    /// the poll path stays free of the database.
    pub fn queue_poll(&self, ticket: i64) -> Result<(), RetryAfter> {
        self.check_local(&self.queue_poll_per_ticket, &ticket.to_string())
    }

    pub fn verification_resend(&self, user: i64) -> Result<(), RetryAfter> {
        self.check(&self.verify_resend_per_account, &user.to_string())
    }

    /// One request against `limit` for `key`: the deployment's count on PostgreSQL, this
    /// process's on SQLite or when the database does not answer.
    fn check(&self, limit: &Limit, key: &str) -> Result<(), RetryAfter> {
        if let Some(shared) = &self.shared
            && let Some(answer) = shared.check(
                &shared_key(limit.name, key),
                limit.burst,
                limit.per,
                self.clock.0.now(),
            )
        {
            return answer;
        }
        self.check_local(limit, key)
    }

    /// How many failures are in `bucket` for `key` (shared or local, as [`Self::check`]).
    fn failures(&self, bucket: &FailureBuckets, key: &str) -> f64 {
        self.shared
            .as_ref()
            .and_then(|s| {
                s.level(
                    &shared_key(bucket.name, key),
                    bucket.leak,
                    self.clock.0.now(),
                )
            })
            .unwrap_or_else(|| bucket.level(key, self.clock.now()))
    }

    /// One more failure in `bucket` for `key`.
    fn failed(&self, bucket: &FailureBuckets, key: &str) {
        let shared = self.shared.as_ref().and_then(|s| {
            s.add(
                &shared_key(bucket.name, key),
                bucket.leak,
                self.clock.0.now(),
            )
        });
        if shared.is_none() {
            bucket.add(key, self.clock.now());
        }
    }
}

/// The key of `key` under the limit `name` in the shared table. Keys come from clients
/// (addresses, emails, cookies): a long one is stored as its SHA-256, so that no key is too
/// long for the table's index.
fn shared_key(name: &str, key: &str) -> String {
    use sha2::Digest;
    if key.len() <= 200 {
        return format!("{name}:{key}");
    }
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{name}:sha256:{hex}")
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

/// Counts a wrong password ([`RateLimits::login_failed`]) off the async workers.
pub async fn count_login_failure(
    state: &crate::web::state::AppState,
    ip: String,
    email: String,
    device: Option<String>,
) -> Result<(), crate::web::error::AppError> {
    (state.limit(move |l| l.login_failed(&ip, &email, device.as_deref()))).await
}

/// The client's address: the connection's peer, or, when the peer is one of the trusted
/// reverse proxies (`BOXOFFICE_TRUSTED_PROXIES`), the address it says it forwards for. From any
/// other peer `X-Forwarded-For` and `Forwarded` are ignored: anyone can write them.
pub fn client_ip(req: &actix_web::HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".to_owned();
    };
    let trusted = req
        .app_data::<actix_web::web::Data<crate::web::state::AppState>>()
        .map(|s| s.settings.trusted_proxies.as_slice())
        .unwrap_or_default();
    forwarded::client(peer, trusted, req.headers()).to_string()
}

#[cfg(test)]
mod tests;
