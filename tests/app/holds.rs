//! Holding seats and places through the JSON API: all or nothing, one basket per buyer and
//! event, expiry, cancelling, best available, and a stampede that never oversells.

use std::collections::{BTreeMap, BTreeSet};

use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// A buyer with an API token.
pub(crate) struct Buyer {
    pub(crate) token: String,
}

pub(crate) async fn buyer(app: &TestApp, n: usize) -> Buyer {
    let email = format!("buyer{n}@example.com");
    Buyer {
        token: app.api_buyer(&format!("Buyer {n}"), &email).await,
    }
}

pub(crate) async fn hold(app: &TestApp, buyer: &Buyer, event: i64, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/holds")))
        .bearer_auth(&buyer.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn call(
    app: &TestApp,
    buyer: &Buyer,
    method: reqwest::Method,
    path: &str,
) -> (u16, Value) {
    let res = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&buyer.token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The seat map of an event as the API gives it: seat id → status.
pub(crate) async fn seat_statuses(app: &TestApp, event: i64) -> BTreeMap<i64, String> {
    let (_, body) = app.get_json(&format!("/api/v1/events/{event}/seats")).await;
    body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().unwrap(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The event's available seats, as the seat-map API lists them.
pub(crate) async fn free_seats(app: &TestApp, event: i64) -> Vec<i64> {
    let (_, map) = app.get_json(&format!("/api/v1/events/{event}/seats")).await;
    map["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "available")
        .map(|s| s["id"].as_i64().unwrap())
        .collect()
}

/// Places left in a standing section, as the seat-map API gives them.
async fn standing_left(app: &TestApp, event: i64, section: i64) -> i64 {
    let (_, map) = app.get_json(&format!("/api/v1/events/{event}/seats")).await;
    map["standing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["section_id"] == section)
        .unwrap()["available"]
        .as_i64()
        .unwrap()
}

/// An on-sale event with at least `seats` available seats, and those seats' ids (one row's
/// worth first).
pub(crate) async fn seated_event(app: &TestApp, seats: usize) -> (i64, Vec<i64>, i64) {
    let (_, list) = app.get_json("/api/v1/events?per_page=50").await;
    for event in list["items"].as_array().unwrap() {
        let id = event["id"].as_i64().unwrap();
        let free = free_seats(app, id).await;
        if free.len() >= seats {
            let (_, detail) = app.get_json(&format!("/api/v1/events/{id}")).await;
            let max = detail["max_tickets_per_order"].as_i64().unwrap_or(6);
            return (id, free, max);
        }
    }
    panic!("no event with {seats} free seats");
}

/// An on-sale event with a standing area that has at least `places` left, and that area as
/// the seat-map API gives it.
pub(crate) async fn standing_area(app: &TestApp, places: i64) -> (i64, Value) {
    let (_, list) = app.get_json("/api/v1/events?per_page=50").await;
    for event in list["items"].as_array().unwrap() {
        let id = event["id"].as_i64().unwrap();
        let (_, map) = app.get_json(&format!("/api/v1/events/{id}/seats")).await;
        if let Some(area) = map["standing"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["available"].as_i64().unwrap() >= places)
        {
            return (id, area.clone());
        }
    }
    panic!("no standing area on sale with {places} places left");
}

fn item_seats(booking: &Value) -> BTreeSet<i64> {
    booking["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["seat_id"].as_i64())
        .collect()
}

#[actix_web::test]
async fn a_hold_is_all_or_nothing_and_goes_into_one_basket() {
    let app = spawn_app().await;
    let (event, free, _) = seated_event(&app, 10).await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);

    let (status, booking) = hold(&app, &ada, event, json!({"seat_ids": [free[0], free[1]]})).await;
    assert_eq!(status, 201, "{booking}");
    assert_eq!(booking["status"], "pending");
    assert_eq!(booking["event_id"], event);
    assert_eq!(item_seats(&booking), BTreeSet::from([free[0], free[1]]));
    let expires = booking["expires_at"].as_str().unwrap().to_owned();
    assert_eq!(
        expires, "2027-02-01T10:15:00Z",
        "15 minutes from the first hold"
    );
    let total: i64 = booking["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["price_cents"].as_i64().unwrap())
        .sum();
    assert_eq!(booking["total_cents"], total);
    let statuses = seat_statuses(&app, event).await;
    assert_eq!(statuses[&free[0]], "held");
    assert_eq!(statuses[&free[1]], "held");

    // Bob wants one of Ada's seats and a free one: nothing is held, the taken seat is named.
    let (status, problem) = hold(&app, &bob, event, json!({"seat_ids": [free[2], free[1]]})).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["unavailable_seat_ids"], json!([free[1]]));
    assert_eq!(seat_statuses(&app, event).await[&free[2]], "available");

    // Ada's next seat joins the same basket, which keeps its expiry.
    app.clock.advance(TimeDelta::minutes(5));
    let (status, again) = hold(&app, &ada, event, json!({"seat_ids": [free[2]]})).await;
    assert_eq!(status, 201);
    assert_eq!(again["reference"], booking["reference"]);
    assert_eq!(again["expires_at"], booking["expires_at"]);
    assert_eq!(item_seats(&again).len(), 3);

    // Only its owner sees it.
    let reference = booking["reference"].as_str().unwrap();
    let (status, _) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        &bob,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &bob,
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn bad_hold_requests_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (event, free, max) = seated_event(&app, 20).await;
    let ada = buyer(&app, 1).await;
    let too_many: Vec<i64> = free.iter().take(max as usize + 1).copied().collect();
    let cases = [
        (json!({"seat_ids": too_many}), 422),
        (json!({"seat_ids": []}), 422),
        (json!({"seat_ids": [free[0], free[0]]}), 422),
        (json!({"seat_ids": [999_999_999]}), 422),
        (
            json!({"seat_ids": [free[0]], "best_available": {"quantity": 2}}),
            422,
        ),
        (json!({"best_available": {"quantity": 0}}), 422),
        (json!({"nonsense": true}), 422),
    ];
    for (body, expected) in cases {
        let (status, problem) = hold(&app, &ada, event, body.clone()).await;
        assert_eq!(status, expected, "{body} -> {problem}");
    }
    let (status, _) = hold(&app, &ada, 999_999, json!({"seat_ids": [free[0]]})).await;
    assert_eq!(status, 404);
    let res = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/holds")))
        .json(&json!({"seat_ids": [free[0]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(
        seat_statuses(&app, event)
            .await
            .values()
            .all(|s| s != "held")
    );
}

#[actix_web::test]
async fn cancelling_frees_the_seats_at_once_and_only_a_pending_booking_can_be_cancelled() {
    let app = spawn_app().await;
    let (event, free, _) = seated_event(&app, 4).await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let (_, booking) = hold(&app, &ada, event, json!({"seat_ids": [free[0], free[1]]})).await;
    let path = format!(
        "/api/v1/bookings/{}",
        booking["reference"].as_str().unwrap()
    );
    let (status, cancelled) = call(&app, &ada, reqwest::Method::DELETE, &path).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(seat_statuses(&app, event).await[&free[0]], "available");
    let (status, _) = call(&app, &ada, reqwest::Method::DELETE, &path).await;
    assert_eq!(status, 409);
    // Bob can have them now.
    let (status, _) = hold(&app, &bob, event, json!({"seat_ids": [free[0], free[1]]})).await;
    assert_eq!(status, 201);
}

#[actix_web::test]
async fn an_expired_hold_is_free_at_once_and_the_sweeper_ends_it() {
    let app = spawn_app().await;
    let (event, free, _) = seated_event(&app, 4).await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let (_, first) = hold(&app, &ada, event, json!({"seat_ids": [free[0], free[1]]})).await;
    app.clock.advance(TimeDelta::seconds(901));
    // Free in every query before any sweeper ran.
    let statuses = seat_statuses(&app, event).await;
    assert_eq!(
        (statuses[&free[0]].as_str(), statuses[&free[1]].as_str()),
        ("available", "available")
    );
    // Bob takes one of them over; Ada's basket is over.
    let (status, _) = hold(&app, &bob, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 201);
    let path = format!("/api/v1/bookings/{}", first["reference"].as_str().unwrap());
    let (_, ada_view) = call(&app, &ada, reqwest::Method::GET, &path).await;
    assert_eq!(ada_view["status"], "expired");
    // Ada holds again: a new basket with a new expiry.
    let (status, second) = hold(&app, &ada, event, json!({"seat_ids": [free[0]]})).await;
    assert_eq!(status, 201);
    assert_ne!(second["reference"], first["reference"]);

    // Unswept expiry: the sweeper ends it, and frees the seat in the rows too.
    app.clock.advance(TimeDelta::seconds(901));
    let mut live = app
        .live
        .subscribe(boxoffice::domain::ids::EventId(event), None)
        .rx;
    app.run_worker();
    let path = format!("/api/v1/bookings/{}", second["reference"].as_str().unwrap());
    let (_, view) = call(&app, &ada, reqwest::Method::GET, &path).await;
    assert_eq!(view["status"], "expired");
    let held: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::event_seats::dsl::*;
        use diesel::prelude::*;
        event_seats
            .filter(event_id.eq(event))
            .filter(status.eq("held"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(held, 0, "the sweeper released every expired hold");
    // Viewers were told which seats came back.
    let mut told = BTreeSet::new();
    // Changes go out once a tick (send what is waiting now); on PostgreSQL they come back
    // through LISTEN/NOTIFY first, a few milliseconds later.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !(told.contains(&free[0]) && told.contains(&free[1]))
        && std::time::Instant::now() < deadline
    {
        app.live.flush();
        while let Ok(change) = live.try_recv() {
            told.extend(change.change.seats.iter().map(|s| s.0));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        told.contains(&free[0]) && told.contains(&free[1]),
        "{told:?}"
    );
    // The sweeper ended Bob's basket and Ada's second one: each is told.
    assert_eq!(
        app.deliver_emails_listed(),
        [
            "hold_expired buyer2@example.com",
            "hold_expired buyer1@example.com"
        ]
    );
}

#[actix_web::test]
async fn best_available_holds_adjacent_seats_in_one_row() {
    let app = spawn_app().await;
    let (event, _, _) = seated_event(&app, 10).await;
    let ada = buyer(&app, 1).await;
    let (status, booking) = hold(
        &app,
        &ada,
        event,
        json!({"best_available": {"quantity": 4}}),
    )
    .await;
    assert_eq!(status, 201, "{booking}");
    let items = booking["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let rows: BTreeSet<(&str, &str)> = items
        .iter()
        .map(|i| (i["section"].as_str().unwrap(), i["row"].as_str().unwrap()))
        .collect();
    assert_eq!(rows.len(), 1, "one row: {items:?}");
    let mut numbers: Vec<i64> = items
        .iter()
        .map(|i| i["number"].as_i64().unwrap())
        .collect();
    numbers.sort_unstable();
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "adjacent: {numbers:?}"
    );
}

#[actix_web::test]
async fn standing_places_are_counted_and_never_oversold() {
    let app = spawn_app().await;
    let (event, area) = standing_area(&app, 10).await;
    let section = area["section_id"].as_i64().unwrap();
    let before = area["available"].as_i64().unwrap();
    let ada = buyer(&app, 1).await;
    let (status, booking) = hold(
        &app,
        &ada,
        event,
        json!({"standing": {"section_id": section, "quantity": 3}}),
    )
    .await;
    assert_eq!(status, 201, "{booking}");
    assert_eq!(booking["items"][0]["quantity"], 3);
    let after = standing_left(&app, event, section).await;
    assert_eq!(after, before - 3);
    let (status, _) = hold(
        &app,
        &ada,
        event,
        json!({"standing": {"section_id": 999_999, "quantity": 1}}),
    )
    .await;
    assert_eq!(status, 422);
}

/// The status of a booking as stored (the sweeper has not necessarily run).
fn stored_status(app: &TestApp, reference: &str) -> String {
    use boxoffice::db::schema::bookings;
    use diesel::prelude::*;
    app.with_conn(|c| {
        bookings::table
            .filter(bookings::reference.eq(reference))
            .select(bookings::status)
            .first::<String>(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn a_standing_hold_ends_its_sections_expired_holds_and_leaves_other_events_to_the_sweeper() {
    let app = spawn_app().await;
    let (event, area) = standing_area(&app, 10).await;
    let section = area["section_id"].as_i64().unwrap();
    let before = area["available"].as_i64().unwrap();
    let (ada, bob, cy) = (
        buyer(&app, 1).await,
        buyer(&app, 2).await,
        buyer(&app, 3).await,
    );
    let standing = |n: i64| json!({"standing": {"section_id": section, "quantity": n}});
    let (status, ada_booking) = hold(&app, &ada, event, standing(3)).await;
    assert_eq!(status, 201, "{ada_booking}");
    // Bob holds seats of another event.
    let (_, list) = app.get_json("/api/v1/events?per_page=50").await;
    let mut other = None;
    for e in list["items"].as_array().unwrap() {
        let id = e["id"].as_i64().unwrap();
        if id == event {
            continue;
        }
        let free = free_seats(&app, id).await;
        if free.len() >= 2 {
            other = Some((id, free[..2].to_vec()));
            break;
        }
    }
    let (other_event, seats) = other.expect("another event with two free seats");
    let (status, bob_booking) = hold(&app, &bob, other_event, json!({"seat_ids": seats})).await;
    assert_eq!(status, 201, "{bob_booking}");

    // Both run out; no sweeper runs. Cy's standing hold ends Ada's basket (its places come
    // back) and leaves Bob's, of another event, as it was.
    app.clock.advance(TimeDelta::seconds(901));
    let (status, cy_booking) = hold(&app, &cy, event, standing(1)).await;
    assert_eq!(status, 201, "{cy_booking}");
    let ada_ref = ada_booking["reference"].as_str().unwrap();
    let bob_ref = bob_booking["reference"].as_str().unwrap();
    assert_eq!(stored_status(&app, ada_ref), "expired");
    assert_eq!(stored_status(&app, bob_ref), "pending");
    let left = standing_left(&app, event, section).await;
    assert_eq!(
        left,
        before - 1,
        "Ada's three places are back, Cy holds one"
    );

    // Ada is told at once; the sweeper ends Bob's and tells him.
    assert_eq!(
        app.deliver_emails_listed(),
        ["hold_expired buyer1@example.com"]
    );
    app.run_worker();
    assert_eq!(stored_status(&app, bob_ref), "expired");
    app.deliver_emails_listed();
    let told: Vec<String> = app.with_conn(|c| {
        use boxoffice::db::schema::email_outbox;
        use diesel::prelude::*;
        email_outbox::table
            .filter(email_outbox::status.eq("sent"))
            .filter(email_outbox::kind.eq("hold_expired"))
            .order(email_outbox::id)
            .select(email_outbox::recipient)
            .load(c)
            .unwrap()
    });
    assert_eq!(told, ["buyer1@example.com", "buyer2@example.com"]);
}

#[actix_web::test]
async fn holding_too_fast_is_throttled_and_changes_nothing() {
    let app = crate::helpers::spawn_app_configured(true, |s| s.holds_per_minute = 3).await;
    let (event, free, _) = seated_event(&app, 10).await;
    let ada = buyer(&app, 1).await;
    for seat in &free[..3] {
        let (status, _) = hold(&app, &ada, event, json!({"seat_ids": [seat]})).await;
        assert_eq!(status, 201);
    }
    let res = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/holds")))
        .bearer_auth(&ada.token)
        .json(&json!({"seat_ids": [free[3]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    assert_eq!(seat_statuses(&app, event).await[&free[3]], "available");
    // Another buyer is not held back, and Ada may go on once the wait is over.
    let bob = buyer(&app, 2).await;
    let (status, _) = hold(&app, &bob, event, json!({"seat_ids": [free[4]]})).await;
    assert_eq!(status, 201);
    app.clock.advance(TimeDelta::seconds(wait as i64));
    let (status, _) = hold(&app, &ada, event, json!({"seat_ids": [free[3]]})).await;
    assert_eq!(status, 201);
}
