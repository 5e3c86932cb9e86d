//! Issue 16, the holds part: lock order on the section counters under a random multi-section
//! load with holds running out, caps on live streams, and what one account may hold.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use rand::Rng;
use rand::seq::SliceRandom;

use boxoffice::domain::ids::{EventId, SeatId, UserId};
use boxoffice::services::holds::{self, HoldError, HoldRequest};

use crate::helpers::{TestApp, spawn_app};

#[derive(QueryableByName, Debug)]
struct Pick {
    #[diesel(sql_type = BigInt)]
    event_id: i64,
    #[diesel(sql_type = BigInt)]
    seat_id: i64,
    #[diesel(sql_type = BigInt)]
    section_id: i64,
}

#[derive(QueryableByName, Debug)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The on-sale event with the most seated sections, and up to `per_section` free seats of each.
fn seats_across_sections(app: &TestApp, per_section: i64) -> (EventId, Vec<SeatId>) {
    app.with_conn(|c| {
        let rows: Vec<Pick> = diesel::sql_query(format!(
            "SELECT event_id, seat_id, section_id FROM ( \
               SELECT es.event_id, es.seat_id, es.section_id, \
                      ROW_NUMBER() OVER (PARTITION BY es.event_id, es.section_id ORDER BY es.id) AS k \
               FROM event_seats es JOIN events e ON e.id = es.event_id \
               WHERE e.status = 'published' AND es.status = 'available' \
               AND e.starts_at > '2027-02-02 00:00:00' \
               AND (e.sales_start_at IS NULL OR e.sales_start_at <= '2027-02-01 10:00:00') \
               AND (e.sales_end_at IS NULL OR e.sales_end_at > '2027-02-01 12:00:00')) t \
             WHERE k <= {per_section} ORDER BY event_id, section_id, seat_id"
        ))
        .load(c)
        .unwrap();
        let mut by_event: BTreeMap<i64, (std::collections::BTreeSet<i64>, Vec<SeatId>)> =
            BTreeMap::new();
        for r in rows {
            let e = by_event.entry(r.event_id).or_default();
            e.0.insert(r.section_id);
            e.1.push(SeatId(r.seat_id));
        }
        let (event, (_, seats)) = by_event
            .into_iter()
            .max_by_key(|(_, (sections, _))| sections.len())
            .expect("an event on sale");
        (EventId(event), seats)
    })
}

fn buyers(app: &TestApp, prefix: &str, n: usize) -> Vec<UserId> {
    use boxoffice::services::accounts::{self, Registration};
    let now = app.clock.now();
    (0..n)
        .map(|i| {
            let r = Registration::parse(
                &format!("Buyer {i}"),
                &format!("{prefix}{i}@example.com"),
                "a long enough password",
            )
            .unwrap();
            accounts::register(&app.db, &r, 4, now).unwrap().id
        })
        .collect()
}

/// The seated counters of the event, compared with its seat rows.
fn counter_problems(app: &TestApp, event: EventId) -> Vec<String> {
    #[derive(QueryableByName, Debug)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        #[allow(dead_code)]
        section_id: i64,
        #[diesel(sql_type = BigInt)]
        held: i64,
        #[diesel(sql_type = BigInt)]
        sold: i64,
        #[diesel(sql_type = BigInt)]
        rows_held: i64,
        #[diesel(sql_type = BigInt)]
        rows_sold: i64,
    }
    app.with_conn(|c| {
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT s.section_id, CAST(s.held AS BIGINT) AS held, CAST(s.sold AS BIGINT) AS sold, \
             (SELECT COUNT(*) FROM event_seats e WHERE e.event_id = s.event_id AND e.section_id = s.section_id AND e.status = 'held') AS rows_held, \
             (SELECT COUNT(*) FROM event_seats e WHERE e.event_id = s.event_id AND e.section_id = s.section_id AND e.status = 'sold') AS rows_sold \
             FROM event_sections s JOIN sections sec ON sec.id = s.section_id \
             WHERE s.event_id = {} AND sec.kind = 'seated'",
            event.0
        ))
        .load(c)
        .unwrap();
        let mut found: Vec<String> = rows
            .iter()
            .filter(|r| (r.held, r.sold) != (r.rows_held, r.rows_sold))
            .map(|r| format!("section counters do not add up: {r:?}"))
            .collect();
        // Every live item of a pending basket owns its seat, and no seat is held by an ended one.
        let stray: Vec<N> = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM event_seats es JOIN bookings b ON b.id = es.booking_id \
             WHERE es.event_id = {} AND es.status = 'held' AND b.status <> 'pending'",
            event.0
        ))
        .load(c)
        .unwrap();
        if stray[0].n != 0 {
            found.push(format!("{} seats held by ended bookings", stray[0].n));
        }
        found
    })
}

/// PostgreSQL's count of deadlocks it broke in this test's database (0 on SQLite).
fn deadlocks(app: &TestApp) -> i64 {
    if crate::helpers::postgres_url().is_none() {
        return 0;
    }
    // Backends report their counts when idle, at most once a second.
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    app.with_conn(|c| {
        let rows: Vec<N> = diesel::sql_query(
            "SELECT CAST(deadlocks AS BIGINT) AS n FROM pg_stat_database \
             WHERE datname = current_database()",
        )
        .load(c)
        .unwrap();
        rows[0].n
    })
}

/// Many buyers hold random baskets across sections while holds run out and are taken over,
/// cancelled and swept: PostgreSQL never has to break a deadlock, nothing fails, and the
/// counters match the seats.
#[actix_web::test]
async fn random_multi_section_baskets_with_expiring_holds_never_deadlock() {
    let app = spawn_app().await;
    let (event, seats) = seats_across_sections(&app, 6);
    assert!(seats.len() >= 12, "enough seats in several sections");
    const THREADS: usize = 12;
    const ROUNDS: usize = 60;
    let users = buyers(&app, "deadlock", THREADS * 3);
    let start: NaiveDateTime = app.clock.now();
    let failures = Arc::new(AtomicUsize::new(0));
    let holds_won = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for t in 0..THREADS {
        let db = app.db.clone();
        let live = app.live.clone();
        let seats = seats.clone();
        let users = users[t * 3..t * 3 + 3].to_vec();
        let failures = failures.clone();
        let holds_won = holds_won.clone();
        threads.push(std::thread::spawn(move || {
            let mut rng = rand::rng();
            for round in 0..ROUNDS {
                // Time moves on: a hold lasts 3 rounds, so baskets run out and are taken over.
                let now = start + TimeDelta::seconds(round as i64);
                let user = users[rng.random_range(0..users.len())];
                let mut pick = seats.clone();
                pick.shuffle(&mut rng);
                pick.truncate(rng.random_range(2..=5));
                match holds::hold(
                    &db,
                    &live,
                    user,
                    event,
                    &HoldRequest::Seats(pick),
                    TimeDelta::seconds(3),
                    now,
                ) {
                    Ok(held) => {
                        holds_won.fetch_add(1, Ordering::SeqCst);
                        if rng.random_range(0..4) == 0 {
                            match holds::cancel(&db, &live, user, &held.reference, now) {
                                // Taken over (expired) meanwhile: fine.
                                Ok(_) | Err(holds::BookingError::NotPending(_)) => {}
                                Err(e) => {
                                    eprintln!("cancel failed: {e:?}");
                                    failures.fetch_add(1, Ordering::SeqCst);
                                }
                            }
                        }
                    }
                    Err(HoldError::Unavailable { .. } | HoldError::TooMany { .. }) => {}
                    Err(e) => {
                        eprintln!("hold failed: {e:?}");
                        failures.fetch_add(1, Ordering::SeqCst);
                    }
                }
                if t == 0 && round % 5 == 0 {
                    holds::sweep_expired(&db, &live, now, 100).unwrap_or_else(|e| {
                        eprintln!("sweep failed: {e:?}");
                        failures.fetch_add(1, Ordering::SeqCst);
                        0
                    });
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(failures.load(Ordering::SeqCst), 0, "every write succeeded");
    assert!(
        holds_won.load(Ordering::SeqCst) > THREADS,
        "holds went through"
    );
    let problems = counter_problems(&app, event);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(deadlocks(&app), 0, "PostgreSQL broke no deadlock");
}

/// Opens `/events/{id}/live` from `client`: the response (kept open by the caller) or the
/// refusal's status and `Retry-After`.
async fn open_live(app: &TestApp, client: &reqwest::Client, event: i64) -> reqwest::Response {
    client
        .get(app.url(&format!("/events/{event}/live")))
        .send()
        .await
        .unwrap()
}

fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// Live streams are capped per client address (429) and in all (503), with `Retry-After`, and
/// a stream that ends gives its place back.
#[actix_web::test]
async fn live_streams_are_capped_per_client_and_in_all() {
    let app = crate::helpers::spawn_app_configured(true, |s| {
        s.live_streams_per_client = 2;
        s.live_streams_total = 3;
    })
    .await;
    let (_, list) = app.get_json("/api/v1/events?per_page=5").await;
    let event = list["items"][0]["id"].as_i64().unwrap();
    let a = client_from("127.0.0.1");
    let b = client_from("127.0.0.2");
    let a1 = open_live(&app, &a, event).await;
    assert_eq!(a1.status(), 200);
    let a2 = open_live(&app, &a, event).await;
    assert_eq!(a2.status(), 200);
    let refused = open_live(&app, &a, event).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let b1 = open_live(&app, &b, event).await;
    assert_eq!(b1.status(), 200, "another address has its own share");
    let full = open_live(&app, &b, event).await;
    assert_eq!(full.status(), 503, "the server is full");
    assert!(full.headers().contains_key("retry-after"));
    // Other pages still answer.
    assert_eq!(app.get("/healthz").await.status(), 200);
    // (A stream that ends frees its place: `live::tests`, the slot is freed on drop.)
    drop((a1, a2, b1));
}
