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
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(problem["status"], 429, "{problem}");
    let b1 = open_live(&app, &b, event).await;
    assert_eq!(b1.status(), 200, "another address has its own share");
    let full = open_live(&app, &b, event).await;
    assert_eq!(full.status(), 503, "the server is full");
    assert!(full.headers().contains_key("retry-after"));
    assert_eq!(full.headers()["content-type"], "application/problem+json");
    // Other pages still answer.
    assert_eq!(app.get("/healthz").await.status(), 200);
    // (A stream that ends frees its place: `live::tests`, the slot is freed on drop.)
    drop((a1, a2, b1));
}

// ---------------------------------------------------------------------------------------------
// What one account may hold (issue 16, denial of inventory).

const PASSWORD: &str = "a long enough password";

/// Two on-sale events with at least `n` available seats each (and a per-order maximum of at
/// least 4), and those seats.
async fn two_seated_events(app: &TestApp, n: usize) -> [(i64, Vec<i64>); 2] {
    let (_, list) = app.get_json("/api/v1/events?per_page=50").await;
    let mut found = Vec::new();
    for event in list["items"].as_array().unwrap() {
        let id = event["id"].as_i64().unwrap();
        let (_, detail) = app.get_json(&format!("/api/v1/events/{id}")).await;
        if detail["max_tickets_per_order"].as_i64().unwrap_or(0) < 4 {
            continue;
        }
        let (_, map) = app.get_json(&format!("/api/v1/events/{id}/seats")).await;
        let free: Vec<i64> = map["seats"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["status"] == "available")
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        if free.len() >= n {
            found.push((id, free));
        }
        if found.len() == 2 {
            let b = found.pop().unwrap();
            let a = found.pop().unwrap();
            return [a, b];
        }
    }
    panic!("no two events with {n} free seats");
}

fn user_id(app: &TestApp, email: &str) -> UserId {
    app.with_conn(|c| {
        boxoffice::db::users::find_for_login(c, email)
            .unwrap()
            .unwrap()
            .id
    })
}

/// A browser signed in as the account with this email.
async fn browser_of(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = app.new_browser();
    let res = app
        .submit(
            &browser,
            "/login",
            "/login",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303, "signed in");
    browser
}

/// An account whose email address is not verified holds at most the cap across every event,
/// in the API and on the pages; once verified, it holds like anyone.
#[actix_web::test]
async fn an_unverified_account_holds_at_most_the_cap_across_events() {
    use crate::holds::{buyer, hold, seat_statuses};
    use serde_json::json;
    let app = spawn_app().await;
    assert_eq!(app.settings.unverified_hold_limit, 4);
    let ada = buyer(&app, 1).await;
    let [(a, a_seats), (b, b_seats)] = two_seated_events(&app, 4).await;
    let (status, body) = hold(&app, &ada, a, json!({"seat_ids": &a_seats[..3]})).await;
    assert_eq!(status, 201, "{body}");
    // Two more on another event would make five.
    let (status, body) = hold(&app, &ada, b, json!({"seat_ids": &b_seats[..2]})).await;
    assert_eq!(status, 422, "{body}");
    let detail = body["errors"]["quantity"].as_str().unwrap();
    assert!(
        detail.contains("email address")
            && detail.contains("at most 4")
            && detail.contains("holds 3"),
        "{detail}"
    );
    let statuses = seat_statuses(&app, b).await;
    assert_eq!(statuses[&b_seats[0]], "available", "nothing was held");
    assert_eq!(statuses[&b_seats[1]], "available", "nothing was held");
    let (status, body) = hold(&app, &ada, b, json!({"seat_ids": [b_seats[0]]})).await;
    assert_eq!(status, 201, "the fourth is fine: {body}");

    // The page says so too, and how to lift it.
    let browser = browser_of(&app, "buyer1@example.com").await;
    let map = format!("/events/{b}/seats");
    let seat = b_seats[1].to_string();
    let (status, _, answer) =
        crate::seatmap::htmx_post(&browser, &app, &map, &map, &[("hold", &seat)]).await;
    assert_eq!(status, 422);
    let message = crate::helpers::texts(&answer, "#messages").join(" ");
    assert!(
        message.contains("confirm your email address") && message.contains("at most 4"),
        "{message}"
    );
    assert!(message.contains("already hold 4"), "{message}");

    // The map tells them beforehand, until they confirm.
    let (_, doc) = crate::seatmap::page(&browser, &app, &map).await;
    let hint = crate::helpers::texts(&doc, "#unverified-limit");
    assert!(
        hint.len() == 1 && hint[0].contains("up to 4 tickets"),
        "{hint:?}"
    );

    // Verified: the cap is gone.
    app.verify("buyer1@example.com");
    let (_, doc) = crate::seatmap::page(&browser, &app, &map).await;
    assert!(crate::helpers::texts(&doc, "#unverified-limit").is_empty());
    let (status, body) = hold(&app, &ada, b, json!({"seat_ids": &b_seats[1..3]})).await;
    assert_eq!(status, 201, "{body}");
}

/// One unverified account holding single seats on two events from eight threads at once: the
/// account's row lock makes the holds count one after another, so exactly the cap is held.
#[actix_web::test]
async fn concurrent_holds_of_one_unverified_account_never_pass_the_cap() {
    use boxoffice::services::holds::HoldPolicy;
    let app = spawn_app().await;
    const ROUNDS: usize = 3;
    const THREADS: usize = 8;
    let [(a, a_seats), (b, b_seats)] = two_seated_events(&app, ROUNDS * THREADS / 2).await;
    let policy = HoldPolicy::from_settings(&app.settings);
    let cap = app.settings.unverified_hold_limit as usize;
    for round in 0..ROUNDS {
        let user = buyers(&app, &format!("racer{round}-"), 1)[0];
        let barrier = Arc::new(std::sync::Barrier::new(THREADS));
        let mut threads = Vec::new();
        for t in 0..THREADS {
            let (db, live, barrier) = (app.db.clone(), app.live.clone(), barrier.clone());
            let k = round * THREADS / 2 + t / 2;
            let (event, seat) = if t % 2 == 0 {
                (a, a_seats[k])
            } else {
                (b, b_seats[k])
            };
            let now = app.clock.now();
            threads.push(std::thread::spawn(move || {
                barrier.wait();
                holds::hold_with(
                    &db,
                    &live,
                    user,
                    EventId(event),
                    &HoldRequest::Seats(vec![SeatId(seat)]),
                    &policy,
                    now,
                )
            }));
        }
        let (mut won, mut capped) = (0, 0);
        for t in threads {
            match t.join().unwrap() {
                Ok(_) => won += 1,
                Err(HoldError::Unverified { max, already }) => {
                    assert_eq!((max as usize, already as usize), (cap, cap));
                    capped += 1;
                }
                Err(e) => panic!("hold failed: {e:?}"),
            }
        }
        let held: Vec<N> = app.with_conn(|c| {
            diesel::sql_query(format!(
                "SELECT CAST(COALESCE(SUM(i.quantity), 0) AS BIGINT) AS n FROM booking_items i \
                 JOIN bookings b ON b.id = i.booking_id \
                 WHERE b.user_id = {} AND b.status = 'pending' AND i.active",
                user.0
            ))
            .load(c)
            .unwrap()
        });
        assert_eq!(
            held[0].n as usize, cap,
            "round {round}: held exactly the cap"
        );
        assert_eq!((won, capped), (cap, THREADS - cap), "round {round}");
    }
}

/// After cancelling, releasing a seat, or letting a hold run out, the same account waits out
/// the cooldown before holding those seats (or as many places of that standing area) again;
/// anyone else may take them at once. The sweeper forgets old releases.
#[actix_web::test]
async fn the_same_account_cannot_hold_again_what_it_just_gave_back() {
    use crate::holds::{buyer, call, hold, standing_area};
    use serde_json::{Value, json};
    let app = crate::helpers::spawn_app_configured(true, |s| s.rehold_cooldown_seconds = 120).await;
    let (ada, bob, carol) = (
        buyer(&app, 1).await,
        buyer(&app, 2).await,
        buyer(&app, 3).await,
    );
    let (event, free, _) = crate::holds::seated_event(&app, 4).await;

    // Cancel, then hold the same seat again: refused, with when.
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[0]]})).await;
    assert_eq!(status, 201, "{body}");
    let reference = body["reference"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &ada,
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert!(status < 300, "cancelled: {status}");
    let res = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/holds")))
        .bearer_auth(&ada.token)
        .json(&json!({"seat_ids": [free[0]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(res.headers()["retry-after"], "120");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["retry_after"], 120, "{body}");
    assert_eq!(body["code"], "rehold_cooldown", "{body}");
    // Anyone else takes it at once.
    let (status, body) = hold(&app, &bob, event, json!({"seat_ids": [free[0]]})).await;
    assert_eq!(status, 201, "{body}");

    // A seat taken out of a basket may go back into that same basket at once (a buyer
    // changing their mind gains no time: the basket's expiry stays), but once that basket has
    // ended, a new one waits out the cooldown for it.
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1], free[2]]})).await;
    assert_eq!(status, 201, "{body}");
    let basket = body["reference"].as_str().unwrap().to_owned();
    let expires_at = body["expires_at"].clone();
    let ada_id = user_id(&app, "buyer1@example.com");
    let release = |seat: i64| {
        holds::release_seat(
            &app.db,
            &app.live,
            ada_id,
            EventId(event),
            SeatId(seat),
            app.clock.now(),
        )
        .unwrap()
    };
    assert!(release(free[1]));
    app.clock.advance(TimeDelta::seconds(30));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 201, "back into the same basket: {body}");
    assert_eq!(body["reference"], basket.as_str());
    assert_eq!(body["expires_at"], expires_at, "no time gained");
    assert!(release(free[1]));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[3]]})).await;
    assert_eq!(status, 201, "another seat is fine: {body}");
    let (status, _) = call(
        &app,
        &ada,
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{basket}"),
    )
    .await;
    assert!(status < 300);
    app.clock.advance(TimeDelta::seconds(30));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 409, "a new basket waits: {body}");
    assert_eq!(body["retry_after"], 90, "{body}");
    // The cooldown over, the seat can be held again.
    app.clock.advance(TimeDelta::seconds(91));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 201, "{body}");

    // A hold that ran out counts as given back when it ran out.
    app.clock.advance(TimeDelta::seconds(900 + 1));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["retry_after"], 119, "{body}");

    // Standing: after giving back three places, fewer may be held again, never as many.
    let (standing_event, area) = standing_area(&app, 6).await;
    let section = area["section_id"].as_i64().unwrap();
    let places = |n: i64| json!({"standing": {"section_id": section, "quantity": n}});
    let (status, body) = hold(&app, &carol, standing_event, places(3)).await;
    assert_eq!(status, 201, "{body}");
    let reference = body["reference"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &carol,
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert!(status < 300);
    let (status, body) = hold(&app, &carol, standing_event, places(3)).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = hold(&app, &carol, standing_event, places(2)).await;
    assert_eq!(status, 201, "fewer than given back: {body}");
    let (status, body) = hold(&app, &carol, standing_event, places(1)).await;
    assert_eq!(status, 409, "not as many again: {body}");

    // Best available leaves out what the buyer just gave back, rather than refusing.
    let dave = buyer(&app, 4).await;
    let best = json!({"best_available": {"quantity": 2}});
    let (status, first) = hold(&app, &dave, event, best.clone()).await;
    assert_eq!(status, 201, "{first}");
    let seats_of = |booking: &Value| -> std::collections::BTreeSet<i64> {
        booking["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["seat_id"].as_i64())
            .collect()
    };
    let reference = first["reference"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &dave,
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert!(status < 300);
    let (status, second) = hold(&app, &dave, event, best).await;
    assert_eq!(status, 201, "{second}");
    assert!(
        seats_of(&first).is_disjoint(&seats_of(&second)),
        "{first} {second}"
    );

    // The sweeper forgets releases once they can hold nobody back.
    let count = |app: &TestApp| -> i64 {
        app.with_conn(|c| {
            let rows: Vec<N> =
                diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM hold_releases")
                    .load(c)
                    .unwrap();
            rows[0].n
        })
    };
    assert!(count(&app) > 0);
    app.clock.advance(TimeDelta::days(2));
    app.run_worker();
    holds::sweep_expired(&app.db, &app.live, app.clock.now(), 100).unwrap();
    assert_eq!(count(&app), 0);
}

/// The cooldown applies on the pages too, with a message saying when.
#[actix_web::test]
async fn the_seat_map_says_when_a_given_back_seat_can_be_held_again() {
    let app = crate::helpers::spawn_app_configured(true, |s| s.rehold_cooldown_seconds = 120).await;
    let (event, free, _) = crate::holds::seated_event(&app, 1).await;
    crate::holds::buyer(&app, 1).await;
    let browser = browser_of(&app, "buyer1@example.com").await;
    let map = format!("/events/{event}/seats");
    let seat = free[0].to_string();
    let (status, _, _) =
        crate::seatmap::htmx_post(&browser, &app, &map, &map, &[("hold", &seat)]).await;
    assert_eq!(status, 200);
    let (status, _, _) =
        crate::seatmap::htmx_post(&browser, &app, &map, &map, &[("release", &seat)]).await;
    assert_eq!(status, 200);
    let (status, _, answer) =
        crate::seatmap::htmx_post(&browser, &app, &map, &map, &[("hold", &seat)]).await;
    assert_eq!(status, 409);
    let message = crate::helpers::texts(&answer, "#messages").join(" ");
    assert!(
        message.contains("gave these tickets back") && message.contains("2 minutes"),
        "{message}"
    );
}

/// A box office's cap per account for an event counts held and paid tickets; it is set and
/// lifted through the admin API (null: no limit), and checked there.
#[actix_web::test]
async fn a_box_office_caps_what_one_account_may_have_for_an_event() {
    use crate::holds::{buyer, call, hold};
    use crate::payments::{card_ok, pay};
    use serde_json::json;
    let app = spawn_app().await;
    let token = crate::admin_events::admin(&app).await;
    let (event, free, _) = crate::holds::seated_event(&app, 6).await;
    let path = format!("/api/v1/admin/events/{event}");
    let (status, current) = app
        .api(Some(&token), reqwest::Method::GET, &path, None)
        .await;
    assert_eq!(status, 200, "{current}");
    assert!(current["max_tickets_per_account"].is_null(), "{current}");
    let version = current["version"].clone();
    let (status, body) = app
        .api(
            Some(&token),
            reqwest::Method::PATCH,
            &path,
            Some(&json!({"version": version, "max_tickets_per_account": 0})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["errors"]["max_tickets_per_account"].is_string(),
        "{body}"
    );
    let (status, body) = app
        .api(
            Some(&token),
            reqwest::Method::PATCH,
            &path,
            Some(&json!({"version": version, "max_tickets_per_account": 3})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["max_tickets_per_account"], 3);
    let version = body["version"].clone();
    // Buyers are told, in the API and on the event's page.
    let (_, public) = app.get_json(&format!("/api/v1/events/{event}")).await;
    assert_eq!(public["max_tickets_per_account"], 3, "{public}");
    let (_, page) = app.get_html(&format!("/events/{event}")).await;
    let said = page.root_element().text().collect::<String>();
    assert!(said.contains("3 per account"), "the event page says so");

    let ada = buyer(&app, 1).await;
    let (status, held) = hold(&app, &ada, event, json!({"seat_ids": [free[0], free[1]]})).await;
    assert_eq!(status, 201, "{held}");
    let reference = held["reference"].as_str().unwrap().to_owned();
    let (status, payment) = pay(&app, &ada, &reference, "cap-1", "card").await;
    assert_eq!(status, 201, "{payment}");
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    let (_, view) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert_eq!(view["status"], "paid", "{view}");
    // Two bought: two more would make four.
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[2], free[3]]})).await;
    assert_eq!(status, 422, "{body}");
    let detail = body["errors"]["quantity"].as_str().unwrap();
    assert!(
        detail.contains("at most 3 tickets per account") && detail.contains("already have 2"),
        "{detail}"
    );
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[2]]})).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[3]]})).await;
    assert_eq!(status, 422, "held and bought count together: {body}");
    // Someone else has their own share.
    let bob = buyer(&app, 2).await;
    let (status, body) = hold(&app, &bob, event, json!({"seat_ids": [free[3], free[4]]})).await;
    assert_eq!(status, 201, "{body}");
    // null lifts the cap.
    let (status, body) = app
        .api(
            Some(&token),
            reqwest::Method::PATCH,
            &path,
            Some(&json!({"version": version, "max_tickets_per_account": null})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["max_tickets_per_account"].is_null(), "{body}");
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[5]]})).await;
    assert_eq!(status, 201, "{body}");
}

/// The event editor's form sets the cap; a bad one is shown beside the field and not saved.
#[actix_web::test]
async fn the_event_form_sets_the_per_account_cap_and_explains_a_bad_one() {
    let app = spawn_app().await;
    crate::admin_events::admin(&app).await;
    let (event, _, _) = crate::holds::seated_event(&app, 1).await;
    let edit = format!("/admin/events/{event}/edit");
    let (status, doc) = app.get_html(&edit).await;
    assert_eq!(status, 200);
    let mut fields = form_fields(&doc, "form#event-form");
    assert_eq!(
        fields.get("max_tickets_per_account").map(String::as_str),
        Some("")
    );
    let cap = || -> Option<i32> {
        use boxoffice::db::schema::events;
        app.with_conn(|c| {
            events::table
                .filter(events::id.eq(event))
                .select(events::max_tickets_per_account)
                .first(c)
                .unwrap()
        })
    };
    for bad in ["0", "many"] {
        fields.insert("max_tickets_per_account".into(), bad.into());
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let res = app.post_form(&edit, &pairs).await;
        assert_eq!(res.status(), 422, "{bad}");
        let doc = scraper::Html::parse_document(&res.text().await.unwrap());
        let error = crate::helpers::texts(&doc, "#max_tickets_per_account-error");
        assert_eq!(error.len(), 1, "{bad}");
        assert!(error[0].contains("no limit"), "{error:?}");
        assert_eq!(
            crate::helpers::attrs(&doc, "input#max_tickets_per_account", "value"),
            vec![bad.to_owned()],
            "what was typed is kept"
        );
        assert_eq!(cap(), None);
    }
    fields.insert("max_tickets_per_account".into(), "4".into());
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = app.post_form(&edit, &pairs).await;
    assert_eq!(res.status(), 303);
    assert_eq!(cap(), Some(4));
}

/// A form's fields as the browser would send them (inputs, chosen options, text areas).
fn form_fields(doc: &scraper::Html, form: &str) -> BTreeMap<String, String> {
    let form_sel = scraper::Selector::parse(form).unwrap();
    let form = doc.select(&form_sel).next().expect("the form");
    let mut fields = BTreeMap::new();
    let inputs = scraper::Selector::parse("input[name]").unwrap();
    for i in form.select(&inputs) {
        let kind = i.value().attr("type").unwrap_or("text");
        if matches!(kind, "submit" | "button")
            || (matches!(kind, "checkbox" | "radio") && i.value().attr("checked").is_none())
        {
            continue;
        }
        fields.insert(
            i.value().attr("name").unwrap().to_owned(),
            i.value().attr("value").unwrap_or("").to_owned(),
        );
    }
    let selects = scraper::Selector::parse("select[name]").unwrap();
    let chosen = scraper::Selector::parse("option[selected]").unwrap();
    for s in form.select(&selects) {
        let value = s
            .select(&chosen)
            .next()
            .and_then(|o| o.value().attr("value"))
            .unwrap_or("")
            .to_owned();
        fields.insert(s.value().attr("name").unwrap().to_owned(), value);
    }
    let areas = scraper::Selector::parse("textarea[name]").unwrap();
    for t in form.select(&areas) {
        fields.insert(
            t.value().attr("name").unwrap().to_owned(),
            t.text().collect::<String>(),
        );
    }
    fields
}

/// A basket whose own hold ran out and that lives on only while a payment is confirmed takes
/// no new holds: the buyer is told, and the basket is unchanged.
#[actix_web::test]
async fn a_basket_in_its_payment_grace_takes_no_new_holds() {
    use crate::holds::{buyer, call, hold, seat_statuses};
    use crate::payments::pay;
    use serde_json::json;
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, free, _) = crate::holds::seated_event(&app, 2).await;
    let (status, held) = hold(&app, &ada, event, json!({"seat_ids": [free[0]]})).await;
    assert_eq!(status, 201, "{held}");
    let reference = held["reference"].as_str().unwrap().to_owned();
    let (status, payment) = pay(&app, &ada, &reference, "grace-1", "card").await;
    assert_eq!(status, 201, "{payment}");
    // Past the hold's own end, within the payment's grace.
    app.clock
        .advance(TimeDelta::seconds(app.settings.hold_seconds as i64 + 30));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("time to pay has ended; a payment is being confirmed"),
        "{body}"
    );
    let (_, view) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert_eq!(view["status"], "pending", "{view}");
    assert_eq!(view["items"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(view["total_cents"], held["total_cents"], "{view}");
    assert_eq!(seat_statuses(&app, event).await[&free[1]], "available");
}
