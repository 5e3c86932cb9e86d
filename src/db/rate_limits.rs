//! The abuse limits every instance of a deployment shares on PostgreSQL (issue 19,
//! `web::rate_limit`): one row per limited key in the UNLOGGED `rate_limits` table, holding the
//! key's theoretical arrival time (TAT). Each check or count is one autocommit statement; the
//! time is always the app's clock, passed in, never the database's `now()`.
//!
//! - A GCRA limit of `burst` at once, then one every `per` ([`check`]): a request is allowed
//!   when `max(tat, now) + per <= now + burst·per`, and then moves the TAT there.
//! - A leaky bucket that gains one per failure and leaks one every `leak` ([`add`], [`tat`]):
//!   its level is `max(0, tat - now) / leak`.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, Timestamp};

#[derive(QueryableByName)]
struct Tat {
    #[diesel(sql_type = Timestamp)]
    tat: NaiveDateTime,
}

#[derive(QueryableByName)]
struct Checked {
    #[diesel(sql_type = Bool)]
    allowed: bool,
    #[diesel(sql_type = Timestamp)]
    tat: NaiveDateTime,
}

fn micros(d: TimeDelta) -> i64 {
    d.num_microseconds().unwrap_or(i64::MAX).max(1)
}

/// One request against the limit `key` (`burst` at once, then one every `per`): `Ok` when it
/// is allowed (and counted), otherwise how long until the next one will be.
pub fn check(
    conn: &mut PgConnection,
    key: &str,
    burst: u32,
    per: TimeDelta,
    now: NaiveDateTime,
) -> QueryResult<Result<(), TimeDelta>> {
    // The upsert moves the TAT only when the request fits; when it does not, the outer select
    // reads the row as the statement found it (its snapshot), which is the TAT that refused.
    let rows: Vec<Checked> = diesel::sql_query(
        "WITH counted AS ( \
           INSERT INTO rate_limits AS r (key, tat) \
           VALUES ($1, $2 + $3 * interval '1 microsecond') \
           ON CONFLICT (key) DO UPDATE SET tat = GREATEST(r.tat, $2) + $3 * interval '1 microsecond' \
           WHERE GREATEST(r.tat, $2) + $3 * interval '1 microsecond' \
                 <= $2 + $4 * $3 * interval '1 microsecond' \
           RETURNING tat) \
         SELECT true AS allowed, tat FROM counted \
         UNION ALL \
         SELECT false AS allowed, tat FROM rate_limits \
         WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM counted)",
    )
    .bind::<Text, _>(key)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(micros(per))
    .bind::<BigInt, _>(i64::from(burst.max(1)))
    .load(conn)?;
    Ok(match rows.first() {
        Some(row) if row.allowed => Ok(()),
        // The next request fits once `tat + per <= then + burst·per`.
        Some(row) => Err(row.tat - now - per * (burst.max(1) as i32 - 1)),
        // Refused on a row another instance inserted after this statement's snapshot: it was
        // just counted there, so the key is at its limit for about one period.
        None => Err(per),
    })
}

/// The TAT of `key`, if it has one.
pub fn tat(conn: &mut PgConnection, key: &str) -> QueryResult<Option<NaiveDateTime>> {
    diesel::sql_query("SELECT tat FROM rate_limits WHERE key = $1")
        .bind::<Text, _>(key)
        .get_result::<Tat>(conn)
        .optional()
        .map(|t| t.map(|t| t.tat))
}

/// One more in the leaky bucket `key` that leaks one every `leak`: its new TAT.
pub fn add(
    conn: &mut PgConnection,
    key: &str,
    leak: TimeDelta,
    now: NaiveDateTime,
) -> QueryResult<NaiveDateTime> {
    diesel::sql_query(
        "INSERT INTO rate_limits AS r (key, tat) VALUES ($1, $2 + $3 * interval '1 microsecond') \
         ON CONFLICT (key) DO UPDATE SET tat = GREATEST(r.tat, $2) + $3 * interval '1 microsecond' \
         RETURNING tat",
    )
    .bind::<Text, _>(key)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(micros(leak))
    .get_result::<Tat>(conn)
    .map(|t| t.tat)
}

/// Forgets the keys whose time has passed (they limit nothing any more): how many.
pub fn purge(conn: &mut PgConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM rate_limits WHERE tat < $1")
        .bind::<Timestamp, _>(now)
        .execute(conn)
}

/// Forgets the keys in `keys`, and those that start with `prefix` and end with `suffix` (a
/// deleted account's email address, however it was combined): how many.
pub fn forget(
    conn: &mut PgConnection,
    keys: &[String],
    prefix: &str,
    suffix: &str,
) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM rate_limits WHERE key = ANY($1) \
         OR (left(key, length($2)) = $2 AND right(key, length($3)) = $3)",
    )
    .bind::<diesel::sql_types::Array<Text>, _>(keys)
    .bind::<Text, _>(prefix)
    .bind::<Text, _>(suffix)
    .execute(conn)
}
