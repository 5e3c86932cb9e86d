//! The admin's bookings (issue 7, part 4): search, one booking's history, manual refunds,
//! resending emails, the attendee CSV, and who may use any of it.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, attrs, spawn_app, texts};
use crate::holds::{Buyer, call, hold};

const PASSWORD: &str = "a long enough password";
const ADMIN: &str = "boss@example.com";

/// A buyer with this name and email, and their API token.
async fn buyer_named(app: &TestApp, name: &str, email: &str) -> Buyer {
    let res = app
        .client
        .post(app.url("/api/v1/register"))
        .json(&json!({"name": name, "email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    Buyer {
        token: app.api_login(email, PASSWORD).await,
    }
}

/// Two on-sale events with at least `seats` free seats each: their ids.
async fn two_events(app: &TestApp, seats: usize) -> (i64, i64) {
    let (_, list) = app.get_json("/api/v1/events?per_page=50").await;
    let mut found = Vec::new();
    for event in list["items"].as_array().unwrap() {
        let id = event["id"].as_i64().unwrap();
        if free_seats(app, id).await.len() >= seats {
            found.push(id);
        }
        if found.len() == 2 {
            return (found[0], found[1]);
        }
    }
    panic!("no two events with {seats} free seats");
}

async fn free_seats(app: &TestApp, event: i64) -> Vec<i64> {
    let (_, map) = app.get_json(&format!("/api/v1/events/{event}/seats")).await;
    map["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "available")
        .map(|s| s["id"].as_i64().unwrap())
        .collect()
}

/// The buyer holds two free seats of the event: (seats, reference).
async fn held(app: &TestApp, who: &Buyer, event: i64) -> (Vec<i64>, String) {
    let free = free_seats(app, event).await;
    let seats = vec![free[0], free[1]];
    let (status, booking) = hold(app, who, event, json!({ "seat_ids": seats })).await;
    assert_eq!(status, 201, "{booking}");
    (seats, booking["reference"].as_str().unwrap().to_owned())
}

/// Pays the booking by card through the gateway and runs the worker (webhook, email).
async fn pay(app: &TestApp, who: &Buyer, reference: &str) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{reference}/payments")))
        .bearer_auth(&who.token)
        .header("Idempotency-Key", format!("pay-{reference}"))
        .json(&json!({ "method": "card" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let payment: Value = res.json().await.unwrap();
    let external_id = payment["external_id"].as_str().unwrap();
    let done: Value = app
        .client
        .post(app.url(&format!("/gateway/v1/payments/{external_id}/complete")))
        .json(&json!({"card_number": "4242424242424242"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(done["status"], "succeeded", "{done}");
    app.run_worker();
}

/// A paid booking of two seats: (seats, reference).
async fn paid(app: &TestApp, who: &Buyer, event: i64) -> (Vec<i64>, String) {
    let (seats, reference) = held(app, who, event).await;
    pay(app, who, &reference).await;
    assert_eq!(booking_status(app, &reference), "paid");
    (seats, reference)
}

/// Creates the admin; answers its API token. The app's own browser is signed in as the admin.
async fn admin(app: &TestApp) -> String {
    app.admin_signed_in(ADMIN, PASSWORD).await
}

async fn api(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.api(Some(token), method, path, body.as_ref()).await
}

/// `POST /api/v1/admin/bookings/{reference}/refund` with `body`.
async fn refund_by_api(app: &TestApp, token: &str, reference: &str, body: Value) -> (u16, Value) {
    api(
        app,
        token,
        reqwest::Method::POST,
        &format!("/api/v1/admin/bookings/{reference}/refund"),
        Some(body),
    )
    .await
}

fn references(list: &Value) -> BTreeSet<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["reference"].as_str().unwrap().to_owned())
        .collect()
}

fn set(refs: &[&String]) -> BTreeSet<String> {
    refs.iter().map(|r| (*r).clone()).collect()
}

fn booking_status(app: &TestApp, reference: &str) -> String {
    use boxoffice::db::schema::bookings::dsl as b;
    app.with_conn(|c| {
        b::bookings
            .filter(b::reference.eq(reference))
            .select(b::status)
            .first(c)
            .unwrap()
    })
}

fn booking_id(app: &TestApp, reference: &str) -> i64 {
    use boxoffice::db::schema::bookings::dsl as b;
    app.with_conn(|c| {
        b::bookings
            .filter(b::reference.eq(reference))
            .select(b::id)
            .first(c)
            .unwrap()
    })
}

/// Outbox rows of `kind` whose payload names this booking.
fn emails_about(app: &TestApp, reference: &str, kind: &str) -> i64 {
    use boxoffice::db::schema::email_outbox::dsl as o;
    app.with_conn(|c| {
        o::email_outbox
            .filter(o::kind.eq(kind))
            .filter(o::payload.like(format!("%\"reference\":\"{reference}\"%")))
            .count()
            .get_result(c)
            .unwrap()
    })
}

fn ticket_statuses(app: &TestApp, reference: &str) -> Vec<String> {
    use boxoffice::db::schema::{bookings as b, tickets as t};
    app.with_conn(|c| {
        t::table
            .inner_join(b::table)
            .filter(b::reference.eq(reference))
            .order(t::id)
            .select(t::status)
            .load(c)
            .unwrap()
    })
}

/// (refund rows, gateway refunds, refunded cents at the gateway, payment statuses).
fn money_back(app: &TestApp, reference: &str) -> (i64, i64, i64, Vec<String>) {
    use boxoffice::db::schema::{
        bookings as b, gateway_intents as gi, gateway_refunds as gr, payments as p, refunds as r,
    };
    app.with_conn(|c| {
        let id: i64 = b::table
            .filter(b::reference.eq(reference))
            .select(b::id)
            .first(c)
            .unwrap();
        let refunds: i64 = r::table
            .filter(r::booking_id.eq(id))
            .count()
            .get_result(c)
            .unwrap();
        let externals: Vec<String> = p::table
            .filter(p::booking_id.eq(id))
            .select(p::external_id)
            .load(c)
            .unwrap();
        let gateway: i64 = gr::table
            .inner_join(gi::table)
            .filter(gi::external_id.eq_any(&externals))
            .count()
            .get_result(c)
            .unwrap();
        let cents: Vec<i64> = gi::table
            .filter(gi::external_id.eq_any(&externals))
            .select(gi::refunded_cents)
            .load(c)
            .unwrap();
        let statuses: Vec<String> = p::table
            .filter(p::booking_id.eq(id))
            .select(p::status)
            .load(c)
            .unwrap();
        (refunds, gateway, cents.iter().sum(), statuses)
    })
}

/// Bookings in the database matching `(event, status)` (the demo catalogue has thousands).
fn count_where(app: &TestApp, event: Option<i64>, status: Option<&str>) -> i64 {
    use boxoffice::db::schema::bookings::dsl as b;
    app.with_conn(|c| {
        let mut q = b::bookings.into_boxed();
        if let Some(event) = event {
            q = q.filter(b::event_id.eq(event));
        }
        if let Some(status) = status {
            q = q.filter(b::status.eq(status.to_owned()));
        }
        q.count().get_result(c).unwrap()
    })
}

#[actix_web::test]
async fn the_list_filters_by_event_status_reference_email_and_name_exactly() {
    let app = spawn_app().await;
    let (event, other) = two_events(&app, 4).await;
    let ada = buyer_named(&app, "Zyxada Lovelace", "ada@abtest.example.com").await;
    let bob = buyer_named(&app, "Bob Stone", "bob@abtest.example.org").await;
    let cyd = buyer_named(&app, "Cyd Zyxada-Smith", "cyd@abtest.example.net").await;
    let (_, a) = paid(&app, &ada, event).await;
    app.clock.advance(TimeDelta::minutes(1));
    let (_, b) = held(&app, &bob, event).await;
    app.clock.advance(TimeDelta::minutes(1));
    let (_, c) = paid(&app, &cyd, other).await;
    let token = admin(&app).await;
    let get = |query: String| {
        let token = token.clone();
        let app = &app;
        async move {
            let (status, body) = api(
                app,
                &token,
                reqwest::Method::GET,
                &format!("/api/v1/admin/bookings{query}"),
                None,
            )
            .await;
            assert_eq!(status, 200, "{query}: {body}");
            body
        }
    };

    let ours = get("?q=abtest".into()).await;
    assert_eq!(ours["total"], 3);
    let order: Vec<&str> = ours["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["reference"].as_str().unwrap())
        .collect();
    assert_eq!(order, [c.as_str(), b.as_str(), a.as_str()], "newest first");
    let first = &ours["items"][2];
    assert_eq!(first["user"]["email"], "ada@abtest.example.com");
    assert_eq!(first["user"]["name"], "Zyxada Lovelace");
    assert_eq!(first["status"], "paid");
    assert_eq!(first["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);

    // Each filter alone: the database's own count, and every row matches.
    for (query, event, status) in [
        (format!("?event_id={event}"), Some(event), None),
        ("?status=paid".to_owned(), None, Some("paid")),
        ("?status=pending".to_owned(), None, Some("pending")),
        (
            format!("?event_id={event}&status=paid"),
            Some(event),
            Some("paid"),
        ),
    ] {
        let list = get(format!("{query}&per_page=100")).await;
        assert_eq!(list["total"], count_where(&app, event, status), "{query}");
        for item in list["items"].as_array().unwrap() {
            if let Some(event) = event {
                assert_eq!(item["event_id"], event, "{query}");
            }
            if let Some(status) = status {
                assert_eq!(item["status"], status, "{query}");
            }
        }
    }
    // And combined with ours, exactly the expected bookings.
    assert_eq!(
        references(&get(format!("?q=abtest&event_id={event}")).await),
        set(&[&a, &b])
    );
    assert_eq!(
        references(&get("?q=abtest&status=paid".into()).await),
        set(&[&a, &c])
    );
    assert_eq!(
        references(&get(format!("?q=abtest&event_id={event}&status=paid")).await),
        set(&[&a])
    );
    assert_eq!(
        references(&get(format!("?q={}", b.to_lowercase())).await),
        set(&[&b]),
        "a reference matches whatever its case"
    );
    assert_eq!(references(&get("?q=BOB%40ABTEST".into()).await), set(&[&b]));
    assert_eq!(
        references(&get("?q=abtest.example.net".into()).await),
        set(&[&c])
    );
    assert_eq!(
        references(&get("?q=ZYXADA".into()).await),
        set(&[&a, &c]),
        "a name anywhere, any case"
    );
    assert_eq!(
        references(&get(format!("?q=zyxada&event_id={other}")).await),
        set(&[&c])
    );
    assert_eq!(
        get("?q=%25".into()).await["total"],
        0,
        "LIKE wildcards are literal"
    );
    assert_eq!(
        get(format!("?q={}", &a[..6])).await["total"],
        0,
        "a reference matches whole, not a prefix"
    );

    let paged = get("?q=abtest&per_page=1&page=2".into()).await;
    assert_eq!(references(&paged), set(&[&b]));
    assert_eq!(
        (
            paged["total"].as_i64(),
            paged["page"].as_i64(),
            paged["per_page"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );

    let (status, bad) = api(
        &app,
        &token,
        reqwest::Method::GET,
        "/api/v1/admin/bookings?status=lost",
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert!(bad["errors"]["status"].is_string(), "{bad}");

    // The page: the same filters, and htmx gets the table alone.
    let (status, page) = app
        .get_html(&format!(
            "/admin/bookings?q=abtest&event_id={event}&status=paid"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        attrs(&page, "#bookings tbody tr", "data-reference"),
        [a.as_str()]
    );
    assert_eq!(
        attrs(&page, "#event_id option[selected]", "value"),
        [event.to_string()]
    );
    assert_eq!(attrs(&page, "#status option[selected]", "value"), ["paid"]);
    assert_eq!(attrs(&page, "#booking-filters", "hx-push-url"), ["true"]);
    let res = app.get_htmx("/admin/bookings?q=bob%40abtest").await;
    assert_eq!(res.status(), 200);
    let fragment = scraper::Html::parse_fragment(&res.text().await.unwrap());
    assert_eq!(
        attrs(&fragment, "#bookings tbody tr", "data-reference"),
        [b.as_str()]
    );
    assert!(
        texts(&fragment, "#booking-filters").is_empty(),
        "only the results"
    );
    let (status, _) = app.get_html("/admin/bookings?event_id=nope").await;
    assert_eq!(status, 422);
}

#[actix_web::test]
async fn the_detail_timeline_has_the_payment_the_email_and_a_check_in_in_time_order() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (_, reference) = held(&app, &ada, event).await;
    app.clock.advance(TimeDelta::minutes(2));
    pay(&app, &ada, &reference).await;
    app.clock.advance(TimeDelta::hours(3));
    let token = admin(&app).await;
    let (_, mine) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    let code = mine["tickets"][0]["code"].as_str().unwrap().to_owned();
    let csrf = app
        .csrf_token(&format!("/admin/checkin?event={event}"))
        .await;
    let res = app
        .client
        .post(app.url("/admin/checkin"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("event", &event.to_string()),
            ("code", &code),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let (status, detail) = api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/admin/bookings/{reference}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["user"]["email"], "ada@example.com");
    assert_eq!(detail["payments"][0]["status"], "succeeded");
    assert_eq!(detail["emails"][0]["kind"], "booking_confirmed");
    let timeline = detail["timeline"].as_array().unwrap();
    let at = |needle: &str| {
        timeline
            .iter()
            .position(|e| e["text"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in {timeline:?}"))
    };
    let (created, payment, email, check_in) = (
        at("Booking created"),
        at("succeeded"),
        at("Email booking_confirmed queued"),
        at("checked in"),
    );
    assert!(
        created < payment && payment < email && email < check_in,
        "{timeline:?}"
    );
    let times: Vec<&str> = timeline.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "oldest first");
    assert_ne!(timeline[created]["at"], timeline[check_in]["at"]);
    assert_eq!(timeline[check_in]["kind"], "check_in");

    let (status, page) = app
        .get_html(&format!("/admin/bookings/{}", reference.to_lowercase()))
        .await;
    assert_eq!(status, 200);
    let kinds = attrs(&page, "ol#timeline li", "data-kind");
    assert_eq!(kinds.len(), timeline.len());
    assert_eq!(kinds.last().map(String::as_str), Some("check_in"));
    assert_eq!(
        attrs(&page, "#tickets tbody tr", "data-ticket-status")
            .iter()
            .filter(|s| *s == "checked_in")
            .count(),
        1
    );
    let (status, _) = app.get_html("/admin/bookings/NOSUCHREF1").await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn a_manual_refund_submitted_twice_at_once_refunds_once_voids_tickets_and_frees_the_seats() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (seats, reference) = paid(&app, &ada, event).await;
    let id = booking_id(&app, &reference);
    let token = admin(&app).await;
    let page = format!("/admin/bookings/{reference}");
    let (_, doc) = app.get_html(&page).await;
    assert_eq!(attrs(&doc, "#refund-form textarea", "name"), ["reason"]);

    // The first step only asks for confirmation.
    let csrf = app.csrf_token(&page).await;
    let action = format!("/admin/bookings/{reference}/refund");
    let res = app
        .client
        .post(app.url(&action))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("reason", "Customer asked by phone"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let confirm = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        texts(&confirm, "#refund-confirm q"),
        ["Customer asked by phone"]
    );
    assert_eq!(
        attrs(&confirm, "#refund-form input[name=confirm]", "value"),
        ["yes"]
    );
    assert_eq!(booking_status(&app, &reference), "paid");

    // Confirmed twice at once.
    let send = || {
        app.client
            .post(app.url(&action))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("reason", "Customer asked by phone"),
                ("confirm", "yes"),
            ])
            .send()
    };
    let (one, two) = futures_util::future::join(send(), send()).await;
    assert_eq!(one.unwrap().status(), 303);
    assert_eq!(two.unwrap().status(), 303);
    assert_eq!(booking_status(&app, &reference), "refunded");
    app.run_worker();
    app.run_worker();

    let (refunds, gateway, cents, payments) = money_back(&app, &reference);
    let total: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::bookings::dsl as b;
        b::bookings
            .filter(b::id.eq(id))
            .select(b::total_cents)
            .first(c)
            .unwrap()
    });
    assert_eq!(
        (refunds, gateway, cents),
        (1, 1, total),
        "refunded once, in full"
    );
    assert_eq!(payments, ["refunded"]);
    assert_eq!(ticket_statuses(&app, &reference), ["void", "void"]);
    assert_eq!(emails_about(&app, &reference, "booking_refunded"), 1);
    let map = free_seats(&app, event).await;
    assert!(
        seats.iter().all(|s| map.contains(s)),
        "the seats are on sale again"
    );
    let audits: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::audit_log::dsl as a;
        a::audit_log
            .filter(a::action.eq("booking.refunded"))
            .filter(a::subject_id.eq(Some(id)))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(audits, 1);

    // Again through the API: harmless, answers the booking as it is.
    let (status, body) = refund_by_api(&app, &token, &reference, json!({"reason": "again"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "refunded");
    assert_eq!(body["refunds"].as_array().unwrap().len(), 1);
    assert_eq!(body["refunds"][0]["status"], "succeeded");
    app.run_worker();
    assert_eq!(money_back(&app, &reference).1, 1);

    // The seats can be bought again.
    let bob = buyer_named(&app, "Bob Stone", "bob@example.org").await;
    let (status, _) = hold(&app, &bob, event, json!({ "seat_ids": seats })).await;
    assert_eq!(status, 201);
}

#[actix_web::test]
async fn the_api_refund_answers_202_with_the_booking_and_sends_the_buyer_an_email() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (_, reference) = paid(&app, &ada, event).await;
    let token = admin(&app).await;
    let (status, body) =
        refund_by_api(&app, &token, &reference, json!({"reason": "Double booked"})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "refunded");
    assert_eq!(body["refunds"][0]["status"], "pending");
    assert_eq!(body["user"]["email"], "ada@example.com");
    app.run_worker();
    let (refunds, gateway, _, payments) = money_back(&app, &reference);
    assert_eq!((refunds, gateway), (1, 1));
    assert_eq!(payments, ["refunded"]);
    let sent: Vec<String> = std::fs::read_dir(&app.settings.mail_dir)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .filter(|t| t.contains(&format!("Your booking {reference} has been refunded")))
        .collect();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("Double booked"));
}

#[actix_web::test]
async fn refunding_a_booking_that_is_not_paid_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (seats, reference) = held(&app, &ada, event).await;
    let token = admin(&app).await;
    let (status, body) =
        refund_by_api(&app, &token, &reference, json!({"reason": "Why not"})).await;
    assert_eq!(status, 409, "{body}");
    let page = format!("/admin/bookings/{reference}");
    let (_, doc) = app.get_html(&page).await;
    assert!(
        attrs(&doc, "#refund-form", "action").is_empty(),
        "no refund form for a pending booking"
    );
    let csrf = app.csrf_token(&page).await;
    let res = app
        .client
        .post(app.url(&format!("{page}/refund")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("reason", "Why not"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, after) = app.get_html(&page).await;
    assert!(
        texts(&after, "body")
            .join(" ")
            .contains("Only a paid booking can be refunded")
    );
    assert_eq!(booking_status(&app, &reference), "pending");
    assert_eq!(money_back(&app, &reference).0, 0);
    assert_eq!(emails_about(&app, &reference, "booking_refunded"), 0);
    let map = free_seats(&app, event).await;
    assert!(seats.iter().all(|s| !map.contains(s)), "still held");
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::POST,
        "/api/v1/admin/bookings/NOSUCHREF1/refund",
        Some(json!({"reason": "x"})),
    )
    .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn a_refund_without_a_reason_is_shown_again_with_422_and_changes_nothing() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (_, reference) = paid(&app, &ada, event).await;
    let token = admin(&app).await;
    let page = format!("/admin/bookings/{reference}");
    let csrf = app.csrf_token(&page).await;
    for reason in ["", "   ", &"x".repeat(501)] {
        let res = app
            .client
            .post(app.url(&format!("{page}/refund")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("reason", reason),
                ("confirm", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let doc = scraper::Html::parse_document(&res.text().await.unwrap());
        assert_eq!(texts(&doc, "#reason-error").len(), 1);
        assert_eq!(attrs(&doc, "#reason", "aria-invalid"), ["true"]);
        assert_eq!(
            attrs(&doc, "#refund-form input[name=csrf_token]", "type"),
            ["hidden"]
        );
    }
    let (status, body) = refund_by_api(&app, &token, &reference, json!({})).await;
    assert_eq!(status, 422);
    assert!(body["errors"]["reason"].is_string(), "{body}");
    assert_eq!(booking_status(&app, &reference), "paid");
    assert_eq!(money_back(&app, &reference).0, 0);
    assert_eq!(ticket_statuses(&app, &reference), ["valid", "valid"]);
    assert_eq!(emails_about(&app, &reference, "booking_refunded"), 0);
}

#[actix_web::test]
async fn resending_queues_one_more_confirmation_each_time() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (_, reference) = paid(&app, &ada, event).await;
    let token = admin(&app).await;
    assert_eq!(emails_about(&app, &reference, "booking_confirmed"), 1);
    let page = format!("/admin/bookings/{reference}");
    let csrf = app.csrf_token(&page).await;
    let res = app
        .client
        .post(app.url(&format!("{page}/resend")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(emails_about(&app, &reference, "booking_confirmed"), 2);
    let (status, body) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/admin/bookings/{reference}/resend"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["queued"].as_str()),
        (202, Some("booking_confirmed"))
    );
    assert_eq!(emails_about(&app, &reference, "booking_confirmed"), 3);
    app.run_worker();
    let sent: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::email_outbox::dsl as o;
        o::email_outbox
            .filter(o::kind.eq("booking_confirmed"))
            .filter(o::status.eq("sent"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(sent, 3);

    // A booking without tickets gets its last email again.
    let bob = buyer_named(&app, "Bob Stone", "bob@example.org").await;
    let (_, pending) = held(&app, &bob, event).await;
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/admin/bookings/{pending}/resend"),
        None,
    )
    .await;
    assert_eq!(status, 409, "a pending booking has had no email yet");
}

#[actix_web::test]
async fn the_attendee_csv_has_a_line_per_ticket_quoted_and_with_formulas_neutralised() {
    let app = spawn_app().await;
    let (event, _) = two_events(&app, 4).await;
    let eve = buyer_named(&app, "=cmd()", "eve@example.com").await;
    let ada = buyer_named(&app, "Lovelace, Ada \"Countess\"", "ada@example.com").await;
    let (_, evil) = paid(&app, &eve, event).await;
    let (_, countess) = paid(&app, &ada, event).await;
    admin(&app).await;
    let res = app
        .get(&format!("/admin/events/{event}/attendees.csv"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let slug: String = app.with_conn(|c| {
        use boxoffice::db::schema::events::dsl as e;
        e::events
            .filter(e::id.eq(event))
            .select(e::slug)
            .first(c)
            .unwrap()
    });
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"attendees-{slug}.csv\"").as_str()
    );
    let body = res.text().await.unwrap();
    assert!(body.ends_with("\r\n"));
    let lines: Vec<&str> = body.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(
        lines[0],
        "reference,booking_status,buyer_name,buyer_email,section,row,seat,tier,price,currency,ticket_code,ticket_status,checked_in_at"
    );
    let tickets: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::tickets::dsl as t;
        t::tickets
            .filter(t::event_id.eq(event))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(
        lines.len() as i64,
        tickets + 1,
        "a header and a line per ticket"
    );
    let of = |reference: &str| {
        lines
            .iter()
            .filter(|l| l.starts_with(reference))
            .copied()
            .collect::<Vec<_>>()
    };
    let evil_lines = of(&evil);
    assert_eq!(evil_lines.len(), 2);
    assert!(
        evil_lines
            .iter()
            .all(|l| l.starts_with(&format!("{evil},paid,'=cmd(),eve@example.com,"))),
        "{evil_lines:?}"
    );
    let countess_lines = of(&countess);
    assert_eq!(countess_lines.len(), 2);
    assert!(
        countess_lines.iter().all(|l| l.starts_with(&format!(
            "{countess},paid,\"Lovelace, Ada \"\"Countess\"\"\",ada@example.com,"
        ))),
        "{countess_lines:?}"
    );
    assert!(evil_lines[0].contains(",valid,"));
    assert_eq!(
        app.get("/admin/events/999999/attendees.csv").await.status(),
        404
    );
}

#[actix_web::test]
async fn only_admins_reach_the_bookings_pages_and_api() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (_, reference) = paid(&app, &ada, event).await;
    let api_paths = [
        (reqwest::Method::GET, "/api/v1/admin/bookings".to_owned()),
        (
            reqwest::Method::GET,
            format!("/api/v1/admin/bookings/{reference}"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/admin/bookings/{reference}/refund"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/admin/bookings/{reference}/resend"),
        ),
    ];
    for (method, path) in &api_paths {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .json(&json!({"reason": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{method} {path} signed out");
        let (status, _) = api(
            &app,
            &ada.token,
            method.clone(),
            path,
            Some(json!({"reason": "x"})),
        )
        .await;
        assert_eq!(status, 403, "{method} {path} as a buyer");
    }
    let pages = [
        "/admin/bookings".to_owned(),
        format!("/admin/bookings/{reference}"),
        format!("/admin/events/{event}/attendees.csv"),
    ];
    let posts = [
        format!("/admin/bookings/{reference}/refund"),
        format!("/admin/bookings/{reference}/resend"),
    ];
    // Signed out: sent to log in (pages have no 401; the guard redirects).
    let browser = app.new_browser();
    for path in &pages {
        let res = browser.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );
    }
    for path in &posts {
        let res = app
            .submit(
                &browser,
                "/login",
                path,
                &[("reason", "x"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(res.status(), 303, "{path}");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );
    }
    // Signed in as a buyer: refused.
    let token = browser
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&token);
    let csrf = crate::helpers::csrf_in(&doc);
    let res = browser
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    for path in &pages {
        assert_eq!(
            browser.get(app.url(path)).send().await.unwrap().status(),
            403,
            "{path}"
        );
    }
    for path in &posts {
        let res = app
            .submit(
                &browser,
                "/account",
                path,
                &[("reason", "x"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(res.status(), 403, "{path}");
    }
    assert_eq!(booking_status(&app, &reference), "paid");
    assert_eq!(emails_about(&app, &reference, "booking_confirmed"), 1);
}
