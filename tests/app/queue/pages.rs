//! The buyer's side of the waiting room through HTTP (issue 20 item 2; WAITING_ROOM.md §4 C1,
//! C6, B6, F4, E1): the gate in front of the map and its stream, joining, waiting, the turn
//! and a hold through the pages, the JSON twin agreeing with the fragment, the idle room's
//! passthrough, and polls answered without the database.

use chrono::TimeDelta;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::Value;

use boxoffice::domain::ids::{EventId, UserId};
use boxoffice::domain::queue::TicketState;
use boxoffice::services::queue;

use super::{on_sale_events, room, tick, tickets_of};
use crate::helpers::{TestApp, csrf_in, spawn_app, texts};

/// A verified buyer signed in on the app's own browser.
async fn signed_in_buyer(app: &TestApp, n: usize) -> UserId {
    let email = format!("queue{n}@example.com");
    let account = app
        .create_buyers(&[(format!("Queue buyer {n}"), email.clone())])
        .remove(0);
    app.verify(&email);
    assert_eq!(
        app.login(&email, "a long enough password").await.status(),
        303
    );
    account.id
}

/// An on-sale event with an open room at R per minute, cap M (accounts required).
fn open_room(app: &TestApp, rate: Option<i32>, cap: Option<i32>) -> EventId {
    open_room_at(app, on_sale_events(app)[0], rate, cap)
}

fn open_room_at(app: &TestApp, event: EventId, rate: Option<i32>, cap: Option<i32>) -> EventId {
    let settings = queue::RoomSettings {
        rate_per_minute: rate,
        max_active: cap,
        ..queue::default_settings()
    };
    queue::configure(&app.db, event, &settings, app.clock.now()).unwrap();
    app.refresh_queue();
    event
}

/// The queue cookie's value in a response's `Set-Cookie`.
fn queue_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers().get_all(SET_COOKIE).iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let value = v.strip_prefix("boxoffice_queue=")?.split(';').next()?;
        (!value.is_empty()).then(|| value.to_owned())
    })
}

/// Someone else (no account needed for the service) in line first.
fn someone_waiting(app: &TestApp, event: EventId) {
    let other = app
        .create_buyers(&[("Early".to_owned(), "early@example.com".to_owned())])
        .remove(0);
    queue::join(&app.db, event, Some(other.id), app.clock.now()).unwrap();
}

#[actix_web::test]
async fn the_map_and_its_stream_need_an_admission_while_the_room_is_on() {
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    signed_in_buyer(&app, 1).await;
    // Off: the map as today.
    assert_eq!(
        app.get(&format!("/events/{event}/seats")).await.status(),
        200
    );

    let event = open_room(&app, Some(60), Some(5));
    someone_waiting(&app, event);
    app.refresh_queue();
    // C6: the map sends to the queue page (303, or HX-Redirect for htmx); the stream is 403.
    let res = app.get(&format!("/events/{event}/seats")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], format!("/events/{event}/queue"));
    let res = app.get_htmx(&format!("/events/{event}/seats")).await;
    assert_eq!(
        res.headers()["HX-Redirect"],
        format!("/events/{event}/queue")
    );
    let res = app.get(&format!("/events/{event}/live")).await;
    assert_eq!(res.status(), 403);
    // C1: a hold through the page without admission goes to the queue too; nothing held.
    let (_, doc) = app.get_html(&format!("/events/{event}/queue")).await;
    let csrf = csrf_in(&doc);
    let res = app
        .post_form(
            &format!("/events/{event}/standing"),
            &[("csrf_token", &csrf), ("section", "1"), ("quantity", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], format!("/events/{event}/queue"));
    let refused: u64 = app.queue.refusals().iter().map(|(_, n)| n).sum();
    assert!(
        refused >= 3,
        "refusals are counted: {:?}",
        app.queue.refusals()
    );

    // An admin sees the map and its stream.
    let admin = app.new_browser();
    app.create_admin("door@example.com", "a long enough password");
    let res = app
        .submit(
            &admin,
            "/login",
            "/login",
            &[
                ("email", "door@example.com"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let map = admin
        .get(app.url(&format!("/events/{event}/seats")))
        .send()
        .await
        .unwrap();
    assert_eq!(map.status(), 200);
    let live = admin
        .get(app.url(&format!("/events/{event}/live")))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    drop(live);

    // The room off again: as today.
    let mut off = queue::default_settings();
    off.enabled = false;
    queue::configure(&app.db, event, &off, app.clock.now()).unwrap();
    app.refresh_queue();
    assert_eq!(
        app.get(&format!("/events/{event}/seats")).await.status(),
        200
    );
}

#[actix_web::test]
async fn an_idle_room_lets_a_buyer_straight_through_to_the_map() {
    let app = spawn_app().await;
    let user = signed_in_buyer(&app, 1).await;
    let event = open_room(&app, Some(60), Some(5));
    // The room has been open a while: its ticks have filled the rate's bucket.
    app.clock.advance(TimeDelta::seconds(5));
    assert_eq!(tick(&app, event).called, 0);
    app.refresh_queue();
    // B6: open, nobody waiting, a slot free: the map in one request, with the admission.
    let res = app.get(&format!("/events/{event}/seats")).await;
    assert_eq!(res.status(), 200);
    assert!(
        queue_cookie(&res).is_some(),
        "the admission comes with the map"
    );
    let tickets = tickets_of(&app, event);
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].user_id, Some(user));
    assert_eq!(tickets[0].state, TicketState::Active);
    let r = room(&app, event);
    assert_eq!((r.issued, r.cursor), (1, 1), "called like any other: {r:?}");
    // The next visit needs nothing more: the cookie admits.
    app.refresh_queue();
    assert_eq!(
        app.get(&format!("/events/{event}/seats")).await.status(),
        200
    );
    assert_eq!(tickets_of(&app, event).len(), 1);
}

#[actix_web::test]
async fn a_buyer_joins_waits_is_called_claims_and_holds_through_the_pages() {
    let app = spawn_app().await;
    let (event, free, _) = crate::holds::seated_event(&app, 1).await;
    let event = open_room_at(&app, EventId(event), Some(60), Some(5));
    someone_waiting(&app, event);
    signed_in_buyer(&app, 1).await;
    app.refresh_queue();

    // Not in line yet: the page offers to join.
    let (status, doc) = app.get_html(&format!("/events/{event}/queue")).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "#join-form button"), ["Join the line"]);
    let csrf = csrf_in(&doc);
    let res = app
        .post_form(&format!("/events/{event}/queue"), &[("csrf_token", &csrf)])
        .await;
    assert_eq!(res.status(), 303);
    let token = queue_cookie(&res).expect("the place comes in a cookie");

    // Waiting: number 2, at most one ahead, a wait range from R = 60/min; the fragment polls.
    let (_, doc) = app.get_html(&format!("/events/{event}/queue")).await;
    assert_eq!(texts(&doc, "#queue-number"), ["2"]);
    assert_eq!(texts(&doc, "#queue-ahead"), ["at most 1 person"]);
    assert_eq!(texts(&doc, "#queue-wait"), ["less than a minute"]);
    assert!(texts(&doc, "#leave-form button").len() == 1);
    let fragment = app.get_htmx(&format!("/events/{event}/queue/status")).await;
    assert_eq!(fragment.headers()["cache-control"], "no-store");
    let html = fragment.text().await.unwrap();
    assert!(html.contains("hx-trigger=\"load delay:"), "{html}");

    // F4: the JSON twin says the same, from the same token.
    let json: Value = app
        .client
        .get(app.url(&format!("/api/v1/events/{event}/queue")))
        .header("Queue-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["phase"], "open");
    assert_eq!(json["state"], "waiting");
    assert_eq!(json["seq"], 2);
    assert_eq!(json["ahead_at_most"], 1);
    assert_eq!(json["wait_seconds"], serde_json::json!([0, 2]));

    // Called: the fragment turns into "it's your turn" with the claim form.
    app.clock.advance(TimeDelta::seconds(3));
    assert_eq!(tick(&app, event).called, 2);
    app.refresh_queue();
    let html = app
        .get_htmx(&format!("/events/{event}/queue/status"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("s your turn!"), "{html}");
    assert!(html.contains("id=\"claim-form\""), "{html}");
    let res = app
        .post_form(
            &format!("/events/{event}/queue/claim"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], format!("/events/{event}/seats"));
    assert!(queue_cookie(&res).is_some(), "the admission");

    // The map now, and a hold through it.
    assert_eq!(
        app.get(&format!("/events/{event}/seats")).await.status(),
        200
    );
    let seat = free[0].to_string();
    let res = app
        .post_form(
            &format!("/events/{event}/seats"),
            &[("csrf_token", &csrf), ("hold", &seat)],
        )
        .await;
    assert_eq!(res.status(), 303, "back to the map");
    assert_ne!(res.headers()[LOCATION], format!("/events/{event}/queue"));
    let statuses = crate::holds::seat_statuses(&app, event.0).await;
    assert_eq!(statuses[&free[0]], "held", "held through the pages");
}
