//! The gate in front of the holds (WAITING_ROOM.md §3.9, checks C1, C3, C4): while an event's
//! waiting room is on, a hold goes through only for an account whose turn runs, confirmed
//! inside the hold's transaction, and it keeps that turn running as long as the seats are
//! held. With the room off, holds are as before (the rest of the suite).

use chrono::TimeDelta;
use serde_json::{Value, json};

use boxoffice::domain::ids::{EventId, UserId};
use boxoffice::domain::queue::TicketState;
use boxoffice::services::queue::{self, Claim};

use crate::helpers::{TestApp, spawn_app};
use crate::holds::{Buyer, buyer, call, hold, seated_event};
use crate::payments::{card_ok, pay};

use super::{settings, tick, ticket};

async fn user_of(app: &TestApp, who: &Buyer) -> UserId {
    let (status, me) = call(app, who, reqwest::Method::GET, "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    UserId(me["id"].as_i64().unwrap())
}

async fn seat_status(app: &TestApp, event: i64, seat: i64) -> String {
    let (_, seats) = app.get_json(&format!("/api/v1/events/{event}/seats")).await;
    seats["seats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == seat)
        .map(|s| s["status"].as_str().unwrap().to_owned())
        .unwrap()
}

fn refused_for_the_queue(status: u16, body: &Value) {
    assert_eq!(status, 403, "{body}");
    assert!(
        body["errors"]["queue"]
            .as_str()
            .is_some_and(|m| m.contains("waiting room")),
        "{body}"
    );
}

#[actix_web::test]
async fn only_a_running_turn_holds_and_a_hold_keeps_it_running_until_the_seats_go() {
    let app = spawn_app().await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let ada_id = user_of(&app, &ada).await;
    let (event, free, _) = seated_event(&app, 3).await;
    let event_id = EventId(event);
    // Holds work before the room is on…
    let (status, held) = hold(&app, &bob, event, json!({"seat_ids": [free[2]]})).await;
    assert_eq!(status, 201, "{held}");
    queue::configure(&app.db, event_id, &settings(None, Some(5)), app.clock.now()).unwrap();

    // C1: Ada has not queued: refused, and the seat stays free.
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[0]]})).await;
    refused_for_the_queue(status, &body);
    assert_eq!(seat_status(&app, event, free[0]).await, "available");
    // Nor does Bob's basket, held before the room opened, take more without a turn.
    let (status, body) = hold(&app, &bob, event, json!({"seat_ids": [free[1]]})).await;
    refused_for_the_queue(status, &body);

    // Queued and called, but not claimed yet: still refused.
    let hers = queue::join(&app.db, event_id, Some(ada_id), app.clock.now())
        .unwrap()
        .ticket
        .id;
    assert_eq!(tick(&app, event_id).called, 1);
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[0]]})).await;
    refused_for_the_queue(status, &body);

    // C4: claimed; 14 minutes into her 15-minute turn she holds a seat for 15 minutes: the
    // turn now runs until the hold ends.
    let Claim::Admitted { active_until, .. } =
        queue::claim(&app.db, hers, app.clock.now()).unwrap()
    else {
        panic!("admitted")
    };
    app.clock.advance(TimeDelta::minutes(14));
    let (status, held) = hold(&app, &ada, event, json!({"seat_ids": [free[0]]})).await;
    assert_eq!(status, 201, "{held}");
    assert_eq!(seat_status(&app, event, free[0]).await, "held");
    let turn = ticket(&app, hers);
    assert!(turn.active_until.unwrap() > active_until, "{turn:?}");
    let hold_ends = chrono::DateTime::parse_from_rfc3339(held["expires_at"].as_str().unwrap())
        .unwrap()
        .naive_utc();
    let turn_ends = turn.active_until.unwrap();
    assert!(
        (turn_ends - hold_ends).num_seconds().abs() <= 1,
        "the turn runs until the hold ends: {turn_ends} / {hold_ends}"
    );

    // C3: paid, the turn is done, and the same account's token no longer holds anything.
    let reference = held["reference"].as_str().unwrap();
    let (status, payment) = pay(&app, &ada, reference, "gate-1", "card").await;
    assert_eq!(status, 201, "{payment}");
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    assert_eq!(ticket(&app, hers).state, TicketState::Done);
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    refused_for_the_queue(status, &body);
    assert_eq!(seat_status(&app, event, free[1]).await, "available");

    // The room off again: holds as before.
    let mut off = settings(None, Some(5));
    off.enabled = false;
    queue::configure(&app.db, event_id, &off, app.clock.now()).unwrap();
    let (status, held) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 201, "{held}");
}
