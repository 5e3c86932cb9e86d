//! Configuration from the environment (ARCHITECTURE §9), parsed in one place.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use url::Url;

/// Which database `DATABASE_URL` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database file (its folder is created on start-up).
    Sqlite(PathBuf),
    /// A PostgreSQL connection string, passed to libpq as given.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            // `sqlite://data/x.db` (relative), `sqlite:///abs/x.db` (absolute), `sqlite:x.db`.
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(ConfigError::invalid(
                    "DATABASE_URL",
                    "the sqlite URL names no file",
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        Err(ConfigError::invalid(
            "DATABASE_URL",
            "expected sqlite://PATH or postgres://USER@HOST/DB",
        ))
    }

    /// The URL with any password replaced, safe for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(raw) => match Url::parse(raw) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        let _ = url.set_password(Some("***"));
                    }
                    url.to_string()
                }
                Err(_) => "postgres://(unparseable)".to_owned(),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// SMTP settings, parsed from `BOXOFFICE_SMTP_URL` (see `mail::Mailer`).
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(pub Url);

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SmtpUrl({}://{}:…)",
            self.0.scheme(),
            self.0.host_str().unwrap_or("")
        )
    }
}

#[derive(Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub bind: String,
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
    /// The longest pause (ms) before a login attempt from an unknown browser on an account
    /// that is getting many wrong passwords (`BOXOFFICE_LOGIN_SLOWDOWN_MS`, default 2000; 0
    /// turns the pause off). See `web::rate_limit`.
    pub login_slowdown_ms: u32,
}

impl std::fmt::Debug for Settings {
    /// Never prints the secret key or the admin password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &self.database_url.redacted())
            .field("bind", &self.bind)
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

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Reads settings from a map of variables (tests pass their own).
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());

        let database_url = DatabaseUrl::parse(get("DATABASE_URL").unwrap_or(DEFAULT_DATABASE_URL))?;
        let bind = get("BOXOFFICE_BIND").unwrap_or(DEFAULT_BIND).to_owned();
        if bind.parse::<SocketAddr>().is_err() && !bind.contains(':') {
            return Err(ConfigError::invalid("BOXOFFICE_BIND", "expected HOST:PORT"));
        }
        let base_url = match get("BOXOFFICE_BASE_URL") {
            Some(raw) => Url::parse(raw)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or_else(|| {
                    ConfigError::invalid("BOXOFFICE_BASE_URL", "expected an http(s) URL")
                })?,
            None => Url::parse(&format!("http://{bind}"))
                .map_err(|_| ConfigError::invalid("BOXOFFICE_BIND", "expected HOST:PORT"))?,
        };
        let secret_key = match get("BOXOFFICE_SECRET_KEY") {
            Some(key) if key.len() < 64 => {
                return Err(ConfigError::invalid(
                    "BOXOFFICE_SECRET_KEY",
                    "must be at least 64 bytes",
                ));
            }
            Some(key) => Some(key.as_bytes().to_vec()),
            None => None,
        };
        let smtp_url = match get("BOXOFFICE_SMTP_URL") {
            Some(raw) => Some(SmtpUrl(
                Url::parse(raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "smtp" | "smtps") && u.host().is_some())
                    .ok_or_else(|| {
                        ConfigError::invalid(
                            "BOXOFFICE_SMTP_URL",
                            "expected smtp://[user:pass@]host[:port] or smtps://…",
                        )
                    })?,
            )),
            None => None,
        };
        let mail_dir = get("BOXOFFICE_MAIL_DIR").map(PathBuf::from);
        let mail_from = get("BOXOFFICE_MAIL_FROM").map(str::to_owned);
        let hold_seconds = parse_number(
            get("BOXOFFICE_HOLD_SECONDS"),
            "BOXOFFICE_HOLD_SECONDS",
            900,
            30..=86_400,
        )?;
        let holds_per_minute = parse_number(
            get("BOXOFFICE_HOLDS_PER_MINUTE"),
            "BOXOFFICE_HOLDS_PER_MINUTE",
            60,
            0..=100_000,
        )?;
        let unverified_hold_limit = parse_number(
            get("BOXOFFICE_UNVERIFIED_HOLD_LIMIT"),
            "BOXOFFICE_UNVERIFIED_HOLD_LIMIT",
            4,
            0..=10_000,
        )?;
        let rehold_cooldown_seconds = parse_number(
            get("BOXOFFICE_REHOLD_COOLDOWN_SECONDS"),
            "BOXOFFICE_REHOLD_COOLDOWN_SECONDS",
            120,
            0..=86_400,
        )?;
        let gateway_webhook_url = match get("BOXOFFICE_GATEWAY_WEBHOOK_URL") {
            Some(raw) => Url::parse(raw)
                .ok()
                .filter(|u| u.scheme() == "http" && u.host().is_some())
                .ok_or_else(|| {
                    ConfigError::invalid(
                        "BOXOFFICE_GATEWAY_WEBHOOK_URL",
                        "expected an http:// URL (the simulated gateway posts over plain HTTP)",
                    )
                })?,
            // The app's own listener, straight (not through a proxy the base URL may name).
            None => Url::parse(&format!(
                "http://{}/api/v1/webhooks/gateway",
                bind.replace("0.0.0.0:", "127.0.0.1:")
                    .replace("[::]:", "[::1]:")
            ))
            .map_err(|_| ConfigError::invalid("BOXOFFICE_BIND", "expected HOST:PORT"))?,
        };
        let admin_email = get("BOXOFFICE_ADMIN_EMAIL").map(str::to_owned);
        let admin_password = get("BOXOFFICE_ADMIN_PASSWORD").map(str::to_owned);
        if admin_email.is_some() != admin_password.is_some() {
            return Err(ConfigError::invalid(
                "BOXOFFICE_ADMIN_EMAIL",
                "set BOXOFFICE_ADMIN_EMAIL and BOXOFFICE_ADMIN_PASSWORD together",
            ));
        }
        let demo_data = parse_bool(get("BOXOFFICE_DEMO_DATA"), "BOXOFFICE_DEMO_DATA", true)?;
        let worker = parse_bool(get("BOXOFFICE_WORKER"), "BOXOFFICE_WORKER", true)?;
        let bcrypt_cost = parse_number(
            get("BOXOFFICE_BCRYPT_COST"),
            "BOXOFFICE_BCRYPT_COST",
            12,
            4..=31,
        )?;
        let log_format = match get("BOXOFFICE_LOG_FORMAT") {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(_) => {
                return Err(ConfigError::invalid(
                    "BOXOFFICE_LOG_FORMAT",
                    "expected pretty or json",
                ));
            }
        };
        let pool_size = parse_number(
            get("BOXOFFICE_DB_POOL_SIZE"),
            "BOXOFFICE_DB_POOL_SIZE",
            10,
            1..=200,
        )?;
        let payment_workers = parse_number(
            get("BOXOFFICE_PAYMENT_WORKERS"),
            "BOXOFFICE_PAYMENT_WORKERS",
            2,
            1..=64,
        )?;
        let job_workers = parse_number(
            get("BOXOFFICE_JOB_WORKERS"),
            "BOXOFFICE_JOB_WORKERS",
            1,
            1..=64,
        )?;
        let email_workers = parse_number(
            get("BOXOFFICE_EMAIL_WORKERS"),
            "BOXOFFICE_EMAIL_WORKERS",
            2,
            1..=64,
        )?;
        let smtp_timeout_seconds = parse_number(
            get("BOXOFFICE_SMTP_TIMEOUT_SECONDS"),
            "BOXOFFICE_SMTP_TIMEOUT_SECONDS",
            30,
            // Under the email lease (two minutes), so no other sender takes a message over.
            1..=100,
        )?;
        let db_checkout_ms = parse_number(
            get("BOXOFFICE_DB_CHECKOUT_MS"),
            "BOXOFFICE_DB_CHECKOUT_MS",
            5_000,
            50..=60_000,
        )?;
        let live_streams_per_client = parse_number(
            get("BOXOFFICE_LIVE_STREAMS_PER_CLIENT"),
            "BOXOFFICE_LIVE_STREAMS_PER_CLIENT",
            20,
            1..=100_000,
        )?;
        let live_streams_total = parse_number(
            get("BOXOFFICE_LIVE_STREAMS_TOTAL"),
            "BOXOFFICE_LIVE_STREAMS_TOTAL",
            default_live_streams_total(),
            1..=1_000_000,
        )?;
        let login_slowdown_ms = parse_number(
            get("BOXOFFICE_LOGIN_SLOWDOWN_MS"),
            "BOXOFFICE_LOGIN_SLOWDOWN_MS",
            2_000,
            0..=10_000,
        )?;
        let data_dir = match &database_url {
            DatabaseUrl::Sqlite(path) => path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".")),
            DatabaseUrl::Postgres(_) => PathBuf::from("data"),
        };

        // Beside the database by default: `data/mail` for the default SQLite file.
        let mail_dir = mail_dir.unwrap_or_else(|| data_dir.join("mail"));

        Ok(Settings {
            database_url,
            bind,
            base_url,
            secret_key,
            smtp_url,
            mail_dir,
            mail_from,
            hold_seconds,
            holds_per_minute,
            unverified_hold_limit,
            rehold_cooldown_seconds,
            gateway_webhook_url,
            admin_email,
            admin_password,
            demo_data,
            bcrypt_cost,
            log_format,
            data_dir,
            pool_size,
            worker,
            payment_workers,
            job_workers,
            email_workers,
            smtp_timeout_seconds,
            db_checkout_ms,
            live_streams_per_client,
            live_streams_total,
            login_slowdown_ms,
        })
    }
}

/// 4000 live streams, or half the process's open-file limit (`/proc/self/limits`) if that is
/// lower: the other half is for the database pool, SMTP, files and ordinary requests.
fn default_live_streams_total() -> u32 {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|n| n.parse::<u64>().ok());
    match soft {
        Some(n) => u32::try_from((n / 2).clamp(16, 4_000)).unwrap_or(4_000),
        None => 4_000,
    }
}

fn parse_number(
    raw: Option<&str>,
    variable: &'static str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ConfigError> {
    let Some(raw) = raw else { return Ok(default) };
    raw.parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            ConfigError::invalid(
                variable,
                format!(
                    "expected a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

fn parse_bool(
    raw: Option<&str>,
    variable: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match raw.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(_) => Err(ConfigError::invalid(variable, "expected true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_no_variables() {
        let s = Settings::from_vars(&HashMap::new()).unwrap();
        assert_eq!(
            s.database_url,
            DatabaseUrl::Sqlite("data/boxoffice.db".into())
        );
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.base_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.hold_seconds, 900);
        assert_eq!(s.holds_per_minute, 60);
        assert_eq!(s.unverified_hold_limit, 4);
        assert_eq!(s.rehold_cooldown_seconds, 120);
        assert_eq!(s.bcrypt_cost, 12);
        assert!(s.demo_data);
        assert_eq!(s.data_dir, PathBuf::from("data"));
        assert_eq!(s.log_format, LogFormat::Pretty);
    }

    #[test]
    fn database_urls_pick_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:x.db").unwrap(),
            DatabaseUrl::Sqlite("x.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@localhost/boxoffice").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://localhost/x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn redacts_database_passwords() {
        let url = DatabaseUrl::parse("postgres://bo:hunter2@db:5432/bo").unwrap();
        assert!(!url.redacted().contains("hunter2"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = Settings::from_vars(&vars(&[("BOXOFFICE_HOLD_SECONDS", "soon")])).unwrap_err();
        assert_eq!(err.variable, "BOXOFFICE_HOLD_SECONDS");
        let err = Settings::from_vars(&vars(&[("BOXOFFICE_SECRET_KEY", "short")])).unwrap_err();
        assert_eq!(err.variable, "BOXOFFICE_SECRET_KEY");
        let err = Settings::from_vars(&vars(&[("BOXOFFICE_ADMIN_EMAIL", "a@b.c")])).unwrap_err();
        assert_eq!(err.variable, "BOXOFFICE_ADMIN_EMAIL");
        let err = Settings::from_vars(&vars(&[("BOXOFFICE_SMTP_URL", "http://x")])).unwrap_err();
        assert_eq!(err.variable, "BOXOFFICE_SMTP_URL");
    }
}
