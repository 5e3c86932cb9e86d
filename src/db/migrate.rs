//! The embedded migrations of both backends, applied at start-up (and by `boxoffice migrate`).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connection::PG_LOCK_TIMEOUT;
use super::error::one_line;
use super::{ConnectError, DbConnection, backend};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies the embedded migrations of the connection's backend. On PostgreSQL an advisory lock
/// keeps several instances starting at once from migrating together.
pub fn run_migrations(conn: &mut DbConnection) -> Result<(), ConnectError> {
    backend::per_backend(conn, migrate_postgres, migrate_sqlite)
}

fn fail(e: &dyn std::fmt::Display) -> ConnectError {
    ConnectError::Migrate(one_line(&e.to_string()))
}

fn migrate_postgres(c: &mut PgConnection) -> Result<(), ConnectError> {
    const MIGRATION_LOCK: i64 = 0x626f_786f_6666; // "boxoff"
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

fn migrate_sqlite(c: &mut SqliteConnection) -> Result<(), ConnectError> {
    c.run_pending_migrations(SQLITE_MIGRATIONS)
        .map(|_| ())
        .map_err(|e| fail(&e))
}
