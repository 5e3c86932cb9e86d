//! Configuration from the environment (ARCHITECTURE §9), parsed in one place.

mod env;
mod values;

pub use values::{DatabaseUrl, LogFormat, SmtpUrl};

use std::path::PathBuf;
use url::Url;

#[derive(Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub bind: String,
    /// Where `GET /metrics` listens (`BOXOFFICE_METRICS_BIND`, `IP:PORT`); `None` (unset): no
    /// metrics listener. Never the public port.
    pub metrics_bind: Option<String>,
    pub base_url: Url,
    /// `None`: generated once and kept in the data folder.
    pub secret_key: Option<Vec<u8>>,
    pub smtp_url: Option<SmtpUrl>,
    pub mail_dir: PathBuf,
    /// `From:` of every email; `boxoffice <no-reply@HOST>` by default (HOST from the base URL).
    pub mail_from: Option<String>,
    pub hold_seconds: u32,
    /// Hold requests one account may make per minute (a burst of as many, then one every
    /// 60/n seconds); 0 turns the limit off (load tests).
    pub holds_per_minute: u32,
    /// Tickets an account whose email address is not verified may hold at once, across all
    /// events (`BOXOFFICE_UNVERIFIED_HOLD_LIMIT`, default 4); 0 turns the limit off.
    pub unverified_hold_limit: u32,
    /// How long an account must wait before holding seats (or a standing section's places) it
    /// gave back or let run out (`BOXOFFICE_REHOLD_COOLDOWN_SECONDS`, default 120); 0 turns it
    /// off. Other buyers may take them at once.
    pub rehold_cooldown_seconds: u32,
    /// Where the simulated payment gateway posts its webhooks: this app's own endpoint by
    /// default (`BOXOFFICE_GATEWAY_WEBHOOK_URL`, plain http: the gateway is on this machine).
    pub gateway_webhook_url: Url,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub demo_data: bool,
    pub bcrypt_cost: u32,
    pub log_format: LogFormat,
    /// Where generated files (the secret key) live: the SQLite file's folder, or `data/`.
    pub data_dir: PathBuf,
    /// r2d2 pool size.
    pub pool_size: u32,
    /// Run the background worker (jobs, email, periodic tasks) in this process. Turn it off for
    /// web-only instances; tests drive the worker themselves.
    pub worker: bool,
    /// Threads of the worker's payments lane (webhooks, refunds): `BOXOFFICE_PAYMENT_WORKERS`.
    pub payment_workers: u32,
    /// Threads of the lane for the other jobs: `BOXOFFICE_JOB_WORKERS`.
    pub job_workers: u32,
    /// Threads of the email lane: `BOXOFFICE_EMAIL_WORKERS`.
    pub email_workers: u32,
    /// The longest one SMTP conversation may take, all commands together:
    /// `BOXOFFICE_SMTP_TIMEOUT_SECONDS`.
    pub smtp_timeout_seconds: u32,
    /// How long a request waits for a pooled database connection: `BOXOFFICE_DB_CHECKOUT_MS`.
    pub db_checkout_ms: u32,
    /// Live seat-map streams (`/events/{id}/live`) open at once from one client address
    /// (`BOXOFFICE_LIVE_STREAMS_PER_CLIENT`, default 20); more are refused with 429.
    pub live_streams_per_client: u32,
    /// Live streams open at once in all (`BOXOFFICE_LIVE_STREAMS_TOTAL`; default 4000, or half
    /// the process's open-file limit if that is lower); more are refused with 503.
    pub live_streams_total: u32,
    /// How long the live map gathers an event's changes before sending them as one message
    /// (`BOXOFFICE_LIVE_TICK_MS`, default 150, 10 to 1000).
    pub live_tick_ms: u32,
    /// On PostgreSQL, send live seat-map changes to every instance through `LISTEN/NOTIFY`
    /// (`BOXOFFICE_LIVE_RELAY`, default true). Only a deployment of one instance may turn it
    /// off: its changes are then numbered and sent in process, as on SQLite.
    pub live_relay: bool,
    /// How long (ms) each instance keeps the catalogue's answers (the home page, search
    /// results, event pages and their JSON) before reading them again
    /// (`BOXOFFICE_CATALOGUE_TTL_MS`, default 5000; 0 keeps nothing). A change to an event or
    /// venue forgets them at once, on every instance. See `services::catalogue::CatalogueCache`.
    pub catalogue_ttl_ms: u32,
    /// How often each instance reads its waiting rooms again for the waiting pages' polls
    /// (`BOXOFFICE_QUEUE_SNAPSHOT_MS`, default 1000; 0: only when asked, as tests do). See
    /// `services::queue::board`.
    pub queue_snapshot_ms: u32,
    /// New accounts one client address may open per hour, all at once if it likes
    /// (`BOXOFFICE_SIGNUPS_PER_ADDRESS_PER_HOUR`, default 120): generous, for crowds behind one
    /// address (a mobile carrier's NAT, a campus) on an on-sale day.
    pub signups_per_address_per_hour: u32,
    /// Sign-in attempts one client address may make per hour, all at once if it likes
    /// (`BOXOFFICE_LOGINS_PER_ADDRESS_PER_HOUR`, default 600). Guesses at one account stay
    /// strictly limited per address and per account whatever this is (`web::rate_limit`).
    pub logins_per_address_per_hour: u32,
    /// Reverse proxies (load balancers) whose `X-Forwarded-For` / `Forwarded` headers name the
    /// client (`BOXOFFICE_TRUSTED_PROXIES`: addresses or CIDR blocks, comma-separated; none by
    /// default). From any other peer those headers are ignored: anyone can write them.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The longest pause (ms) before a login attempt from an unknown browser on an account
    /// that is getting many wrong passwords (`BOXOFFICE_LOGIN_SLOWDOWN_MS`, default 2000; 0
    /// turns the pause off). See `web::rate_limit`.
    pub login_slowdown_ms: u32,
    /// Browser origins allowed to call `/api/v1` across origins (`BOXOFFICE_CORS_ORIGINS`,
    /// comma-separated; none by default, and then no CORS header is ever sent). See
    /// `web::cors`.
    pub cors_origins: Vec<String>,
}

impl std::fmt::Debug for Settings {
    /// Never prints the secret key or the admin password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &self.database_url.redacted())
            .field("bind", &self.bind)
            .field("metrics_bind", &self.metrics_bind)
            .field("base_url", &self.base_url.as_str())
            .field("smtp_url", &self.smtp_url)
            .field("mail_dir", &self.mail_dir)
            .field("hold_seconds", &self.hold_seconds)
            .field("holds_per_minute", &self.holds_per_minute)
            .field("unverified_hold_limit", &self.unverified_hold_limit)
            .field("rehold_cooldown_seconds", &self.rehold_cooldown_seconds)
            .field("gateway_webhook_url", &self.gateway_webhook_url.as_str())
            .field("demo_data", &self.demo_data)
            .field("bcrypt_cost", &self.bcrypt_cost)
            .field("log_format", &self.log_format)
            .field("worker", &self.worker)
            .field("payment_workers", &self.payment_workers)
            .field("job_workers", &self.job_workers)
            .field("email_workers", &self.email_workers)
            .field("smtp_timeout_seconds", &self.smtp_timeout_seconds)
            .field("db_checkout_ms", &self.db_checkout_ms)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("cors_origins", &self.cors_origins)
            .field("live_relay", &self.live_relay)
            .field("catalogue_ttl_ms", &self.catalogue_ttl_ms)
            .field("queue_snapshot_ms", &self.queue_snapshot_ms)
            .field(
                "signups_per_address_per_hour",
                &self.signups_per_address_per_hour,
            )
            .field(
                "logins_per_address_per_hour",
                &self.logins_per_address_per_hour,
            )
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl ConfigError {
    fn invalid(variable: &'static str, reason: impl Into<String>) -> Self {
        ConfigError {
            variable,
            reason: reason.into(),
        }
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/boxoffice.db";

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[cfg(test)]
mod tests;
