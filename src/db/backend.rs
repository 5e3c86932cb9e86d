//! Where SQLite and PostgreSQL differ, in one place (ARCHITECTURE §3, "Portability rules").
//!
//! Query files build a query once with diesel's DSL and hand it to a helper here; none of them
//! names a backend. What differs:
//! - Row locks (`FOR UPDATE`, `FOR NO KEY UPDATE`, `FOR SHARE`, `FOR KEY SHARE`) are taken on
//!   PostgreSQL only ([`load_locked`], [`first_locked`], [`lock_rows`]). SQLite has none and
//!   needs none: every write transaction there is `BEGIN IMMEDIATE` under the process's one
//!   writer (see [`super::Db::write`]), so the whole database is the lock. Which locks are taken
//!   in which order is the callers' business (see `db::lock_order`); these helpers only run the
//!   lock each caller names. [`takes_row_locks`] says which case a connection is in.
//! - Claims of the job and email queues ([`claim_one`]): `FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL, so workers of several instances each take a different row.
//! - Statements diesel types per backend only, though the SQL is the same on both (multi-row
//!   `INSERT`s, `ON CONFLICT DO NOTHING`, `UNION ALL`): [`execute`] and [`load`] run them on the
//!   inner connection.
//! - What is written per backend (schema introspection, migrations): [`per_backend`].
//!
//! Opening connections and beginning transactions differ too: see `connection.rs`.

use chrono::NaiveDateTime;
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_dsl::methods::{ExecuteDsl, LimitDsl, LoadQuery};
use diesel::sql_types::Timestamp;
use diesel::sqlite::Sqlite;

use super::DbConnection;

/// Whether this connection takes row locks (PostgreSQL) or has the database to itself while
/// it writes (SQLite's single writer).
pub fn takes_row_locks(conn: &DbConnection) -> bool {
    conn.backend().takes_row_locks()
}

/// Loads the rows of `query` with the row lock `lock` applied on PostgreSQL (one of diesel's
/// `QueryDsl::for_update`, `for_no_key_update`, `for_share`, `for_key_share`); they stay locked
/// until the transaction ends. SQLite runs the same query without a lock.
pub fn load_locked<'q, Q, L, U>(
    conn: &mut DbConnection,
    query: Q,
    lock: fn(Q) -> L,
) -> QueryResult<Vec<U>>
where
    Q: LoadQuery<'q, SqliteConnection, U>,
    L: LoadQuery<'q, PgConnection, U>,
{
    match conn {
        DbConnection::Postgres(c) => lock(query).load(c),
        DbConnection::Sqlite(c) => query.load(c),
    }
}

/// The first row of `query` (`LIMIT 1`), locked as [`load_locked`] does.
pub fn first_locked<'q, Q, L, U>(
    conn: &mut DbConnection,
    query: Q,
    lock: fn(diesel::dsl::Limit<Q>) -> L,
) -> QueryResult<Option<U>>
where
    Q: LimitDsl,
    diesel::dsl::Limit<Q>: LoadQuery<'q, SqliteConnection, U>,
    L: LoadQuery<'q, PgConnection, U>,
{
    Ok(load_locked(conn, query.limit(1), lock)?.into_iter().next())
}

/// Takes the row lock `lock` on the rows of `query` on PostgreSQL, for their lock only (the
/// rows are not needed). Nothing at all on SQLite: not even the query runs.
pub fn lock_rows<'q, Q, L, U>(
    conn: &mut DbConnection,
    query: Q,
    lock: fn(Q) -> L,
) -> QueryResult<()>
where
    Q: LoadQuery<'q, SqliteConnection, U>,
    L: LoadQuery<'q, PgConnection, U>,
{
    if takes_row_locks(conn) {
        load_locked::<Q, L, U>(conn, query, lock)?;
    }
    Ok(())
}

/// Runs a statement whose SQL is the same on both backends but which diesel types per backend
/// only (a multi-row `INSERT`, `ON CONFLICT DO NOTHING`). Answers the rows it changed.
pub fn execute<Q>(conn: &mut DbConnection, statement: Q) -> QueryResult<usize>
where
    Q: ExecuteDsl<PgConnection> + ExecuteDsl<SqliteConnection>,
{
    match conn {
        DbConnection::Postgres(c) => ExecuteDsl::execute(statement, c),
        DbConnection::Sqlite(c) => ExecuteDsl::execute(statement, c),
    }
}

/// Loads a query whose SQL is the same on both backends but which diesel types per backend
/// only (`UNION ALL`).
pub fn load<'q, Q, U>(conn: &mut DbConnection, query: Q) -> QueryResult<Vec<U>>
where
    Q: LoadQuery<'q, PgConnection, U> + LoadQuery<'q, SqliteConnection, U>,
{
    match conn {
        DbConnection::Postgres(c) => RunQueryDsl::load(query, c),
        DbConnection::Sqlite(c) => RunQueryDsl::load(query, c),
    }
}

/// Claims one row of a queue (jobs, the email outbox) with one `UPDATE … RETURNING`, binding
/// `now` and `lease_until`. `sql` writes those binds as `{now}` and `{lease_until}`, and ends
/// the sub-select that picks the row with `{skip_locked}`: `FOR UPDATE SKIP LOCKED` on
/// PostgreSQL, so concurrent workers each take a different row instead of waiting on one;
/// nothing on SQLite, whose immediate transaction already excludes every other writer.
pub fn claim_one<T>(
    conn: &mut DbConnection,
    sql: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Option<T>>
where
    T: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    let written = |now: &str, lease_until: &str, skip_locked: &str| {
        sql.replace("{now}", now)
            .replace("{lease_until}", lease_until)
            .replace("{skip_locked}", skip_locked)
    };
    match conn {
        DbConnection::Postgres(c) => {
            diesel::sql_query(written("$1", "$2", " FOR UPDATE SKIP LOCKED"))
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(lease_until)
                .get_result(c)
                .optional()
        }
        DbConnection::Sqlite(c) => diesel::sql_query(written("?1", "?2", ""))
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(lease_until)
            .get_result(c)
            .optional(),
    }
}

/// Runs what is written once per backend (reading the schema's catalogue, applying that
/// backend's migrations): `postgres` or `sqlite`, on the inner connection.
pub fn per_backend<T>(
    conn: &mut DbConnection,
    postgres: impl FnOnce(&mut PgConnection) -> T,
    sqlite: impl FnOnce(&mut SqliteConnection) -> T,
) -> T {
    match conn {
        DbConnection::Postgres(c) => postgres(c),
        DbConnection::Sqlite(c) => sqlite(c),
    }
}
