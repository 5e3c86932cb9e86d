//! The business counters, each moved by a journey over HTTP: sign-ups and sign-ins, holds and
//! their refusals, expiry, payments and their webhooks, check-ins, refunds.

use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::json;

use super::{metrics_app, moved, scrape};
use crate::helpers::TestApp;
use crate::holds::{Buyer, buyer, call, hold, seated_event};
use crate::payments::{card_ok, pay};

const PASSWORD: &str = "a long enough password";

async fn api_login(app: &TestApp, email: &str, password: &str) -> u16 {
    app.api(
        None,
        reqwest::Method::POST,
        "/api/v1/login",
        Some(&json!({"email": email, "password": password})),
    )
    .await
    .0
}

#[actix_web::test]
async fn sign_ups_and_sign_ins_are_counted_ok_failed_and_throttled() {
    let app = metrics_app(false, |s| {
        s.logins_per_address_per_hour = 3;
        s.login_slowdown_ms = 5;
    })
    .await;
    let before = scrape(&app).await;
    // Registers, then signs in (the address's first attempt).
    app.api_buyer("Ada", "ada@example.com").await;
    assert_eq!(
        api_login(&app, "ada@example.com", "not her password").await,
        401
    );
    assert_eq!(api_login(&app, "nobody@example.com", PASSWORD).await, 401);
    // The address has had its three attempts this hour.
    assert_eq!(api_login(&app, "ada@example.com", PASSWORD).await, 429);
    let after = scrape(&app).await;
    assert_eq!(
        moved(
            &before,
            &after,
            &[
                "boxoffice_registrations_total",
                r#"boxoffice_logins_total{outcome="ok"}"#,
                r#"boxoffice_logins_total{outcome="failed"}"#,
                r#"boxoffice_logins_total{outcome="throttled"}"#,
            ]
        ),
        [1.0, 1.0, 2.0, 1.0]
    );
}

#[actix_web::test]
async fn holds_are_counted_made_or_refused_by_reason_and_expiry_gives_seats_back() {
    let app = metrics_app(true, |_| {}).await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let (event, free, max) = seated_event(&app, 12).await;
    let before = scrape(&app).await;
    assert_eq!(before.get(r#"boxoffice_seats_held{kind="seated"}"#), 0.0);

    let (status, body) = hold(&app, &ada, event, json!({ "seat_ids": [free[0], free[1]] })).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = hold(&app, &bob, event, json!({ "seat_ids": [free[1], free[2]] })).await;
    assert_eq!(status, 409, "taken");
    let too_many: Vec<i64> = free[2..].iter().take(max as usize + 1).copied().collect();
    let (status, body) = hold(&app, &bob, event, json!({ "seat_ids": too_many })).await;
    assert_eq!(status, 422, "over the per-order limit: {body}");
    // The sale has not started (yet) for this event.
    let later = app.clock.now() + TimeDelta::days(1);
    app.with_conn(|c| {
        use boxoffice::db::schema::events;
        diesel::update(events::table.find(event))
            .set(events::sales_start_at.eq(Some(later)))
            .execute(c)
            .unwrap()
    });
    let (status, body) = hold(&app, &bob, event, json!({ "seat_ids": [free[3]] })).await;
    assert_eq!(status, 422, "not on sale: {body}");

    let held = scrape(&app).await;
    assert_eq!(
        moved(
            &before,
            &held,
            &[
                r#"boxoffice_holds_total{outcome="made"}"#,
                r#"boxoffice_holds_total{outcome="taken"}"#,
                r#"boxoffice_holds_total{outcome="limit"}"#,
                r#"boxoffice_holds_total{outcome="not_on_sale"}"#,
                r#"boxoffice_holds_total{outcome="lock_timeout"}"#,
            ]
        ),
        [1.0, 1.0, 1.0, 1.0, 0.0]
    );
    assert_eq!(held.get(r#"boxoffice_seats_held{kind="seated"}"#), 2.0);

    // The hold runs out; the sweeper gives both seats back.
    app.clock.advance(TimeDelta::seconds(
        i64::from(app.settings.hold_seconds) + 60,
    ));
    assert_eq!(
        scrape(&app)
            .await
            .get(r#"boxoffice_seats_held{kind="seated"}"#),
        0.0,
        "a run-out hold holds nothing, swept or not"
    );
    app.run_worker();
    let swept = scrape(&app).await;
    assert_eq!(
        moved(
            &held,
            &swept,
            &[
                "boxoffice_seats_expired_total",
                "boxoffice_bookings_expired_total"
            ]
        ),
        [2.0, 1.0]
    );
    // The buyer is told the hold ran out.
    app.run_worker();
    assert_eq!(
        moved(
            &swept,
            &scrape(&app).await,
            &[r#"boxoffice_emails_total{outcome="sent"}"#]
        ),
        [1.0]
    );
}

/// Holds `seat` for `who` and pays for it by card (after a declined card, when `declined`), up
/// to the gateway's success (the webhooks wait for the worker). Answers the booking's reference.
async fn bought(app: &TestApp, who: &Buyer, event: i64, seat: i64, declined: bool) -> String {
    let (status, booking) = hold(app, who, event, json!({ "seat_ids": [seat] })).await;
    assert_eq!(status, 201, "{booking}");
    let reference = booking["reference"].as_str().unwrap().to_owned();
    if declined {
        let (status, payment) = pay(app, who, &reference, &format!("{reference}-1"), "card").await;
        assert_eq!(status, 201, "{payment}");
        let external_id = payment["external_id"].as_str().unwrap();
        let res = app
            .client
            .post(app.url(&format!("/gateway/v1/payments/{external_id}/complete")))
            .json(&json!({"card_number": "4000000000000002"}))
            .send()
            .await
            .unwrap();
        let done: serde_json::Value = res.json().await.unwrap();
        assert_eq!(done["status"], "failed");
    }
    let key = format!("{reference}-2");
    let (status, payment) = pay(app, who, &reference, &key, "card").await;
    assert_eq!(status, 201, "{payment}");
    card_ok(app, payment["external_id"].as_str().unwrap()).await;
    reference
}

/// Scans `code` at the door of `event` (the app's browser is signed in as an admin): the verdict.
async fn scan(app: &TestApp, event: i64, code: &str) -> Vec<String> {
    let csrf = app
        .csrf_token(&format!("/admin/checkin?event={event}"))
        .await;
    let res = app
        .client
        .post(app.url("/admin/checkin"))
        .header("HX-Request", "true")
        .form(&[
            ("csrf_token", csrf),
            ("event", event.to_string()),
            ("code", code.to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let doc = scraper::Html::parse_fragment(&res.text().await.unwrap());
    crate::helpers::attrs(&doc, ".door-verdict", "data-verdict")
}

#[actix_web::test]
async fn payments_webhooks_check_ins_refunds_and_jobs_are_counted() {
    let app = metrics_app(true, |_| {}).await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let (event, free, _) = seated_event(&app, 2).await;
    let before = scrape(&app).await;

    let ada_ref = bought(&app, &ada, event, free[0], true).await;
    let bob_ref = bought(&app, &bob, event, free[1], false).await;
    app.run_worker();
    // A webhook nobody signed.
    let forged = app
        .client
        .post(app.url("/api/v1/webhooks/gateway"))
        .header("Content-Type", "application/json")
        .header(boxoffice::gateway::signature::HEADER, "t=1,v1=00ff")
        .body(r#"{"id":"evt_forged"}"#)
        .send()
        .await
        .unwrap();
    assert!(forged.status().is_client_error(), "{}", forged.status());
    let paid = scrape(&app).await;
    assert_eq!(
        moved(
            &before,
            &paid,
            &[
                r#"boxoffice_payments_total{outcome="succeeded"}"#,
                r#"boxoffice_payments_total{outcome="failed"}"#,
                "boxoffice_bookings_paid_total",
                r#"boxoffice_webhooks_total{outcome="received"}"#,
                r#"boxoffice_webhooks_total{outcome="rejected"}"#,
                // The gateway's three webhook deliveries.
                r#"boxoffice_jobs_total{outcome="run"}"#,
            ]
        ),
        [2.0, 1.0, 2.0, 3.0, 1.0, 3.0]
    );

    // Ada at the door: in once, then "already", and a code nobody has.
    let admin = app.admin_signed_in("door@example.com", PASSWORD).await;
    let (_, booking) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{ada_ref}"),
    )
    .await;
    let code = booking["tickets"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(scan(&app, event, &code).await, ["valid"]);
    assert_eq!(scan(&app, event, &code).await, ["already"]);
    assert_eq!(scan(&app, event, "ZZZZZZZZZZZZZZZZ").await.len(), 1);

    // Bob's booking is refunded while the gateway refuses refunds: the job retries it.
    app.db.set_refunds_down_for_tests(true);
    let (status, body) = app
        .api(
            Some(&admin),
            reqwest::Method::POST,
            &format!("/api/v1/admin/bookings/{bob_ref}/refund"),
            Some(&json!({"reason": "Double booked"})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    app.run_worker();
    let refused = scrape(&app).await;
    assert_eq!(
        moved(
            &paid,
            &refused,
            &[
                r#"boxoffice_refunds_total{outcome="failed"}"#,
                r#"boxoffice_refunds_total{outcome="succeeded"}"#,
                r#"boxoffice_jobs_total{outcome="retried"}"#,
                r#"boxoffice_check_ins_total{outcome="admitted"}"#,
                r#"boxoffice_check_ins_total{outcome="already_checked_in"}"#,
                r#"boxoffice_check_ins_total{outcome="unknown"}"#,
            ]
        ),
        [1.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    );
    assert_eq!(
        refused.get(r#"boxoffice_backlog_due{queue="jobs"}"#),
        0.0,
        "waiting for its backoff"
    );

    app.db.set_refunds_down_for_tests(false);
    app.clock.advance(TimeDelta::hours(1));
    assert!(
        scrape(&app)
            .await
            .get(r#"boxoffice_backlog_due{queue="jobs"}"#)
            >= 1.0,
        "the refund is due again"
    );
    app.run_worker();
    let refunded = scrape(&app).await;
    assert_eq!(
        moved(
            &refused,
            &refunded,
            &[
                r#"boxoffice_refunds_total{outcome="succeeded"}"#,
                r#"boxoffice_refunds_total{outcome="failed"}"#,
            ]
        ),
        [1.0, 0.0]
    );
    assert!(
        refunded.get(r#"boxoffice_jobs_total{outcome="run"}"#)
            > refused.get(r#"boxoffice_jobs_total{outcome="run"}"#)
    );
}

#[actix_web::test]
async fn standing_places_held_are_shown_until_their_hold_runs_out_and_is_swept() {
    let app = metrics_app(true, |_| {}).await;
    let ada = buyer(&app, 1).await;
    let (event, area) = crate::holds::standing_area(&app, 3).await;
    let section = area["section_id"].as_i64().unwrap();
    let standing = r#"boxoffice_seats_held{kind="standing"}"#;
    let before = scrape(&app).await;
    let (status, body) = hold(
        &app,
        &ada,
        event,
        json!({"standing": {"section_id": section, "quantity": 3}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let held = scrape(&app).await;
    assert_eq!(moved(&before, &held, &[standing]), [3.0]);
    assert_eq!(
        moved(&before, &held, &[r#"boxoffice_seats_held{kind="seated"}"#]),
        [0.0]
    );

    app.clock.advance(TimeDelta::seconds(
        i64::from(app.settings.hold_seconds) + 60,
    ));
    app.run_worker();
    let swept = scrape(&app).await;
    assert_eq!(moved(&before, &swept, &[standing]), [0.0]);
    assert_eq!(
        moved(&held, &swept, &["boxoffice_bookings_expired_total"]),
        [1.0]
    );
    // The buyer is told the hold ran out.
    app.run_worker();
    assert_eq!(
        moved(
            &swept,
            &scrape(&app).await,
            &[r#"boxoffice_emails_total{outcome="sent"}"#]
        ),
        [1.0]
    );
}

#[actix_web::test]
async fn a_hold_refused_by_the_per_minute_limit_is_counted_throttled() {
    let app = metrics_app(true, |s| s.holds_per_minute = 1).await;
    let ada = buyer(&app, 1).await;
    let (event, free, _) = seated_event(&app, 2).await;
    let before = scrape(&app).await;
    let (status, _) = hold(&app, &ada, event, json!({ "seat_ids": [free[0]] })).await;
    assert_eq!(status, 201);
    let (status, _) = hold(&app, &ada, event, json!({ "seat_ids": [free[1]] })).await;
    assert_eq!(status, 429);
    assert_eq!(
        moved(
            &before,
            &scrape(&app).await,
            &[
                r#"boxoffice_holds_total{outcome="made"}"#,
                r#"boxoffice_holds_total{outcome="throttled"}"#,
            ]
        ),
        [1.0, 1.0]
    );
}
