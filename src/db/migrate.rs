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

/// SQLite changes a CHECK or adds a NOT NULL foreign key only by rebuilding the table, and its
/// procedure for that (<https://sqlite.org/lang_altertable.html#otheralter>) needs foreign keys
/// off, which a transaction cannot switch: so they are off while the migrations run (each in its
/// own transaction) and every foreign key is checked before they are switched back on.
fn migrate_sqlite(c: &mut SqliteConnection) -> Result<(), ConnectError> {
    if !c
        .has_pending_migration(SQLITE_MIGRATIONS)
        .map_err(|e| fail(&e))?
    {
        return Ok(());
    }
    c.batch_execute("PRAGMA foreign_keys = OFF")
        .map_err(|e| fail(&e))?;
    let result = c
        .run_pending_migrations(SQLITE_MIGRATIONS)
        .map(|_| ())
        .map_err(|e| fail(&e))
        .and_then(|()| foreign_keys_hold(c));
    let on = c.batch_execute("PRAGMA foreign_keys = ON");
    result?;
    on.map_err(|e| fail(&e))
}

/// `PRAGMA foreign_key_check` names every row whose parent is missing; there must be none.
fn foreign_keys_hold(c: &mut SqliteConnection) -> Result<(), ConnectError> {
    #[derive(QueryableByName)]
    struct Orphan {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table: String,
    }
    let orphans = diesel::sql_query("SELECT \"table\" FROM pragma_foreign_key_check")
        .load::<Orphan>(c)
        .map_err(|e| fail(&e))?;
    match orphans.first() {
        None => Ok(()),
        Some(o) => Err(ConnectError::Migrate(format!(
            "{} rows of table {} name a missing parent after the migrations",
            orphans.len(),
            o.table
        ))),
    }
}
