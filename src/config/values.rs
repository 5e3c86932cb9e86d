//! The values settings are made of: the database URL (which picks the backend), the log format,
//! the SMTP URL (kept out of logs).

use std::path::PathBuf;
use url::Url;

use super::ConfigError;

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
