//! The admin's bookings (issue 7, part 4): search, one booking's history, manual refunds,
//! resending emails, the attendee CSV, and who may use any of it.

mod access;
mod list;
mod refunds;
mod resend_and_csv;

use std::collections::BTreeSet;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::holds::{Buyer, hold};

const PASSWORD: &str = "a long enough password";
const ADMIN: &str = "boss@example.com";

/// A buyer with this name and email, and their API token.
async fn buyer_named(app: &TestApp, name: &str, email: &str) -> Buyer {
    Buyer {
        token: app.api_buyer(name, email).await,
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
