//! Reading the settings from environment variables: each one parsed, checked against its range,
//! or defaulted.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use url::Url;

use super::values::{DatabaseUrl, LogFormat, SmtpUrl};
use super::{ConfigError, DEFAULT_BIND, DEFAULT_DATABASE_URL, Settings};

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
        let metrics_bind = metrics_bind(get("BOXOFFICE_METRICS_BIND"), &bind)?;
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
        let live_relay = parse_bool(get("BOXOFFICE_LIVE_RELAY"), "BOXOFFICE_LIVE_RELAY", true)?;
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
        let live_tick_ms = parse_number(
            get("BOXOFFICE_LIVE_TICK_MS"),
            "BOXOFFICE_LIVE_TICK_MS",
            150,
            10..=1_000,
        )?;
        let catalogue_ttl_ms = parse_number(
            get("BOXOFFICE_CATALOGUE_TTL_MS"),
            "BOXOFFICE_CATALOGUE_TTL_MS",
            5_000,
            0..=600_000,
        )?;
        let queue_snapshot_ms = parse_number(
            get("BOXOFFICE_QUEUE_SNAPSHOT_MS"),
            "BOXOFFICE_QUEUE_SNAPSHOT_MS",
            1_000,
            0..=60_000,
        )?;
        let login_slowdown_ms = parse_number(
            get("BOXOFFICE_LOGIN_SLOWDOWN_MS"),
            "BOXOFFICE_LOGIN_SLOWDOWN_MS",
            2_000,
            0..=10_000,
        )?;
        let signups_per_address_per_hour = parse_number(
            get("BOXOFFICE_SIGNUPS_PER_ADDRESS_PER_HOUR"),
            "BOXOFFICE_SIGNUPS_PER_ADDRESS_PER_HOUR",
            120,
            1..=1_000_000,
        )?;
        let logins_per_address_per_hour = parse_number(
            get("BOXOFFICE_LOGINS_PER_ADDRESS_PER_HOUR"),
            "BOXOFFICE_LOGINS_PER_ADDRESS_PER_HOUR",
            600,
            1..=1_000_000,
        )?;
        let trusted_proxies = match get("BOXOFFICE_TRUSTED_PROXIES") {
            Some(raw) => raw
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    p.parse::<ipnet::IpNet>()
                        .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                        .map_err(|_| {
                            ConfigError::invalid(
                                "BOXOFFICE_TRUSTED_PROXIES",
                                "expected addresses or CIDR blocks, comma-separated (10.0.0.0/8, ::1)",
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let cors_origins = match get("BOXOFFICE_CORS_ORIGINS") {
            Some(raw) => super::values::parse_origins(raw)?,
            None => Vec::new(),
        };
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
            metrics_bind,
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
            live_tick_ms,
            login_slowdown_ms,
            trusted_proxies,
            cors_origins,
            live_relay,
            catalogue_ttl_ms,
            queue_snapshot_ms,
            signups_per_address_per_hour,
            logins_per_address_per_hour,
        })
    }
}

/// `BOXOFFICE_METRICS_BIND`: where `GET /metrics` listens, never the public address (the
/// figures are for the operator's scraper only); unset, nothing listens.
fn metrics_bind(raw: Option<&str>, public: &str) -> Result<Option<String>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    let addr = raw.parse::<SocketAddr>().map_err(|_| {
        ConfigError::invalid(
            "BOXOFFICE_METRICS_BIND",
            "expected IP:PORT (127.0.0.1:9464)",
        )
    })?;
    if addr.port() != 0
        && public
            .parse::<SocketAddr>()
            .is_ok_and(|p| p.port() == addr.port())
    {
        return Err(ConfigError::invalid(
            "BOXOFFICE_METRICS_BIND",
            "must not be the public port of BOXOFFICE_BIND",
        ));
    }
    Ok(Some(raw.to_owned()))
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
