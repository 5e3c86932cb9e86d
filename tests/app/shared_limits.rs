//! Issue 19: on PostgreSQL the abuse limits are the deployment's, not each instance's: guesses
//! spread over two instances are stopped at the same count as on one, and so are holds. The
//! GCRA statement itself (burst, refusal, Retry-After, the app's clock freeing it), the leaky
//! bucket and the purge are checked on the table; the limits as the app sees them, and their
//! fallback to the process when the shared table cannot be used, on both databases.

use boxoffice::config::DatabaseUrl;
use boxoffice::db::{DbConnection, rate_limits};
use boxoffice::web::rate_limit::{LoginRefused, RateLimits, RetryAfter};
use chrono::{NaiveDateTime, TimeDelta};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_configured, spawn_app_with};
use crate::holds::{buyer, seated_event};
use crate::seatmap::instances::second_instance;

const PASSWORD: &str = "a long enough password";

/// `f` on the test database's PostgreSQL connection (`None` on SQLite).
fn on_postgres<T>(app: &TestApp, f: impl FnOnce(&mut PgConnection) -> T) -> Option<T> {
    app.with_conn(|c| match c {
        DbConnection::Postgres(pg) => Some(f(pg)),
        DbConnection::Sqlite(_) => None,
    })
}

/// The app's limits, as startup builds them for this database (shared on PostgreSQL).
fn limits_of(app: &TestApp, holds_per_minute: u32) -> RateLimits {
    let limits = RateLimits::new(&app.clock, holds_per_minute);
    match app.database_url {
        DatabaseUrl::Postgres(_) => limits.shared_through(app.db.clone()),
        DatabaseUrl::Sqlite(_) => limits,
    }
}

fn check(app: &TestApp, key: &str, at: NaiveDateTime) -> Result<(), TimeDelta> {
    on_postgres(app, |c| {
        rate_limits::check(c, key, 3, TimeDelta::seconds(20), at).unwrap()
    })
    .unwrap()
}

#[actix_web::test]
async fn the_gcra_statement_allows_a_burst_refuses_with_the_wait_and_the_clock_frees_it() {
    let app = spawn_app_with(false).await;
    if !matches!(app.database_url, DatabaseUrl::Postgres(_)) {
        return; // SQLite has no shared table: its limits are in process (unit-tested).
    }
    let now = app.clock.now();
    let s = TimeDelta::seconds;
    // Three at once (one every 20 s after that)…
    for _ in 0..3 {
        assert_eq!(check(&app, "t:ada", now), Ok(()));
    }
    // …then refused: the TAT is now + 60 s, the next one fits at now + 20 s.
    assert_eq!(check(&app, "t:ada", now), Err(s(20)));
    assert_eq!(
        check(&app, "t:ada", now + s(5)),
        Err(s(15)),
        "a refusal costs nothing"
    );
    assert_eq!(
        check(&app, "t:bob", now),
        Ok(()),
        "another key has its own count"
    );
    // The clock moves: one more, then refused for another period.
    assert_eq!(check(&app, "t:ada", now + s(20)), Ok(()));
    assert_eq!(check(&app, "t:ada", now + s(20)), Err(s(20)));
    // Long after, a whole burst again.
    for _ in 0..3 {
        assert_eq!(check(&app, "t:ada", now + s(3600)), Ok(()));
    }
    assert!(check(&app, "t:ada", now + s(3600)).is_err());

    // A leaky bucket: one per failure, one leaks out every 90 s.
    let leak = s(90);
    let tat = on_postgres(&app, |c| {
        for _ in 0..2 {
            rate_limits::add(c, "f:ada", leak, now).unwrap();
        }
        rate_limits::add(c, "f:ada", leak, now).unwrap()
    })
    .unwrap();
    assert_eq!(tat, now + s(270), "three failures");
    let later = on_postgres(&app, |c| rate_limits::add(c, "f:ada", leak, now + s(900))).unwrap();
    assert_eq!(later.unwrap(), now + s(990), "leaked empty, then one");

    // The purge forgets the keys whose time has passed, and only those.
    let purged = on_postgres(&app, |c| rate_limits::purge(c, now + s(3000)).unwrap()).unwrap();
    assert_eq!(purged, 2, "t:bob and f:ada are past, t:ada is not");
    let kept = on_postgres(&app, |c| rate_limits::tat(c, "t:ada").unwrap()).unwrap();
    assert_eq!(kept, Some(now + s(3660)));
}

#[actix_web::test]
async fn the_limits_use_the_apps_clock_on_both_databases() {
    let app = spawn_app_with(false).await;
    let limits = limits_of(&app, 3);
    for _ in 0..3 {
        assert_eq!(limits.hold(7), Ok(()));
    }
    assert_eq!(limits.hold(7), Err(RetryAfter(20)));
    assert_eq!(limits.hold(8), Ok(()), "another account");
    app.clock.advance(TimeDelta::seconds(20));
    assert_eq!(limits.hold(7), Ok(()));

    // Ten failures from one address on one account, then that address waits for it.
    for _ in 0..10 {
        assert!(limits.login("10.0.0.1", "ada@example.com", None).is_ok());
        limits.login_failed("10.0.0.1", "ada@example.com", None);
    }
    let Err(LoginRefused::Throttled(RetryAfter(wait))) =
        limits.login("10.0.0.1", "Ada@Example.com", None)
    else {
        panic!("throttled");
    };
    assert_eq!(wait, 90);
    assert!(limits.login("10.0.0.2", "ada@example.com", None).is_ok());
    app.clock.advance(TimeDelta::seconds(90));
    assert!(limits.login("10.0.0.1", "ada@example.com", None).is_ok());
}

#[actix_web::test]
async fn when_the_shared_table_fails_each_instance_limits_on_its_own() {
    let app = spawn_app_with(false).await;
    // PostgreSQL: the table is gone, every statement fails. SQLite: its database has no shared
    // table either, so counting through it fails the same way.
    on_postgres(&app, |c| c.batch_execute("DROP TABLE rate_limits").unwrap());
    let limits = RateLimits::new(&app.clock, 3).shared_through(app.db.clone());
    for _ in 0..3 {
        assert_eq!(limits.hold(7), Ok(()));
    }
    assert_eq!(limits.hold(7), Err(RetryAfter(20)), "limited all the same");
    for _ in 0..10 {
        assert!(limits.login("10.0.0.1", "ada@example.com", None).is_ok());
        limits.login_failed("10.0.0.1", "ada@example.com", None);
    }
    assert!(matches!(
        limits.login("10.0.0.1", "ada@example.com", None),
        Err(LoginRefused::Throttled(_))
    ));
}

async fn api_login_at(address: &str, email: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{address}/api/v1/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn guesses_spread_over_two_instances_are_stopped_at_the_same_count_as_on_one() {
    let app = spawn_app_configured(false, |s| s.login_slowdown_ms = 5).await;
    if !matches!(app.database_url, DatabaseUrl::Postgres(_)) {
        return; // SQLite runs one process (`lockout.rs` covers its limits).
    }
    let other = second_instance(&app);
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    // Ten wrong passwords from one address, every other one through the second instance.
    let instances = [app.address.clone(), other];
    for n in 0..10 {
        let status = api_login_at(&instances[n % 2], "ada@example.com", "wrong guess").await;
        assert_eq!(status, 401, "guess {n} is looked at");
    }
    // The eleventh is refused whichever instance gets it.
    for address in &instances {
        assert_eq!(
            api_login_at(address, "ada@example.com", "wrong guess").await,
            429
        );
    }
}

#[actix_web::test]
async fn holds_spread_over_two_instances_share_one_limit() {
    let app = spawn_app_configured(true, |s| s.holds_per_minute = 3).await;
    if !matches!(app.database_url, DatabaseUrl::Postgres(_)) {
        return; // SQLite runs one process (`holds.rs` covers its limit).
    }
    let other = second_instance(&app);
    let (event, free, _) = seated_event(&app, 10).await;
    let ada = buyer(&app, 1).await;
    let hold_at = |address: &str, seat: i64| {
        reqwest::Client::new()
            .post(format!("{address}/api/v1/events/{event}/holds"))
            .bearer_auth(&ada.token)
            .json(&json!({"seat_ids": [seat]}))
            .send()
    };
    let instances = [app.address.clone(), other];
    for (n, seat) in free[..3].iter().enumerate() {
        let status = hold_at(&instances[n % 2], *seat).await.unwrap().status();
        assert_eq!(status, 201, "hold {n}");
    }
    for address in &instances {
        let res = hold_at(address, free[3]).await.unwrap();
        assert_eq!(res.status(), 429);
        assert_eq!(res.headers()["retry-after"], "20");
    }
}
