//! The live seat map page as a browser uses it: drawn from the venue layout with every seat's
//! state, price and label; clicks that hold and give back seats (htmx swaps, or plain forms
//! without JavaScript); best available and standing from the page; the basket; the booking
//! page; and the live stream that tells every viewer what changed.

mod booking_page;
mod drawing;
mod holding;
pub(crate) mod instances;
mod live;
mod shared;

use scraper::{Html, Selector};
use serde_json::Value;

use crate::helpers::{TestApp, attrs};

const PASSWORD: &str = "a long enough password";

/// A signed-in browser of a new account `n`.
async fn buyer(app: &TestApp, n: usize) -> reqwest::Client {
    let email = format!("seatmap{n}@example.com");
    app.create_buyers(&[(format!("Buyer {n}"), email.clone())]);
    // Verified: these buyers hold more than an unverified account may.
    app.verify(&email);
    let browser = app.new_browser();
    let res = app
        .submit(
            &browser,
            "/login",
            "/login",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303, "signed in");
    browser
}

/// An on-sale event at `venue` with at least `free` available seats (or places).
async fn event_at(app: &TestApp, venue: &str, free: i64) -> i64 {
    let (_, list) = app.get_json("/api/v1/events?per_page=50").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["venue"]["name"] == venue && e["available"].as_i64().unwrap() >= free)
        .unwrap_or_else(|| panic!("an on-sale event at {venue}"))["id"]
        .as_i64()
        .unwrap()
}

pub(crate) async fn page(browser: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Html) {
    let res = browser.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, Html::parse_document(&res.text().await.unwrap()))
}

/// The CSRF token htmx sends, from the page's `<body hx-headers>`.
fn htmx_token(doc: &Html) -> String {
    let headers = attrs(doc, "body", "hx-headers").pop().expect("hx-headers");
    let v: Value = serde_json::from_str(&headers).unwrap();
    v["X-CSRF-Token"].as_str().unwrap().to_owned()
}

/// A POST as htmx sends it from the map page `from`.
pub(crate) async fn htmx_post(
    browser: &reqwest::Client,
    app: &TestApp,
    from: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Html) {
    let (_, doc) = page(browser, app, from).await;
    let res = browser
        .post(app.url(action))
        .header("HX-Request", "true")
        .header("HX-Current-URL", app.url(from))
        .header("X-CSRF-Token", htmx_token(&doc))
        .header("Origin", &app.address)
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (
        status,
        headers,
        Html::parse_fragment(&res.text().await.unwrap()),
    )
}

fn select<'a>(doc: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel).collect()
}

/// The seats of the event as the JSON API gives them: id → (status, section, row, number, price).
async fn api_seats(app: &TestApp, event: i64) -> Vec<Value> {
    let (_, map) = app.get_json(&format!("/api/v1/events/{event}/seats")).await;
    map["seats"].as_array().unwrap().clone()
}

/// Status of one seat in the database, and the user whose booking holds it.
fn seat_row(app: &TestApp, event: i64, seat: i64) -> (String, Option<i64>) {
    use boxoffice::db::schema::{bookings, event_seats};
    use diesel::prelude::*;
    app.with_conn(|c| {
        event_seats::table
            .left_join(bookings::table.on(bookings::id.nullable().eq(event_seats::booking_id)))
            .filter(event_seats::event_id.eq(event))
            .filter(event_seats::seat_id.eq(seat))
            .select((event_seats::status, bookings::user_id.nullable()))
            .first::<(String, Option<i64>)>(c)
            .unwrap()
    })
}

fn user_id(app: &TestApp, n: usize) -> i64 {
    use boxoffice::db::schema::users;
    use diesel::prelude::*;
    app.with_conn(|c| {
        users::table
            .filter(users::email.eq(format!("seatmap{n}@example.com")))
            .select(users::id)
            .first::<i64>(c)
            .unwrap()
    })
}
