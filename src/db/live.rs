//! The statements of the live relay (`services::live::relay`, issue 19) on its own PostgreSQL
//! connections: numbering changes from the `live_version` sequence, sending them with NOTIFY,
//! listening, and reading where the sequence is.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};

/// The channel every instance listens on.
pub const CHANNEL: &str = "boxoffice_live";

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    v: i64,
}

fn version(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// `n` new numbers from the sequence, in order.
pub fn numbers(conn: &mut PgConnection, n: usize) -> QueryResult<Vec<u64>> {
    let rows: Vec<Number> =
        diesel::sql_query("SELECT nextval('live_version') AS v FROM generate_series(1, $1)")
            .bind::<BigInt, _>(i64::try_from(n).unwrap_or(i64::MAX))
            .load(conn)?;
    Ok(rows.into_iter().map(|r| version(r.v)).collect())
}

/// Sends one payload numbered `number` (or the sequence's next), in one autocommit statement:
/// the number it went with.
pub fn notify(conn: &mut PgConnection, number: Option<u64>, payload: &str) -> QueryResult<u64> {
    let number = number.and_then(|n| i64::try_from(n).ok());
    diesel::sql_query(
        "WITH n AS (SELECT COALESCE($2, nextval('live_version')) AS v) \
         SELECT v, pg_notify($1, v::text || '|' || $3) FROM n",
    )
    .bind::<Text, _>(CHANNEL)
    .bind::<Nullable<BigInt>, _>(number)
    .bind::<Text, _>(payload)
    .get_result::<Number>(conn)
    .map(|n| version(n.v))
}

/// The payload that says the catalogue changed (an event or venue): every instance forgets
/// what it kept of it.
pub const CATALOGUE: &str = "catalogue";

/// Tells every instance the catalogue changed, in one autocommit statement.
pub fn notify_catalogue(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(CHANNEL)
        .bind::<Text, _>(CATALOGUE)
        .execute(conn)
        .map(|_| ())
}

/// Starts listening on [`CHANNEL`].
pub fn listen(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(conn)
        .map(|_| ())
}

/// The backend a connection talks to (0 if it cannot be asked): its notifications carry it.
pub fn backend(conn: &mut PgConnection) -> i32 {
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = Integer)]
        pid: i32,
    }
    diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .get_result::<Pid>(conn)
        .map_or(0, |p| p.pid)
}

/// The newest number the sequence handed out (0: none yet).
pub fn handed_out(conn: &mut PgConnection) -> QueryResult<u64> {
    #[derive(QueryableByName)]
    struct Sequence {
        #[diesel(sql_type = BigInt)]
        last_value: i64,
        #[diesel(sql_type = Bool)]
        is_called: bool,
    }
    let s: Sequence =
        diesel::sql_query("SELECT last_value, is_called FROM live_version").get_result(conn)?;
    Ok(if s.is_called {
        version(s.last_value)
    } else {
        0
    })
}
