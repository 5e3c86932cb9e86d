//! Issue 20, item 4: the box office's side of the waiting room (WAITING_ROOM.md §3.13, §3.14):
//! the settings form and its 422, the actions and their audit rows, exclusion before the draw,
//! the live panel's figures against a scenario, and the admin JSON (API.md), on both databases.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde_json::{Value, json};

use boxoffice::db::schema::{audit_log, events, queue_tickets, venues};
use boxoffice::domain::ids::EventId;
use boxoffice::domain::local_time::{to_local, zone};
use boxoffice::domain::queue::{Phase, TicketState};
use boxoffice::services::queue::{self, QueueError};

use super::{buyers, join_many, on_sale_events, open_room, room, settings, tick, ticket};
use crate::helpers::{TestApp, attrs, location, spawn_app, texts};

const ADMIN: &str = "queue-boss@example.com";
const PASSWORD: &str = "a long enough password";

fn page(event: EventId) -> String {
    format!("/admin/events/{event}/waiting-room")
}

/// The event's waiting-room audit actions, in order.
fn audited(app: &TestApp, event: EventId) -> Vec<String> {
    app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::subject_type.eq("event"))
            .filter(audit_log::subject_id.eq(event.0))
            .filter(audit_log::action.like("waiting_room.%"))
            .order(audit_log::id)
            .select(audit_log::action)
            .load(c)
            .unwrap()
    })
}

/// An on-sale event whose sale now starts in an hour (so its room can have a pre-queue).
fn sale_in_an_hour(app: &TestApp) -> (EventId, NaiveDateTime) {
    let event = on_sale_events(app)[0];
    let sale = app.clock.now() + TimeDelta::hours(1);
    app.with_conn(|c| {
        diesel::update(events::table.find(event))
            .set(events::sales_start_at.eq(sale))
            .execute(c)
            .unwrap()
    });
    (event, sale)
}

/// `t` as the venue's wall clock, the way the form shows and reads it.
fn local_text(app: &TestApp, event: EventId, t: NaiveDateTime) -> String {
    let tz: String = app.with_conn(|c| {
        events::table
            .inner_join(venues::table)
            .filter(events::id.eq(event))
            .select(venues::timezone)
            .first(c)
            .unwrap()
    });
    to_local(t, zone(&tz)).format("%Y-%m-%dT%H:%M").to_string()
}

/// The settings form's fields, valid, with `changes` laid over them.
fn form_fields<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("enabled", "on"),
        ("prequeue_opens_at", ""),
        ("order", "fifo"),
        ("rate_per_minute", "60"),
        ("max_active", "10"),
        ("turn_minutes", "15"),
        ("claim_seconds", "120"),
        ("grace_minutes", "10"),
        ("require_verified", "on"),
        ("auto_close", "on"),
        ("message", "Doors at seven"),
    ];
    for (k, v) in changes {
        fields.retain(|(f, _)| f != k);
        if !v.is_empty() || *k == "prequeue_opens_at" || *k == "message" {
            fields.push((k, v));
        }
    }
    fields
}

async fn post_page(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = app.csrf_token(&page_of(path)).await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all).await
}

fn page_of(path: &str) -> String {
    let end = path.find("/waiting-room").map_or(path.len(), |i| i + 13);
    path[..end].to_owned()
}

#[actix_web::test]
async fn the_settings_form_saves_and_bad_input_comes_back_with_422_changing_nothing() {
    let app = spawn_app().await;
    app.admin_signed_in(ADMIN, PASSWORD).await;
    let (event, sale) = sale_in_an_hour(&app);
    let (status, doc) = app.get_html(&page(event)).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "#queue-phase"), ["off"]);
    assert!(
        attrs(&doc, "#enabled", "checked").is_empty(),
        "off at first"
    );
    // Never configured: the pre-queue is offered 30 minutes before the sale, at the venue.
    let default_opens = local_text(&app, event, sale - TimeDelta::minutes(30));
    assert_eq!(attrs(&doc, "#prequeue_opens_at", "value"), [default_opens]);
    let (_, stats) = app.get_html(&format!("/admin/events/{event}")).await;
    assert_eq!(attrs(&stats, "#waiting-room-link", "href"), [page(event)]);

    let opens = local_text(&app, event, sale - TimeDelta::minutes(20));
    let res = post_page(
        &app,
        &page(event),
        &form_fields(&[("prequeue_opens_at", opens.as_str())]),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), page(event));
    let saved = room(&app, event);
    assert!(saved.enabled);
    assert_eq!(saved.phase, Phase::Off, "the pre-queue opens in 40 minutes");
    assert_eq!(saved.prequeue_opens_at, Some(sale - TimeDelta::minutes(20)));
    assert_eq!(
        (saved.rate_per_minute, saved.max_active),
        (Some(60), Some(10))
    );
    assert_eq!((saved.claim_seconds, saved.grace_minutes), (120, 10));
    assert_eq!(saved.message.as_deref(), Some("Doors at seven"));
    assert_eq!(audited(&app, event), ["waiting_room.configured"]);
    let (_, doc) = app.get_html(&page(event)).await;
    assert_eq!(
        texts(&doc, "#flash"),
        ["The waiting room's settings were saved."]
    );
    assert_eq!(attrs(&doc, "#prequeue_opens_at", "value"), [opens]);

    let too_late = local_text(&app, event, sale - TimeDelta::minutes(2));
    let bad = form_fields(&[
        ("rate_per_minute", "-5"),
        ("max_active", "lots"),
        ("order", "lottery"),
        ("claim_seconds", "900"),
        ("grace_minutes", "1"),
        ("prequeue_opens_at", too_late.as_str()),
    ]);
    let res = post_page(&app, &page(event), &bad).await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    let mut refused: Vec<String> = attrs(&doc, ".field-error", "id");
    refused.sort();
    assert_eq!(
        refused,
        [
            "claim_seconds-error",
            "grace_minutes-error",
            "max_active-error",
            "order-error",
            "prequeue_opens_at-error",
            "rate_per_minute-error"
        ]
    );
    assert_eq!(attrs(&doc, "#rate_per_minute", "value"), ["-5"], "as typed");
    assert_eq!(room(&app, event), saved, "nothing changed");
    assert_eq!(audited(&app, event).len(), 1);
}

#[actix_web::test]
async fn each_action_works_is_audited_and_an_excluded_account_cannot_join_again() {
    let app = spawn_app().await;
    app.admin_signed_in(ADMIN, PASSWORD).await;
    let (event, _) = sale_in_an_hour(&app);
    let opens = local_text(&app, event, app.clock.now() - TimeDelta::minutes(1));
    let fields = form_fields(&[
        ("prequeue_opens_at", opens.as_str()),
        ("require_verified", ""),
    ]);
    assert_eq!(post_page(&app, &page(event), &fields).await.status(), 303);
    assert_eq!(room(&app, event).phase, Phase::Prequeue);
    let people = buyers(&app, "excl", 2);
    let now = app.clock.now();
    let bob = queue::join(&app.db, event, Some(people[0]), now)
        .unwrap()
        .ticket;
    let _ann = queue::join(&app.db, event, Some(people[1]), now).unwrap();

    let act = |what: &'static str| format!("{}/{what}", page(event));
    assert_eq!(post_page(&app, &act("pause"), &[]).await.status(), 303);
    assert!(room(&app, event).paused);
    assert_eq!(post_page(&app, &act("resume"), &[]).await.status(), 303);
    assert!(!room(&app, event).paused);

    // Exclusion: an address with no account is a message by the field; nothing happens.
    let res = post_page(&app, &act("exclude"), &[("email", "nobody@example.com")]).await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        texts(&doc, "#exclude-email-error"),
        ["No account has this email address."]
    );
    let res = post_page(&app, &act("exclude"), &[("email", " EXCL0@example.com ")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(ticket(&app, bob.id).state, TicketState::Left);
    let again = queue::join(&app.db, event, Some(people[0]), app.clock.now());
    assert!(matches!(again, Err(QueueError::Excluded)), "{again:?}");
    let ann = queue::join(&app.db, event, Some(people[1]), app.clock.now()).unwrap();
    assert_eq!(
        ann.ticket.state,
        TicketState::Waiting,
        "others are untouched"
    );
    let (_, doc) = app.get_html(&page(event)).await;
    assert_eq!(texts(&doc, "[data-figure=excluded]"), ["1"]);

    assert_eq!(post_page(&app, &act("close"), &[]).await.status(), 303);
    assert_eq!(room(&app, event).phase, Phase::Closed);
    // Closed: neither closing again nor excluding changes anything.
    assert_eq!(post_page(&app, &act("close"), &[]).await.status(), 303);
    let (_, doc) = app.get_html(&page(event)).await;
    assert_eq!(
        texts(&doc, "#flash"),
        ["The waiting room is closed; nothing changed."]
    );
    let res = post_page(&app, &act("exclude"), &[("email", "excl1@example.com")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(ticket(&app, ann.ticket.id).state, TicketState::Waiting);

    assert_eq!(
        post_page(&app, &act("admit-everyone"), &[]).await.status(),
        303
    );
    let r = room(&app, event);
    assert_eq!((r.phase, r.enabled), (Phase::Off, false));
    let (_, doc) = app.get_html(&page(event)).await;
    assert_eq!(texts(&doc, "#queue-phase"), ["off"]);
    assert_eq!(
        audited(&app, event),
        [
            "waiting_room.configured",
            "waiting_room.paused",
            "waiting_room.resumed",
            "waiting_room.excluded",
            "waiting_room.closed",
            "waiting_room.admitted_everyone"
        ]
    );
}

#[actix_web::test]
async fn a_non_admin_gets_403_on_the_page_the_panel_the_actions_and_the_api() {
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    assert_eq!(
        app.register("Ada", "ada-q@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    for path in [page(event), format!("{}/panel", page(event))] {
        assert_eq!(app.get(&path).await.status(), 403, "GET {path}");
    }
    let token = app.csrf_token("/account").await;
    for action in ["", "/pause", "/close", "/admit-everyone", "/exclude"] {
        let path = format!("{}{action}", page(event));
        let mut fields = form_fields(&[]);
        fields.push(("csrf_token", token.as_str()));
        assert_eq!(
            app.post_form(&path, &fields).await.status(),
            403,
            "POST {path}"
        );
    }
    let bearer = app.api_login("ada-q@example.com", PASSWORD).await;
    let api = format!("/api/v1/admin/events/{event}/waiting-room");
    let (status, _) = app
        .api(Some(&bearer), reqwest::Method::GET, &api, None)
        .await;
    assert_eq!(status, 403);
    let body = json!({"enabled": true});
    let (status, _) = app
        .api(Some(&bearer), reqwest::Method::PUT, &api, Some(&body))
        .await;
    assert_eq!(status, 403);
    assert!(
        queue::room(&app.db, event).unwrap().is_none(),
        "no room was made"
    );
}

#[actix_web::test]
async fn the_admin_api_round_trips_the_settings_and_names_bad_fields_with_422() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let event = on_sale_events(&app)[0];
    let api = format!("/api/v1/admin/events/{event}/waiting-room");
    let call = |method: reqwest::Method, body: Option<Value>| {
        let (app, admin, api) = (&app, &admin, &api);
        async move { app.api(Some(admin), method, api, body.as_ref()).await }
    };
    let (status, fresh) = call(reqwest::Method::GET, None).await;
    assert_eq!(status, 200, "{fresh}");
    assert_eq!(
        (fresh["enabled"].clone(), fresh["phase"].clone()),
        (json!(false), json!("off"))
    );
    for zero in [
        "waiting",
        "active",
        "called_unclaimed",
        "issued",
        "cursor",
        "calls_last_minute",
    ] {
        assert_eq!(fresh[zero], 0, "{zero}");
    }
    assert_eq!(fresh["order"], "random_then_fifo");
    assert_eq!(
        (
            fresh["turn_minutes"].clone(),
            fresh["claim_seconds"].clone()
        ),
        (json!(15), json!(180))
    );

    let put = json!({"enabled": true, "order": "fifo", "rate_per_minute": 30, "max_active": null,
        "turn_minutes": 10, "claim_seconds": 90, "grace_minutes": 5, "require_verified": false,
        "message": "Be patient", "paused": true});
    let (status, doc) = call(reqwest::Method::PUT, Some(put)).await;
    assert_eq!(status, 200, "{doc}");
    let (_, got) = call(reqwest::Method::GET, None).await;
    assert_eq!(got, doc);
    assert_eq!(
        (
            &got["enabled"],
            &got["phase"],
            &got["order"],
            &got["rate_per_minute"]
        ),
        (&json!(true), &json!("open"), &json!("fifo"), &json!(30))
    );
    assert_eq!(
        (&got["max_active"], &got["turn_minutes"], &got["paused"]),
        (&Value::Null, &json!(10), &json!(true))
    );
    assert_eq!(
        (&got["require_verified"], &got["message"]),
        (&json!(false), &json!("Be patient"))
    );
    let r = room(&app, event);
    assert_eq!(
        (r.admission_minutes, r.claim_seconds, r.grace_minutes),
        (10, 90, 5)
    );
    // The document sent back as it came is accepted (the figures are read-only).
    let (status, same) = call(reqwest::Method::PUT, Some(got.clone())).await;
    assert_eq!((status, &same), (200, &got));

    for (body, fields) in [
        (
            json!({"claim_seconds": 600, "grace_minutes": 10}),
            vec!["claim_seconds"],
        ),
        (
            json!({"grace_minutes": 1, "claim_seconds": 120}),
            vec!["grace_minutes"],
        ),
        (
            json!({"rate_per_minute": -1, "order": "lottery", "turn_minutes": "ten", "colour": 1}),
            vec!["body", "order", "rate_per_minute", "turn_minutes"],
        ),
        (
            json!({"prequeue_opens_at": "tomorrow", "max_active": 0}),
            vec!["max_active", "prequeue_opens_at"],
        ),
    ] {
        let (status, problem) = call(reqwest::Method::PUT, Some(body)).await;
        assert_eq!(status, 422, "{problem}");
        let named: Vec<&str> = problem["errors"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(named, fields, "{problem}");
    }
    assert_eq!(
        call(reqwest::Method::GET, None).await.1,
        got,
        "nothing changed"
    );
    assert_eq!(
        audited(&app, event),
        ["waiting_room.configured", "waiting_room.configured"]
    );

    let unknown = "/api/v1/admin/events/999999/waiting-room";
    assert_eq!(
        app.api(Some(&admin), reqwest::Method::GET, unknown, None)
            .await
            .0,
        404
    );
    let body = json!({"enabled": true});
    assert_eq!(
        app.api(Some(&admin), reqwest::Method::PUT, unknown, Some(&body))
            .await
            .0,
        404
    );
}

#[actix_web::test]
async fn the_panel_and_the_api_figures_match_a_scenario_of_joins_calls_claims_and_payments() {
    let app = spawn_app().await;
    let admin = app.admin_signed_in(ADMIN, PASSWORD).await;
    let event = open_room(&app, &settings(None, Some(3)));
    let t0 = app.clock.now();
    let ids = join_many(&app, event, 5);
    app.clock.advance(TimeDelta::seconds(30));
    assert_eq!(tick(&app, event).called, 3);
    for id in &ids[..2] {
        assert!(matches!(
            queue::claim(&app.db, *id, app.clock.now()).unwrap(),
            queue::Claim::Admitted { .. }
        ));
    }
    let api = format!("/api/v1/admin/events/{event}/waiting-room");
    let (_, doc) = app
        .api(Some(&admin), reqwest::Method::GET, &api, None)
        .await;
    let figures: Vec<&Value> = [
        "waiting",
        "active",
        "called_unclaimed",
        "issued",
        "cursor",
        "calls_last_minute",
    ]
    .iter()
    .map(|k| &doc[*k])
    .collect();
    assert_eq!(
        figures,
        [
            &json!(2),
            &json!(2),
            &json!(1),
            &json!(5),
            &json!(3),
            &json!(3)
        ],
        "{doc}"
    );

    // One buyer pays after two minutes; then 16 minutes pass: the other turn has run out, the
    // called ticket never claimed is a no-show, and the last two are called.
    app.clock.advance(TimeDelta::minutes(2));
    assert!(queue::finish(&app.db, ids[0], app.clock.now()).unwrap());
    app.clock.advance(TimeDelta::minutes(14));
    assert_eq!(tick(&app, event).called, 2);
    assert_eq!(ticket(&app, ids[2]).state, TicketState::Missed);
    let (_, doc) = app
        .api(Some(&admin), reqwest::Method::GET, &api, None)
        .await;
    assert_eq!(
        (&doc["waiting"], &doc["active"], &doc["called_unclaimed"]),
        (&json!(0), &json!(0), &json!(2))
    );
    assert_eq!(
        (&doc["cursor"], &doc["calls_last_minute"]),
        (&json!(5), &json!(2))
    );

    let (status, panel) = app.get_html(&format!("{}/panel", page(event))).await;
    assert_eq!(status, 200);
    assert_eq!(attrs(&panel, "#queue-panel", "hx-trigger"), ["every 5s"]);
    let figure = |name: &str| texts(&panel, &format!("[data-figure={name}]")).join("");
    assert_eq!(figure("done"), "1 · 1");
    assert_eq!(figure("no_shows"), "1 (1)");
    assert_eq!(figure("conversion"), "50%");
    assert_eq!(figure("active"), "0 / 3");
    // Waits from join to call: three called after 30 s, two after 16 min 30 s.
    let late = (app.clock.now() - t0).num_seconds();
    assert_eq!(late, 990);
    assert_eq!(figure("wait"), "30 s · 16 min 30 s");
    assert_eq!(figure("session"), "2 min 00 s");
    assert!(
        texts(&panel, "#sizing-hint")[0].contains("about 2 calls a minute"),
        "{:?}",
        texts(&panel, "#sizing-hint")
    );
    // The page renders the same panel (no JavaScript needed).
    let (_, whole) = app.get_html(&page(event)).await;
    assert_eq!(texts(&whole, "[data-figure=conversion]"), ["50%"]);
    let missed: i64 = app.with_conn(|c| {
        queue_tickets::table
            .filter(queue_tickets::event_id.eq(event))
            .filter(queue_tickets::state.eq("missed"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(missed, 1);
}
