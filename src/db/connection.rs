//! The one connection type over PostgreSQL and SQLite (ARCHITECTURE §3): opening a connection
//! with its per-backend settings, the r2d2 manager, and the transaction steps that differ per
//! backend. With `backend.rs`, the only place that names a backend.

use std::num::NonZeroU32;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};

use crate::config::DatabaseUrl;

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

impl Backend {
    /// PostgreSQL: writers run side by side, and what must not interleave takes row locks
    /// (`FOR UPDATE` and friends, see `db::lock_order`).
    pub fn takes_row_locks(self) -> bool {
        matches!(self, Backend::Postgres)
    }

    /// SQLite: one writer at a time (`BEGIN IMMEDIATE` under the process's writer lock); the
    /// whole database is the lock, so there are no row locks to take.
    pub fn has_one_writer(self) -> bool {
        !self.takes_row_locks()
    }
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Postgres(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// How deep in transactions (and savepoints) the connection is; `None` outside any.
    pub(super) fn transaction_depth(&mut self) -> QueryResult<Option<NonZeroU32>> {
        match self {
            DbConnection::Postgres(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
            DbConnection::Sqlite(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
        }
    }

    /// Begins a write transaction as ARCHITECTURE §3 wants it: READ COMMITTED on PostgreSQL
    /// (the connection's lock_timeout, set when it was opened, applies); `BEGIN IMMEDIATE` on
    /// SQLite (a deferred one fails with "database is locked" under concurrency).
    ///
    /// On PostgreSQL the transaction runs no parallel plans, set in the same round trip: a
    /// write transaction reads a few rows by key, and a generic prepared plan whose estimates
    /// are off (no statistics yet, a bloated table) otherwise starts workers on every hold
    /// (issue 18, 5b: the basket's lines, `db::bookings::items_of`, took 17-24 ms under a
    /// Gather instead of 0.26 ms, measured with `plan_cache_mode = force_generic_plan`).
    pub(super) fn begin_write(&mut self) -> QueryResult<()> {
        match self {
            DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction_sql(
                c,
                "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL max_parallel_workers_per_gather = 0",
            ),
            DbConnection::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
            }
        }
    }

    pub(super) fn commit(&mut self) -> QueryResult<()> {
        match self {
            DbConnection::Postgres(c) => AnsiTransactionManager::commit_transaction(c),
            DbConnection::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
        }
    }

    pub(super) fn rollback(&mut self) -> QueryResult<()> {
        match self {
            DbConnection::Postgres(c) => AnsiTransactionManager::rollback_transaction(c),
            DbConnection::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
        }
    }
}

/// How long a SQLite connection waits for the write lock, and a PostgreSQL hold waits for a row.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;
pub(super) const PG_LOCK_TIMEOUT: &str = "5s";

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
    pub(super) url: DatabaseUrl,
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
        !matches!(conn.transaction_depth(), Ok(None))
    }
}
