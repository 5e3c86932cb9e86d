//! The pool and what every caller needs to use it correctly: checkout with the circuit breaker
//! of [`super::health`], single reads, write transactions (one writer at a time on SQLite), and
//! the test-only hooks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2;

use super::connection::{Backend, DbConnection, Manager, establish};
use super::error::{ConnectError, DbError, one_line};
use super::{health, run_migrations, write_transaction};
use crate::config::DatabaseUrl;

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

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
    /// The application's metrics (issue 21), made with the pool: one per application, and
    /// within reach of every use case and worker lane, which all carry the pool.
    metrics: Arc<crate::metrics::Metrics>,
    /// Test-only: holds skip their locks and guards (see `services::holds`). Not in release
    /// builds: only the test suite enables the `test-hooks` feature.
    #[cfg(feature = "test-hooks")]
    unlocked_for_tests: Arc<std::sync::atomic::AtomicBool>,
    /// Test-only: the simulated gateway on this database refuses refunds, as a provider does
    /// during an outage (see `gateway::Gateway::refund`).
    #[cfg(feature = "test-hooks")]
    refunds_down_for_tests: Arc<std::sync::atomic::AtomicBool>,
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
            metrics: Arc::default(),
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

    /// The application's metrics (`crate::metrics`).
    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        &self.metrics
    }

    /// The pool's connections: `(in use, idle)`.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (
            state.connections.saturating_sub(state.idle_connections),
            state.idle_connections,
        )
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
        let _writer = self
            .backend
            .has_one_writer()
            .then(|| self.sqlite_writer.lock().unwrap_or_else(|p| p.into_inner()));
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
