//! The database layer: both schemas agree, transactions are configured as designed, and the
//! constraints refuse impossible states on their own.

use boxoffice::config::DatabaseUrl;
use boxoffice::db::{Db, DbConnection, DbError, introspect};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::helpers::{backend_name, database_url_named, postgres_url, spawn_app, spawn_app_with};

fn migrated_sqlite() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("schema.db")), 1).unwrap();
    db.migrate().unwrap();
    (dir, db)
}

#[actix_web::test]
async fn both_backends_build_the_same_schema() {
    let (_dir, sqlite) = migrated_sqlite();
    let sqlite_schema = introspect::describe(&mut sqlite.conn().unwrap()).unwrap();
    assert!(sqlite_schema.len() >= 19, "{:?}", sqlite_schema.keys());
    for table in [
        "users",
        "venues",
        "sections",
        "seats",
        "events",
        "price_tiers",
        "event_seats",
        "event_sections",
        "bookings",
        "booking_items",
        "payments",
        "refunds",
        "tickets",
        "email_outbox",
        "jobs",
        "audit_log",
        "waiting_rooms",
        "queue_tickets",
        "queue_calls",
        "queue_exclusions",
    ] {
        assert!(sqlite_schema.contains_key(table), "missing {table}");
    }
    // The waiting room's rules that indexes keep (issue 20): compared with PostgreSQL below.
    let queue_indexes: Vec<(&str, Vec<String>, bool)> = sqlite_schema["queue_tickets"]
        .indexes
        .iter()
        .map(|(name, i)| (name.as_str(), i.columns.clone(), i.unique))
        .collect();
    let cols = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert_eq!(
        queue_indexes,
        [
            (
                "queue_tickets_event_draw_key_idx",
                cols(&["event_id", "draw_key"]),
                false
            ),
            (
                "queue_tickets_event_seq_key",
                cols(&["event_id", "seq"]),
                true
            ),
            (
                "queue_tickets_event_state_seq_idx",
                cols(&["event_id", "state", "seq"]),
                false
            ),
            (
                "queue_tickets_event_user_key",
                cols(&["event_id", "user_id"]),
                true
            ),
            ("queue_tickets_user_idx", cols(&["user_id"]), false),
        ]
    );
    assert_eq!(
        sqlite_schema["waiting_rooms"].columns["allowance"].kind,
        "double"
    );
    let Some(admin_url) = postgres_url() else {
        eprintln!(
            "TEST_DATABASE_URL unset: compared SQLite with itself only; CI runs this against PostgreSQL"
        );
        return;
    };
    let name = format!("bo_schema_{}", std::process::id());
    let mut admin = PgConnection::establish(&admin_url).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
        .and_then(|()| admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")))
        .unwrap();
    let pg = Db::connect(
        &DatabaseUrl::Postgres(database_url_named(&admin_url, &name)),
        1,
    )
    .unwrap();
    pg.migrate().unwrap();
    let mut pg_schema = introspect::describe(&mut pg.conn().unwrap()).unwrap();
    let persistence: Vec<Setting> = pg
        .read(|c| match c {
            DbConnection::Postgres(c) => diesel::sql_query(
                "SELECT relpersistence::text AS value FROM pg_class WHERE relname = 'rate_limits'",
            )
            .load(c)
            .map_err(DbError::Query),
            DbConnection::Sqlite(_) => unreachable!(),
        })
        .unwrap();
    drop(pg);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .unwrap();

    // The one table only PostgreSQL has: the rate limits every instance of a deployment shares
    // (issue 19), UNLOGGED. SQLite runs one process and keeps its limits in it.
    let shared_limits = pg_schema
        .remove("rate_limits")
        .expect("PostgreSQL has the shared rate limits");
    assert!(!sqlite_schema.contains_key("rate_limits"));
    let column = |kind: &str| introspect::Column {
        kind: kind.to_owned(),
        nullable: false,
    };
    assert_eq!(
        shared_limits.columns.into_iter().collect::<Vec<_>>(),
        [
            ("key".to_owned(), column("text")),
            ("tat".to_owned(), column("timestamp"))
        ]
    );
    assert!(shared_limits.indexes.is_empty(), "only its primary key");
    assert_eq!(persistence.len(), 1);
    assert_eq!(persistence[0].value, "u", "unlogged");
    assert_eq!(
        sqlite_schema.keys().collect::<Vec<_>>(),
        pg_schema.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, s) in &sqlite_schema {
        let p = &pg_schema[table];
        assert_eq!(s.columns, p.columns, "columns of {table}");
        assert_eq!(s.indexes, p.indexes, "indexes of {table}");
    }
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

#[actix_web::test]
async fn write_transactions_use_read_committed_and_a_lock_timeout_on_postgres() {
    let app = spawn_app_with(false).await;
    let settings = app
        .db
        .write(|conn| -> Result<_, DbError> {
            match conn {
                DbConnection::Postgres(c) => {
                    let iso: Setting = diesel::sql_query(
                        "SELECT current_setting('transaction_isolation') AS value",
                    )
                    .get_result(c)
                    .map_err(DbError::Query)?;
                    let lock: Setting =
                        diesel::sql_query("SELECT current_setting('lock_timeout') AS value")
                            .get_result(c)
                            .map_err(DbError::Query)?;
                    Ok(Some((iso.value, lock.value)))
                }
                DbConnection::Sqlite(c) => {
                    // Inside BEGIN IMMEDIATE this connection holds the write lock: a second
                    // connection can't start a write.
                    let _ = c;
                    Ok(None)
                }
            }
        })
        .unwrap();
    match settings {
        Some((iso, lock)) => {
            assert_eq!(iso, "read committed");
            assert_eq!(lock, "5s");
        }
        None => assert_eq!(backend_name(), "sqlite"),
    }
}

#[actix_web::test]
async fn write_transactions_run_no_parallel_plans_on_postgres_and_reads_still_may() {
    let app = spawn_app_with(false).await;
    let workers = |conn: &mut DbConnection| -> Result<Option<String>, DbError> {
        match conn {
            DbConnection::Postgres(c) => {
                let workers: Setting = diesel::sql_query(
                    "SELECT current_setting('max_parallel_workers_per_gather') AS value",
                )
                .get_result(c)
                .map_err(DbError::Query)?;
                Ok(Some(workers.value))
            }
            DbConnection::Sqlite(_) => Ok(None),
        }
    };
    let in_write = app.db.write(workers).unwrap();
    let outside = app.db.read(workers).unwrap();
    match (in_write, outside) {
        (Some(in_write), Some(outside)) => {
            assert_eq!(in_write, "0", "a write transaction starts no workers");
            assert_ne!(outside, "0", "only for that transaction (SET LOCAL)");
        }
        _ => assert_eq!(backend_name(), "sqlite"),
    }
}

#[actix_web::test]
async fn a_failed_write_rolls_back_everything_it_did() {
    let app = spawn_app_with(false).await;
    let result: Result<(), DbError> = app.db.write(|conn| {
        diesel::sql_query("INSERT INTO venues (organizer_id, name, slug, address, city, country, timezone, created_at, updated_at) VALUES (1, 'V', 'v', 'A', 'C', 'GB', 'Europe/London', '2027-01-01 00:00:00', '2027-01-01 00:00:00')")
            .execute(conn)
            .map_err(DbError::Query)?;
        // The same slug again breaks a unique index: the whole transaction goes.
        diesel::sql_query("INSERT INTO venues (organizer_id, name, slug, address, city, country, timezone, created_at, updated_at) VALUES (1, 'V', 'v', 'A', 'C', 'GB', 'Europe/London', '2027-01-01 00:00:00', '2027-01-01 00:00:00')")
            .execute(conn)
            .map_err(DbError::Query)?;
        Ok(())
    });
    assert!(
        matches!(result, Err(DbError::Query(ref e)) if boxoffice::db::is_unique_violation(e)),
        "{result:?}"
    );
    let venues: i64 = app.with_conn(|c| {
        boxoffice::db::schema::venues::table
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(venues, 0);
}

/// Runs one statement and says whether the database refused it.
fn refused(app: &crate::helpers::TestApp, sql: &str) -> bool {
    app.db
        .write(|conn| diesel::sql_query(sql).execute(conn).map_err(DbError::Query))
        .is_err()
}

#[actix_web::test]
async fn the_database_refuses_impossible_states_on_its_own() {
    let app = spawn_app().await;
    // A seat sold in an event: try to make the state inconsistent in every way.
    let (seat_row, booking, event): (i64, i64, i64) = app.with_conn(|c| {
        use boxoffice::db::schema::event_seats::dsl::*;
        event_seats
            .filter(status.eq("sold"))
            .select((id, booking_id.assume_not_null(), event_id))
            .first(c)
            .unwrap()
    });
    let checks = [
        // A held seat needs a booking and an expiry; a sold one can't be available with a booking.
        format!("UPDATE event_seats SET status = 'held' WHERE id = {seat_row}"),
        format!("UPDATE event_seats SET status = 'available' WHERE id = {seat_row}"),
        format!("UPDATE event_seats SET status = 'reserved' WHERE id = {seat_row}"),
        // A second live booking item for a seat that already has one.
        format!(
            "INSERT INTO booking_items (booking_id, event_id, event_seat_id, tier_id, quantity, unit_price_cents, active) \
             SELECT booking_id, event_id, event_seat_id, tier_id, 1, 100, TRUE FROM booking_items WHERE event_seat_id = {seat_row}"
        ),
        // A booking of another event can't hold this event's seat.
        format!(
            "UPDATE event_seats SET booking_id = (SELECT id FROM bookings WHERE event_id <> {event} LIMIT 1) WHERE id = {seat_row}"
        ),
        // A second succeeded payment for a paid booking.
        format!(
            "INSERT INTO payments (booking_id, external_id, idempotency_key, method, status, amount_cents, currency, created_at, updated_at, succeeded_at) \
             SELECT booking_id, 'dup-' || external_id, 'dup', method, 'succeeded', amount_cents, currency, created_at, updated_at, succeeded_at FROM payments WHERE booking_id = {booking}"
        ),
        // Statuses outside their state machines, negative money, overfull standing areas.
        format!("UPDATE bookings SET status = 'shipped' WHERE id = {booking}"),
        format!("UPDATE bookings SET status = 'refunded', refunded_at = NULL WHERE id = {booking}"),
        "UPDATE price_tiers SET price_cents = -1".to_owned(),
        "UPDATE event_sections SET sold = capacity + 1".to_owned(),
        // A seat counted in a section it doesn't belong to.
        format!(
            "UPDATE event_seats SET section_id = (SELECT MIN(section_id) FROM event_sections WHERE event_id = {event} AND section_id <> event_seats.section_id) WHERE id = {seat_row}"
        ),
        "UPDATE events SET status = 'cancelled', cancelled_at = NULL".to_owned(),
        "UPDATE events SET currency = 'eur'".to_owned(),
        "UPDATE users SET email = 'Upper@Example.com'".to_owned(),
        "UPDATE tickets SET status = 'checked_in' WHERE checked_in_at IS NULL".to_owned(),
    ];
    for sql in &checks {
        assert!(refused(&app, sql), "accepted on {}: {sql}", backend_name());
    }
    // A live line (holding a seat or places) in a booking that has ended. The same line in a
    // pending one is accepted, so it is the booking's end that refuses it.
    let line = |status: &str| {
        let reference = format!("ENDED-{status}");
        app.with_conn(|c| {
            diesel::sql_query(format!(
                "INSERT INTO bookings (reference, user_id, event_id, status, total_cents, currency, expires_at, cancelled_at, created_at, updated_at) \
                 SELECT '{reference}', user_id, event_id, '{status}', 0, currency, expires_at, created_at, created_at, updated_at FROM bookings WHERE id = {booking}"
            ))
            .execute(c)
            .unwrap()
        });
        format!(
            "INSERT INTO booking_items (booking_id, event_id, event_section_id, tier_id, quantity, unit_price_cents, active) \
             SELECT (SELECT id FROM bookings WHERE reference = '{reference}'), event_id, \
             (SELECT MIN(id) FROM event_sections WHERE event_id = {event}), tier_id, 1, 100, TRUE \
             FROM booking_items WHERE booking_id = {booking} LIMIT 1"
        )
    };
    for ended in ["expired", "cancelled"] {
        let sql = line(ended);
        assert!(refused(&app, &sql), "accepted on {}: {sql}", backend_name());
    }
    let sql = line("pending");
    assert!(!refused(&app, &sql), "refused on {}: {sql}", backend_name());
    // And the row is as it was.
    let status: String = app.with_conn(|c| {
        use boxoffice::db::schema::event_seats::dsl::*;
        event_seats
            .filter(id.eq(seat_row))
            .select(status)
            .first(c)
            .unwrap()
    });
    assert_eq!(status, "sold");
}

#[actix_web::test]
async fn section_counters_follow_every_seat_change() {
    let app = spawn_app().await;
    let (event, section): (i64, i64) = app.with_conn(|c| {
        use boxoffice::db::schema::event_sections::dsl::*;
        event_sections
            .filter(blocked.eq(0))
            .filter(held.eq(0))
            .select((event_id, section_id))
            .first(c)
            .unwrap()
    });
    let counters = |app: &crate::helpers::TestApp| -> (i32, i32, i32) {
        app.with_conn(|c| {
            use boxoffice::db::schema::event_sections::dsl::*;
            event_sections
                .filter(event_id.eq(event))
                .filter(section_id.eq(section))
                .select((held, sold, blocked))
                .first(c)
                .unwrap()
        })
    };
    let (held0, sold0, blocked0) = counters(&app);
    let (booking,): (i64,) = app.with_conn(|c| {
        use boxoffice::db::schema::bookings::dsl::*;
        bookings
            .filter(event_id.eq(event))
            .select((id,))
            .first(c)
            .unwrap()
    });
    let free = format!(
        "SELECT id FROM event_seats WHERE event_id = {event} AND section_id = {section} AND status = 'available' ORDER BY id LIMIT 3"
    );
    let run = |sql: String| {
        app.db
            .write(|c| diesel::sql_query(sql).execute(c).map_err(DbError::Query))
            .unwrap();
    };
    // Hold three seats, sell one, block one, release one.
    run(format!(
        "UPDATE event_seats SET status = 'held', booking_id = {booking}, held_until = '2027-02-01 10:15:00' WHERE id IN ({free})"
    ));
    assert_eq!(counters(&app), (held0 + 3, sold0, blocked0));
    let held_ids = format!(
        "SELECT id FROM event_seats WHERE event_id = {event} AND section_id = {section} AND status = 'held' ORDER BY id"
    );
    run(format!(
        "UPDATE event_seats SET status = 'sold', held_until = NULL WHERE id = ({held_ids} LIMIT 1)"
    ));
    assert_eq!(counters(&app), (held0 + 2, sold0 + 1, blocked0));
    run(format!(
        "UPDATE event_seats SET status = 'available', booking_id = NULL, held_until = NULL WHERE id = ({held_ids} LIMIT 1)"
    ));
    assert_eq!(counters(&app), (held0 + 1, sold0 + 1, blocked0));
    run(format!(
        "UPDATE event_seats SET status = 'blocked', booking_id = NULL, held_until = NULL WHERE id = ({held_ids} LIMIT 1)"
    ));
    assert_eq!(counters(&app), (held0, sold0 + 1, blocked0 + 1));
    // Extending a hold (no status change) leaves the counters alone.
    run(format!(
        "UPDATE event_seats SET updated_at = '2027-02-01 10:01:00' WHERE event_id = {event} AND section_id = {section}"
    ));
    assert_eq!(counters(&app), (held0, sold0 + 1, blocked0 + 1));
}

/// The pool does not test connections before use; a connection that died is found when it
/// fails and thrown away, so the next use gets a fresh one.
#[actix_web::test]
async fn a_connection_that_died_leaves_the_pool_after_its_first_failure() {
    let app = spawn_app_with(false).await;
    let db = Db::connect(&app.database_url, 1).unwrap();
    let pid = |db: &Db| -> String {
        db.read(|conn| -> Result<String, DbError> {
            Ok(match conn {
                DbConnection::Postgres(c) => {
                    diesel::sql_query("SELECT pg_backend_pid()::text AS value")
                        .get_result::<Setting>(c)
                        .map_err(DbError::Query)?
                        .value
                }
                // SQLite has no server to lose: the same file connection serves on.
                DbConnection::Sqlite(_) => "sqlite".to_owned(),
            })
        })
        .unwrap()
    };
    let first = pid(&db);
    if first == "sqlite" {
        assert_eq!(backend_name(), "sqlite");
        // A failed statement does not throw a healthy connection away.
        let failed = db.read(|c| {
            c.batch_execute("SELECT * FROM no_such_table")
                .map_err(DbError::Query)
        });
        assert!(!failed.expect_err("no such table").is_outage());
        assert_eq!(pid(&db), "sqlite");
        return;
    }
    // The server ends that connection (as a restart would).
    let mut admin = PgConnection::establish(postgres_url().as_deref().unwrap()).unwrap();
    admin
        .batch_execute(&format!("SELECT pg_terminate_backend({first})"))
        .unwrap();
    let failed = db.read(|c| c.batch_execute("SELECT 1").map_err(DbError::Query));
    let lost = failed.expect_err("the dead connection fails once");
    // …as an outage (answered 503, try again), not as the app's own error (500).
    assert!(lost.is_outage(), "{lost:?}");
    let second = pid(&db);
    assert_ne!(second, first, "then the pool opens a new one");
    // A failed statement on a healthy connection keeps it.
    let failed = db.read(|c| {
        c.batch_execute("SELECT * FROM no_such_table")
            .map_err(DbError::Query)
    });
    assert!(!failed.expect_err("no such table").is_outage());
    assert_eq!(pid(&db), second);
}
