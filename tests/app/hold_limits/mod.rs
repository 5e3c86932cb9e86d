//! Issue 16, the holds part: lock order on the section counters under a random multi-section
//! load with holds running out, caps on live streams, and what one account may hold.

mod deadlocks;
mod event_caps;
mod grace;
mod live_caps;
mod rehold;
mod sweepers;
mod unverified;

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use boxoffice::domain::ids::{EventId, SeatId, UserId};

use crate::helpers::TestApp;

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
    let people: Vec<_> = (0..n)
        .map(|i| (format!("Buyer {i}"), format!("{prefix}{i}@example.com")))
        .collect();
    app.create_buyers(&people)
        .into_iter()
        .map(|account| account.id)
        .collect()
}

/// The seated counters of the event, compared with its seat rows.
fn counter_problems(app: &TestApp, event: EventId) -> Vec<String> {
    #[derive(QueryableByName, Debug)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        #[expect(dead_code, reason = "read by SQL only, to group the rows")]
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
