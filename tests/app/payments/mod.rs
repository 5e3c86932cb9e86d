//! Checkout over HTTP (issue 6): the simulated gateway, its signed webhooks, tickets and the
//! booking emails, and the races: duplicate and out-of-order webhooks, concurrent payment
//! requests with one idempotency key, payments after the hold ran out, a crash between the
//! gateway's success and the webhook.

mod cancel_event;
mod checkout;
mod crash;
mod figures;
mod late;
mod lotuspay;
mod pages;
mod providers;
mod webhooks;

use std::collections::BTreeSet;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::holds::{Buyer, call, hold, seated_event};
use boxoffice::gateway::signature;

/// A buyer holding two seats of an on-sale event: (event, seats, booking reference).
pub(crate) async fn basket(app: &TestApp, who: &Buyer) -> (i64, Vec<i64>, String) {
    let (event, free, _) = seated_event(app, 4).await;
    let seats = vec![free[0], free[1]];
    let (status, booking) = hold(app, who, event, json!({ "seat_ids": seats })).await;
    assert_eq!(status, 201, "{booking}");
    (
        event,
        seats,
        booking["reference"].as_str().unwrap().to_owned(),
    )
}

pub(crate) async fn pay(
    app: &TestApp,
    who: &Buyer,
    reference: &str,
    key: &str,
    method: &str,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{reference}/payments")))
        .bearer_auth(&who.token)
        .header("Idempotency-Key", key)
        .json(&json!({ "method": method }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn complete(app: &TestApp, external_id: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/gateway/v1/payments/{external_id}/complete")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Pays an open payment at the gateway with the card that succeeds.
pub(crate) async fn card_ok(app: &TestApp, external_id: &str) {
    let (status, done) =
        complete(app, external_id, json!({"card_number": "4242424242424242"})).await;
    assert_eq!(
        (status, done["status"].as_str()),
        (200, Some("succeeded")),
        "{done}"
    );
}

async fn booking(app: &TestApp, who: &Buyer, reference: &str) -> Value {
    let (status, body) = call(
        app,
        who,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The gateway's events about a payment, oldest first: (event id, kind, body).
fn gateway_events(app: &TestApp, external_id: &str) -> Vec<(String, String, String)> {
    use boxoffice::db::schema::{gateway_events as e, gateway_intents as i};
    app.with_conn(|c| {
        e::table
            .inner_join(i::table)
            .filter(i::external_id.eq(external_id))
            .order(e::id)
            .select((e::event_id, e::kind, e::payload))
            .load(c)
            .unwrap()
    })
}

/// Posts a webhook body with a signature header (or none).
async fn post_webhook(app: &TestApp, body: &str, header: Option<String>) -> u16 {
    let mut req = app
        .client
        .post(app.url("/api/v1/webhooks/gateway"))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some(header) = header {
        req = req.header(signature::HEADER, header);
    }
    req.send().await.unwrap().status().as_u16()
}

fn signed_now(app: &TestApp, body: &str) -> String {
    signature::sign(
        &app.webhook_secret,
        app.clock.now().and_utc().timestamp(),
        body.as_bytes(),
    )
}

/// Emails in the outbox of `kind` (any recipient).
fn outbox_count(app: &TestApp, kind: &str) -> i64 {
    use boxoffice::db::schema::email_outbox::dsl as o;
    app.with_conn(|c| {
        o::email_outbox
            .filter(o::kind.eq(kind))
            .count()
            .get_result(c)
            .unwrap()
    })
}

fn payment_statuses(app: &TestApp, reference: &str) -> Vec<String> {
    use boxoffice::db::schema::{bookings as b, payments as p};
    app.with_conn(|c| {
        p::table
            .inner_join(b::table)
            .filter(b::reference.eq(reference))
            .order(p::id)
            .select(p::status)
            .load(c)
            .unwrap()
    })
}

fn ticket_codes(booking: &Value) -> BTreeSet<String> {
    booking["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_owned())
        .collect()
}

/// The `.eml` files written so far whose text contains `needle`.
fn emails_containing(app: &TestApp, needle: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(&app.settings.mail_dir) else {
        return Vec::new();
    };
    dir.filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .filter(|text| text.contains(needle))
        .collect()
}
