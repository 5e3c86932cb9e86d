//! C2 (WAITING_ROOM.md §4) through the JSON API: joining and claiming as API.md says, then a
//! hold with the admission in `Queue-Token` goes through, and every bad token is refused with
//! 403 `errors.queue`, counted by its reason, holding nothing.

use chrono::TimeDelta;
use serde_json::{Value, json};

use boxoffice::domain::ids::EventId;
use boxoffice::services::queue;

use super::tick;
use crate::helpers::{TestApp, spawn_app};
use crate::holds::{Buyer, buyer, seat_statuses, seated_event};

async fn queue_call(
    app: &TestApp,
    who: &Buyer,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&who.token);
    if let Some(t) = token {
        req = req.header("Queue-Token", t);
    }
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn hold_with(
    app: &TestApp,
    who: &Buyer,
    event: i64,
    seat: i64,
    token: Option<&str>,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/holds")))
        .bearer_auth(&who.token)
        .json(&json!({"seat_ids": [seat]}));
    if let Some(t) = token {
        req = req.header("Queue-Token", t);
    }
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

/// Joins through the API and, once called, claims: the admission token.
async fn admitted(app: &TestApp, who: &Buyer, event: i64) -> String {
    let path = format!("/api/v1/events/{event}/queue");
    let (status, joined) = queue_call(app, who, reqwest::Method::POST, &path, None).await;
    assert_eq!(status, 201, "{joined}");
    let wait = joined["token"].as_str().unwrap().to_owned();
    let (status, again) = queue_call(app, who, reqwest::Method::POST, &path, None).await;
    assert_eq!(
        (status, &again["seq"]),
        (200, &joined["seq"]),
        "the same place"
    );
    app.clock.advance(TimeDelta::seconds(5));
    assert!(tick(app, EventId(event)).called >= 1);
    app.refresh_queue();
    let (status, s) = queue_call(app, who, reqwest::Method::GET, &path, Some(&wait)).await;
    assert_eq!((status, s["state"].as_str()), (200, Some("called")), "{s}");
    let claim = format!("{path}/claim");
    let (status, claimed) = queue_call(app, who, reqwest::Method::POST, &claim, Some(&wait)).await;
    assert_eq!(status, 200, "{claimed}");
    assert!(claimed["expires_at"].is_string());
    claimed["token"].as_str().unwrap().to_owned()
}

fn refused(app: &TestApp, reason: &str) -> u64 {
    app.queue
        .refusals()
        .into_iter()
        .find(|(r, _)| *r == reason)
        .map_or(0, |(_, n)| n)
}

#[actix_web::test]
async fn only_a_genuine_admission_for_this_event_and_account_holds() {
    let app = spawn_app().await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    app.verify("buyer1@example.com");
    app.verify("buyer2@example.com");
    let (event, free, _) = seated_event(&app, 2).await;
    let others: Vec<EventId> = super::on_sale_events(&app)
        .into_iter()
        .filter(|e| e.0 != event)
        .collect();
    let room = queue::RoomSettings {
        rate_per_minute: Some(60),
        max_active: Some(10),
        ..queue::default_settings()
    };
    for e in [EventId(event), others[0]] {
        queue::configure(&app.db, e, &room, app.clock.now()).unwrap();
    }
    app.refresh_queue();
    let ada_here = admitted(&app, &ada, event).await;
    let ada_there = admitted(&app, &ada, others[0].0).await;

    let mut flipped_payload = ada_here.clone().into_bytes();
    let i = ada_here.find(".a.").unwrap() + 3; // the event's first digit
    flipped_payload[i] ^= 1;
    let flipped_payload = String::from_utf8(flipped_payload).unwrap();
    let mut flipped_mac = ada_here.clone();
    let last = flipped_mac.pop().unwrap();
    flipped_mac.push(if last == 'a' { 'b' } else { 'a' });
    let cases: [(&Buyer, Option<&str>, &str); 6] = [
        (&ada, None, "missing"),
        (&ada, Some(&flipped_payload), "forged"),
        (&ada, Some(&flipped_mac), "forged"),
        (&ada, Some(&ada_there), "other_event"),
        (&bob, Some(&ada_here), "other_account"),
        (&ada, Some("not a token"), "malformed"),
    ];
    for (who, token, reason) in cases {
        let before = refused(&app, reason);
        let (status, body) = hold_with(&app, who, event, free[0], token).await;
        assert_eq!(status, 403, "{reason}: {body}");
        assert!(body["errors"]["queue"].is_string(), "{body}");
        assert_eq!(refused(&app, reason), before + 1, "{reason} is counted");
    }
    assert_eq!(seat_statuses(&app, event).await[&free[0]], "available");

    // The genuine one holds, fourteen minutes into the turn, and the answer renews the
    // admission to last as long as the hold.
    app.clock.advance(TimeDelta::minutes(14));
    let res = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/holds")))
        .bearer_auth(&ada.token)
        .header("Queue-Token", &ada_here)
        .json(&json!({"seat_ids": [free[0]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let renewed = res.headers()["Queue-Token"].to_str().unwrap().to_owned();
    assert_ne!(renewed, ada_here);
    let exp = |t: &str| t.split('.').nth(6).unwrap().parse::<i64>().unwrap();
    let held: Value = res.json().await.unwrap();
    let hold_ends = chrono::DateTime::parse_from_rfc3339(held["expires_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert_eq!(exp(&renewed), hold_ends);
    assert!(exp(&renewed) > exp(&ada_here));

    // Past its expiry it holds nothing more (the turn has run out as well).
    app.clock.advance(TimeDelta::minutes(17));
    let before = refused(&app, "expired");
    let (status, body) = hold_with(&app, &ada, event, free[1], Some(&ada_here)).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(refused(&app, "expired"), before + 1);
    assert_eq!(seat_statuses(&app, event).await[&free[1]], "available");

    // Leaving through the API ends the place.
    let path = format!("/api/v1/events/{event}/queue");
    let (status, _) = queue_call(&app, &bob, reqwest::Method::POST, &path, None).await;
    assert_eq!(status, 201);
    let (status, _) = queue_call(&app, &bob, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let left = super::tickets_of(&app, EventId(event))
        .into_iter()
        .filter(|t| t.state == boxoffice::domain::queue::TicketState::Left)
        .count();
    assert_eq!(left, 1);
    app.leaves_work_behind("the expired hold is swept later");
}
