//! The database layer: one connection type over SQLite and PostgreSQL (ARCHITECTURE §3), the
//! pool, migrations, and the transaction helpers every write goes through. SQL lives here.

pub mod admin;
pub mod audit;
pub mod booking_admin;
pub mod bookings;
pub mod cancellation;
pub mod catalogue;
pub mod checkin;
pub mod event_admin;
pub mod health;
pub mod holds;
pub mod introspect;
pub mod jobs;
pub mod lock_order;
pub mod login_links;
pub mod models;
pub mod outbox;
pub mod payments;
pub mod schema;
pub mod seatmap;
pub mod seed;
pub mod sessions;
pub mod stats;
pub mod tokens;
pub mod user_tokens;
pub mod users;
pub mod venue_admin;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection type for both databases; queries written once with diesel's DSL run on either.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Postgres(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// How long a SQLite connection waits for the write lock, and a PostgreSQL hold waits for a row.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;
const PG_LOCK_TIMEOUT: &str = "5s";

/// Opens one connection of the kind the URL names. Errors carry the driver's own message.
pub fn establish(url: &DatabaseUrl) -> ConnectionResult<DbConnection> {
    match url {
        DatabaseUrl::Postgres(raw) => {
            let mut conn = PgConnection::establish(raw)?;
            // Every statement of this connection waits at most this long for a row lock (a
            // hold's `FOR UPDATE`); set once here rather than in every transaction.
            conn.batch_execute(&format!("SET lock_timeout = '{PG_LOCK_TIMEOUT}'"))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Postgres(conn))
        }
        DatabaseUrl::Sqlite(path) => {
            let path = path.to_str().ok_or_else(|| {
                ConnectionError::BadConnection("the SQLite path is not valid UTF-8".into())
            })?;
            let mut conn = SqliteConnection::establish(path)?;
            // In this order (ARCHITECTURE §3): wait for the lock rather than fail, then WAL.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;"
            ))
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

/// The r2d2 manager: builds the right variant itself, because `MultiConnection::establish` would
/// fall back to SQLite (and create a file named like the URL) when PostgreSQL is unreachable.
pub struct Manager {
    url: DatabaseUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        establish(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A connection returned mid-transaction (a panic inside one) is not reused.
        let status = match conn {
            DbConnection::Postgres(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
                .transaction_depth()
                .map(|d| d.is_some()),
            DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
                .transaction_depth()
                .map(|d| d.is_some()),
        };
        !matches!(status, Ok(false))
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// The database is known to be down (the circuit breaker of [`health`] is open).
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

/// The pool plus what every caller needs to use it correctly.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    /// SQLite has one writer: writes go one at a time through the process.
    sqlite_writer: Arc<Mutex<()>>,
    /// The circuit breaker and recent write outcomes.
    health: Arc<health::Health>,
    /// How long a caller waits for a pooled connection (`BOXOFFICE_DB_CHECKOUT_MS`).
    checkout: Duration,
    /// Test-only: holds skip their locks and guards (see `services::holds`). Not in release
    /// builds: only the test suite enables the `test-hooks` feature.
    #[cfg(feature = "test-hooks")]
    unlocked_for_tests: Arc<std::sync::atomic::AtomicBool>,
    /// Test-only: the simulated gateway on this database refuses refunds, as a provider does
    /// during an outage (see `gateway::Gateway::refund`).
    #[cfg(feature = "test-hooks")]
    refunds_down_for_tests: Arc<std::sync::atomic::AtomicBool>,
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

impl Db {
    /// Connects once directly (so the real connection error surfaces), then builds the pool.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Db, ConnectError> {
        if let DatabaseUrl::Sqlite(path) = url
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            crate::mail::private_dir(dir).map_err(|source| ConnectError::Folder {
                path: dir.display().to_string(),
                source,
            })?;
        }
        // The database holds password hashes and buyers' details: owner only (0600). SQLite
        // gives its -wal and -shm files the same mode.
        if let DatabaseUrl::Sqlite(path) = url
            && !path.exists()
        {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            options.open(path).map_err(|source| ConnectError::Folder {
                path: path.display().to_string(),
                source,
            })?;
        }
        let first = establish(url).map_err(|e| ConnectError::Connect {
            url: url.redacted(),
            reason: one_line(&e.to_string()),
        })?;
        let backend = first.backend();
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            // No `SELECT 1` before every use (a round trip per checkout, three per hold): a
            // connection that died fails its next statement, diesel marks it broken, and
            // `has_broken` keeps the pool from handing it out again.
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(10))
            .build(Manager { url: url.clone() })
            .map_err(|e| ConnectError::Connect {
                url: url.redacted(),
                reason: one_line(&e.to_string()),
            })?;
        Ok(Db {
            pool,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
            health: Arc::default(),
            checkout: Duration::from_secs(5),
            #[cfg(feature = "test-hooks")]
            unlocked_for_tests: Arc::default(),
            #[cfg(feature = "test-hooks")]
            refunds_down_for_tests: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The same pool, with callers waiting at most `checkout` for a connection.
    pub fn with_checkout(mut self, checkout: Duration) -> Self {
        self.checkout = checkout;
        self
    }

    /// The circuit breaker and recent write outcomes (`/readyz`).
    pub fn health(&self) -> &health::Health {
        &self.health
    }

    /// Test-only: turns the hold locking off for this database's app, so a test can prove it
    /// would see an oversell.
    #[cfg(feature = "test-hooks")]
    pub fn set_unlocked_for_tests(&self, unlocked: bool) {
        self.unlocked_for_tests
            .store(unlocked, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether holds run without their locks (always `false` outside the test suite).
    pub fn unlocked_for_tests(&self) -> bool {
        #[cfg(feature = "test-hooks")]
        {
            self.unlocked_for_tests
                .load(std::sync::atomic::Ordering::SeqCst)
        }
        #[cfg(not(feature = "test-hooks"))]
        {
            false
        }
    }

    /// Test-only: makes the simulated gateway refuse refunds (an outage) or take them again.
    #[cfg(feature = "test-hooks")]
    pub fn set_refunds_down_for_tests(&self, down: bool) {
        self.refunds_down_for_tests
            .store(down, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether the simulated gateway is refusing refunds (always `false` outside the tests).
    pub fn refunds_down_for_tests(&self) -> bool {
        #[cfg(feature = "test-hooks")]
        {
            self.refunds_down_for_tests
                .load(std::sync::atomic::Ordering::SeqCst)
        }
        #[cfg(not(feature = "test-hooks"))]
        {
            false
        }
    }

    /// A pooled connection. Fails at once while the database is known to be down (see
    /// [`health`]); otherwise waits up to the checkout time.
    pub fn conn(&self) -> Result<PooledConnection, DbError> {
        if !self.health.allow() {
            return Err(DbError::Down);
        }
        match self.pool.get_timeout(self.checkout) {
            Ok(conn) => {
                self.health.connected();
                Ok(conn)
            }
            Err(e) => {
                let e = DbError::Pool(e);
                if !e.is_pool_busy() {
                    self.health.connect_failed();
                }
                Err(e)
            }
        }
    }

    /// Runs `f` on a pooled connection, outside any transaction (single reads).
    pub fn read<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// Runs `f` in one write transaction: `BEGIN IMMEDIATE` under the process's writer lock on
    /// SQLite; READ COMMITTED with a lock timeout on PostgreSQL. Commits on `Ok`, rolls back on
    /// `Err`.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let mut conn = self.conn()?;
        let _writer = match self.backend {
            Backend::Sqlite => Some(self.sqlite_writer.lock().unwrap_or_else(|p| p.into_inner())),
            Backend::Postgres => None,
        };
        write_transaction(&mut conn, f)
    }

    /// Whether the database answers (for `/readyz`).
    pub fn ping(&self) -> bool {
        self.pool
            .get_timeout(Duration::from_secs(2))
            .is_ok_and(|mut c| c.batch_execute("SELECT 1").is_ok())
    }

    pub fn migrate(&self) -> Result<(), ConnectError> {
        let mut conn = self
            .conn()
            .map_err(|e| ConnectError::Migrate(e.to_string()))?;
        run_migrations(&mut conn)
    }
}

/// The write-transaction rule of ARCHITECTURE §3 for a connection the caller already holds.
/// Nested calls become savepoints.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    let in_transaction = match conn {
        DbConnection::Postgres(c) => depth(c),
        DbConnection::Sqlite(c) => depth(c),
    };
    if in_transaction {
        return conn
            .transaction(|c| f(c).map_err(Rollback::Inner))
            .map_err(Rollback::into_inner);
    }
    let begun = match conn {
        // The connection's lock_timeout (set when it was opened) applies.
        DbConnection::Postgres(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN ISOLATION LEVEL READ COMMITTED")
        }
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
    };
    if let Err(e) = begun {
        return Err(E::from(DbError::Query(e)));
    }
    match f(conn) {
        Ok(value) => {
            let committed = match conn {
                DbConnection::Postgres(c) => AnsiTransactionManager::commit_transaction(c),
                DbConnection::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
            };
            match committed {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = rollback(conn);
                    Err(E::from(DbError::Query(e)))
                }
            }
        }
        Err(e) => {
            let _ = rollback(conn);
            Err(e)
        }
    }
}

fn depth<C>(c: &mut C) -> bool
where
    C: Connection<TransactionManager = AnsiTransactionManager>,
{
    matches!(
        AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth(),
        Ok(Some(_))
    )
}

fn rollback(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(c) => rollback_if_open(c),
        DbConnection::Sqlite(c) => rollback_if_open(c),
    }
}

fn rollback_if_open<C>(c: &mut C) -> QueryResult<()>
where
    C: Connection<TransactionManager = AnsiTransactionManager>,
{
    if depth(c) {
        AnsiTransactionManager::rollback_transaction(c)
    } else {
        Ok(())
    }
}

/// Carries a caller's error through diesel's nested `transaction` (which wants `From<Error>`).
enum Rollback<E> {
    Inner(E),
    Diesel(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for Rollback<E> {
    fn from(e: diesel::result::Error) -> Self {
        Rollback::Diesel(e)
    }
}

impl<E: From<DbError>> Rollback<E> {
    fn into_inner(self) -> E {
        match self {
            Rollback::Inner(e) => e,
            Rollback::Diesel(e) => E::from(DbError::Query(e)),
        }
    }
}

/// Applies the embedded migrations of the connection's backend. On PostgreSQL an advisory lock
/// keeps several instances starting at once from migrating together.
pub fn run_migrations(conn: &mut DbConnection) -> Result<(), ConnectError> {
    const MIGRATION_LOCK: i64 = 0x626f_786f_6666; // "boxoff"
    let fail = |e: &dyn std::fmt::Display| ConnectError::Migrate(one_line(&e.to_string()));
    match conn {
        DbConnection::Postgres(c) => {
            // Another instance may be migrating: wait for it as long as it takes (not the
            // connection's row-lock timeout), then restore that timeout.
            c.batch_execute(&format!(
                "SET lock_timeout = 0; SELECT pg_advisory_lock({MIGRATION_LOCK})"
            ))
            .map_err(|e| fail(&e))?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ());
            let unlocked = c.batch_execute(&format!(
                "SELECT pg_advisory_unlock({MIGRATION_LOCK}); SET lock_timeout = '{PG_LOCK_TIMEOUT}'"
            ));
            result.map_err(|e| fail(&e))?;
            unlocked.map_err(|e| fail(&e))
        }
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|_| ())
            .map_err(|e| fail(&e)),
    }
}

fn one_line(s: &str) -> String {
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
