//! Many buyers at once on the same few seats, over real HTTP. Afterwards the database must show
//! no seat held twice, every successful hold owning exactly what it asked for, and counters that
//! add up. A control run with the locking switched off (a test-only switch) and the database's
//! backstop index dropped must see the oversell, which proves the check can fail.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::helpers::{TestApp, spawn_app};

const BUYERS: usize = 50;
const HOT_SEATS: usize = 6;
const ROUNDS: usize = 3;

/// `n` separate accounts, each with an API token. (Made through the service: the register
/// endpoint's rate limit would stop 50 sign-ups from one address, as it should.)
async fn tokens(app: &TestApp, n: usize) -> Vec<String> {
    use boxoffice::services::accounts;
    let now = app.clock.now();
    let people: Vec<_> = (0..n)
        .map(|i| (format!("Buyer {i}"), format!("stampede{i}@example.com")))
        .collect();
    app.create_buyers(&people)
        .iter()
        .map(|account| accounts::issue_token(&app.db, account, now).unwrap().token)
        .collect()
}

/// An on-sale event and `n` free seats of it.
async fn hot_seats(app: &TestApp, n: usize) -> (i64, Vec<i64>) {
    let (_, list) = app.get_json("/api/v1/events?per_page=50").await;
    for event in list["items"].as_array().unwrap() {
        let id = event["id"].as_i64().unwrap();
        let (_, map) = app.get_json(&format!("/api/v1/events/{id}/seats")).await;
        let free: Vec<i64> = map["seats"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["status"] == "available")
            .map(|s| s["id"].as_i64().unwrap())
            .take(n)
            .collect();
        if free.len() == n {
            return (id, free);
        }
    }
    panic!("no event with {n} free seats");
}

/// A successful hold: who asked for which seats, and the booking they got.
struct Won {
    reference: String,
    seats: BTreeSet<i64>,
}

/// Every buyer at once asks for two of the hot seats. Answers the winners; panics on a 5xx.
async fn round(
    app: &TestApp,
    tokens: &[String],
    event: i64,
    seats: &[i64],
    round: usize,
) -> Vec<Won> {
    let mut set = JoinSet::new();
    for (i, token) in tokens.iter().enumerate() {
        let a = seats[(i + round) % seats.len()];
        let b = seats[(i * 7 + round * 3 + 1) % seats.len()];
        let wanted: BTreeSet<i64> = [a, b].into_iter().collect();
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/events/{event}/holds"));
        let token = token.clone();
        set.spawn(async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"seat_ids": wanted.iter().collect::<Vec<_>>()}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            (status, body, wanted)
        });
    }
    let mut won = Vec::new();
    while let Some(done) = set.join_next().await {
        let (status, body, wanted) = done.unwrap();
        assert!(status < 500, "a hold failed with {status}: {body}");
        match status {
            201 => won.push(Won {
                reference: body["reference"].as_str().unwrap().to_owned(),
                seats: wanted,
            }),
            409 => {
                let named: BTreeSet<i64> = body["unavailable_seat_ids"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_i64).collect())
                    .unwrap_or_default();
                assert!(!named.is_empty() && named.is_subset(&wanted), "{body}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    won
}

#[derive(QueryableByName, Debug)]
struct SeatOwners {
    #[diesel(sql_type = BigInt)]
    seat_id: i64,
    #[diesel(sql_type = BigInt)]
    owners: i64,
}

#[derive(QueryableByName, Debug)]
struct HeldRow {
    #[diesel(sql_type = BigInt)]
    seat_id: i64,
    #[diesel(sql_type = Text)]
    reference: String,
}

#[derive(QueryableByName, Debug)]
struct Counters {
    #[diesel(sql_type = BigInt)]
    capacity: i64,
    #[diesel(sql_type = BigInt)]
    held: i64,
    #[diesel(sql_type = BigInt)]
    sold: i64,
    #[diesel(sql_type = BigInt)]
    blocked: i64,
    #[diesel(sql_type = BigInt)]
    rows_available: i64,
    #[diesel(sql_type = BigInt)]
    rows_held: i64,
    #[diesel(sql_type = BigInt)]
    rows_sold: i64,
    #[diesel(sql_type = BigInt)]
    rows_blocked: i64,
}

/// Everything wrong with the event's inventory, as sentences (empty when all is well).
fn violations(app: &TestApp, event: i64, winners: &[Won]) -> Vec<String> {
    let mut found = Vec::new();
    app.with_conn(|c| {
        // 1. No seat has two live bookings.
        let doubled: Vec<SeatOwners> = diesel::sql_query(format!(
            "SELECT es.seat_id AS seat_id, COUNT(*) AS owners FROM booking_items bi \
             JOIN bookings b ON b.id = bi.booking_id \
             JOIN event_seats es ON es.id = bi.event_seat_id \
             WHERE bi.active AND b.status IN ('pending', 'paid') AND es.event_id = {event} \
             GROUP BY es.seat_id HAVING COUNT(*) > 1"
        ))
        .load(c)
        .unwrap();
        for d in doubled {
            found.push(format!("seat {} is held by {} bookings", d.seat_id, d.owners));
        }
        // 2. Every winner owns exactly the seats it asked for.
        let held: Vec<HeldRow> = diesel::sql_query(format!(
            "SELECT es.seat_id AS seat_id, b.reference AS reference FROM event_seats es \
             JOIN bookings b ON b.id = es.booking_id \
             WHERE es.event_id = {event} AND es.status = 'held'"
        ))
        .load(c)
        .unwrap();
        let mut owner: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
        for h in held {
            owner.entry(h.reference).or_default().insert(h.seat_id);
        }
        for w in winners {
            let got = owner.get(&w.reference).cloned().unwrap_or_default();
            if got != w.seats {
                found.push(format!(
                    "booking {} asked for {:?} but owns {:?}",
                    w.reference, w.seats, got
                ));
            }
        }
        // 3. Counters add up: available + held + sold + blocked = capacity, per section.
        let counters: Vec<Counters> = diesel::sql_query(format!(
            "SELECT CAST(s.capacity AS BIGINT) AS capacity, CAST(s.held AS BIGINT) AS held, \
             CAST(s.sold AS BIGINT) AS sold, CAST(s.blocked AS BIGINT) AS blocked, \
             (SELECT COUNT(*) FROM event_seats e WHERE e.event_id = s.event_id AND e.section_id = s.section_id AND e.status = 'available') AS rows_available, \
             (SELECT COUNT(*) FROM event_seats e WHERE e.event_id = s.event_id AND e.section_id = s.section_id AND e.status = 'held') AS rows_held, \
             (SELECT COUNT(*) FROM event_seats e WHERE e.event_id = s.event_id AND e.section_id = s.section_id AND e.status = 'sold') AS rows_sold, \
             (SELECT COUNT(*) FROM event_seats e WHERE e.event_id = s.event_id AND e.section_id = s.section_id AND e.status = 'blocked') AS rows_blocked \
             FROM event_sections s JOIN sections sec ON sec.id = s.section_id \
             WHERE s.event_id = {event} AND sec.kind = 'seated'"
        ))
        .load(c)
        .unwrap();
        for k in counters {
            if (k.held, k.sold, k.blocked) != (k.rows_held, k.rows_sold, k.rows_blocked)
                || k.rows_available + k.rows_held + k.rows_sold + k.rows_blocked != k.capacity
            {
                found.push(format!("counters do not add up: {k:?}"));
            }
        }
    });
    found
}

/// Cancels every pending booking of the round, through the API, so the seats are free again.
async fn cancel_all(app: &TestApp, tokens: &[String], won: &[Won]) {
    for w in won {
        for token in tokens {
            let res = app
                .client
                .delete(app.url(&format!("/api/v1/bookings/{}", w.reference)))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            if res.status() == 200 {
                break;
            }
        }
    }
}

#[actix_web::test]
async fn fifty_buyers_on_six_seats_never_oversell() {
    let app = spawn_app().await;
    let (event, seats) = hot_seats(&app, HOT_SEATS).await;
    let tokens = tokens(&app, BUYERS).await;
    let mut total_won = 0;
    for r in 0..ROUNDS {
        let won = round(&app, &tokens, event, &seats, r).await;
        assert!(!won.is_empty(), "someone wins each round");
        assert!(won.len() <= HOT_SEATS / 2 + HOT_SEATS % 2);
        let problems = violations(&app, event, &won);
        assert!(problems.is_empty(), "round {r}: {problems:#?}");
        total_won += won.len();
        cancel_all(&app, &tokens, &won).await;
        assert!(violations(&app, event, &[]).is_empty());
    }
    assert!(total_won >= ROUNDS);
}

#[actix_web::test]
async fn with_the_locking_off_the_same_stampede_is_caught_overselling() {
    let app = spawn_app().await;
    let (event, seats) = hot_seats(&app, HOT_SEATS).await;
    let tokens = tokens(&app, BUYERS).await;
    // Turn off the code's locks and guards, and the database's backstop index.
    app.db.set_unlocked_for_tests(true);
    app.with_conn(|c| {
        diesel::sql_query("DROP INDEX booking_items_live_seat_key")
            .execute(c)
            .unwrap()
    });
    let mut caught = Vec::new();
    for r in 0..5 {
        let won = round(&app, &tokens, event, &seats, r).await;
        caught = violations(&app, event, &won);
        if !caught.is_empty() {
            break;
        }
        cancel_all(&app, &tokens, &won).await;
    }
    assert!(
        caught.iter().any(|v| v.contains("held by")),
        "the check must see the double holds: {caught:#?}"
    );
}

/// Like the hot-seat benchmark: every buyer keeps asking for two of the hot seats and a winner
/// cancels at once, while the others go on. No hold and no cancel may fail (a cancel meeting
/// holds on the same seats once ended in a deadlock and a 500 on PostgreSQL), and at the end
/// every seat is free again with the counters right.
#[actix_web::test]
async fn winners_cancelling_while_everyone_keeps_trying_never_fail() {
    const TURNS: usize = 12;
    let app = spawn_app().await;
    let (event, seats) = hot_seats(&app, HOT_SEATS).await;
    let tokens = tokens(&app, BUYERS).await;
    let mut set = JoinSet::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let client = app.client.clone();
        let holds = app.url(&format!("/api/v1/events/{event}/holds"));
        let booking = app.url("/api/v1/bookings/");
        let seats = seats.clone();
        set.spawn(async move {
            let mut failures = Vec::new();
            let mut won = 0;
            for turn in 0..TURNS {
                let a = seats[(i + turn) % seats.len()];
                let b = seats[(i * 5 + turn * 3 + 1) % seats.len()];
                let wanted: BTreeSet<i64> = [a, b].into_iter().collect();
                let res = client
                    .post(&holds)
                    .bearer_auth(&token)
                    .json(&json!({"seat_ids": wanted.iter().collect::<Vec<_>>()}))
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let body: Value = res.json().await.unwrap_or(Value::Null);
                match status {
                    201 => {
                        won += 1;
                        let reference = body["reference"].as_str().unwrap().to_owned();
                        let res = client
                            .delete(format!("{booking}{reference}"))
                            .bearer_auth(&token)
                            .send()
                            .await
                            .unwrap();
                        if res.status() != 200 {
                            failures.push(format!("cancel {reference}: {}", res.status()));
                        }
                    }
                    409 => {}
                    other => failures.push(format!("hold: {other} {body}")),
                }
            }
            (won, failures)
        });
    }
    let (mut won, mut failures) = (0, Vec::new());
    while let Some(done) = set.join_next().await {
        let (w, f) = done.unwrap();
        won += w;
        failures.extend(f);
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(won >= TURNS, "seats kept changing hands ({won} holds)");
    let problems = violations(&app, event, &[]);
    assert!(problems.is_empty(), "{problems:#?}");
}
