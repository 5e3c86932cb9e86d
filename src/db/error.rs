//! What can go wrong reaching the database: a query or pool failure in use ([`DbError`], told
//! apart as outage or the app's own error), and a failure to connect or migrate at start-up.

use diesel::r2d2;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// The database is known to be down (the circuit breaker of [`super::health`] is open).
    #[error("the database is unavailable")]
    Down,
}

impl DbError {
    /// Every connection is in use (as opposed to: none can be made).
    pub fn is_pool_busy(&self) -> bool {
        matches!(self, DbError::Pool(e) if e.to_string() == "timed out waiting for connection")
    }

    /// The database cannot serve now: it went away under a query (a restart, a crash, a
    /// shutdown) or has no room to write. Worth trying again shortly (503), not an error of
    /// the app's (500). PostgreSQL reports most of these through libpq as messages, not as a
    /// distinct error kind; SQLite's full disk is SQLITE_FULL.
    pub fn is_outage(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        const OUTAGE: [&str; 11] = [
            "server closed the connection unexpectedly",
            "terminating connection due to administrator command",
            "terminating connection due to crash of another server process",
            "the database system is shutting down",
            "the database system is starting up",
            "the database system is in recovery mode",
            "no connection to the server",
            "could not receive data from server",
            "could not send data to server",
            "database or disk is full",
            "No space left on device",
        ];
        match self {
            DbError::Pool(_) | DbError::Down => true,
            DbError::Query(Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)) => true,
            DbError::Query(Error::DatabaseError(_, info)) => {
                OUTAGE.iter().any(|m| info.message().contains(m))
            }
            DbError::Query(_) => false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
}

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether an error is a unique-constraint violation (a double booking the database refused).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error};

    use super::DbError;

    fn failed(kind: DatabaseErrorKind, message: &str) -> DbError {
        DbError::Query(Error::DatabaseError(kind, Box::new(message.to_owned())))
    }

    #[test]
    fn outages_are_told_apart_from_the_apps_own_errors() {
        for outage in [
            failed(DatabaseErrorKind::ClosedConnection, "closed"),
            failed(
                DatabaseErrorKind::Unknown,
                "server closed the connection unexpectedly\n\tThis probably means…",
            ),
            failed(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            failed(DatabaseErrorKind::Unknown, "database or disk is full"),
            failed(
                DatabaseErrorKind::Unknown,
                "could not extend file \"base/1/2\": No space left on device",
            ),
            DbError::Down,
        ] {
            assert!(outage.is_outage(), "{outage:?}");
        }
        for own in [
            failed(DatabaseErrorKind::UniqueViolation, "duplicate key value"),
            failed(DatabaseErrorKind::Unknown, "no such table: nothing"),
            failed(DatabaseErrorKind::CheckViolation, "booking has ended"),
            DbError::Query(Error::NotFound),
        ] {
            assert!(!own.is_outage(), "{own:?}");
        }
    }
}
