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

/// The browser origins allowed to call `/api/v1` from their own pages
/// (`BOXOFFICE_CORS_ORIGINS`: comma-separated, e.g. `https://shop.example.org,
/// http://localhost:3000`), each given back as its serialized origin (`scheme://host[:port]`,
/// lowercase, the default port dropped). `*` is refused: the API never answers any origin.
pub fn parse_origins(raw: &str) -> Result<Vec<String>, ConfigError> {
    const VAR: &str = "BOXOFFICE_CORS_ORIGINS";
    let mut origins = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if item.contains('*') {
            return Err(ConfigError::invalid(
                VAR,
                "\"*\" (any origin) is not allowed: list each origin, e.g. https://shop.example.org",
            ));
        }
        let url = Url::parse(item).map_err(|_| {
            ConfigError::invalid(
                VAR,
                format!("{item:?} is not an origin like https://shop.example.org"),
            )
        })?;
        let bare = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !bare {
            return Err(ConfigError::invalid(
                VAR,
                format!(
                    "{item:?} is not an origin: a scheme (http or https), a host and an optional port, nothing after"
                ),
            ));
        }
        let origin = url.origin().ascii_serialization();
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}
