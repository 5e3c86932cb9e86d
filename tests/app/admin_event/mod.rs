//! The box office's view of one event (issue 7): the dashboard's figures, the statistics page
//! (figures, sales by tier, the chart's table and the heatmap checked against the database),
//! cancelling from the confirmation page with refunds the gateway refuses and an admin
//! retries, and the real binary killed in the middle of a cancellation.

mod access;
mod cancel;
mod stats;

use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{TestApp, texts};
use crate::holds::{Buyer, hold};
use crate::payments::{card_ok, pay};

const PASSWORD: &str = "a long enough password";

/// Holds `seats` for `who` and pays for them with the card that succeeds; the webhook is
/// delivered by the worker. Answers the booking's reference.
async fn paid_booking(app: &TestApp, who: &Buyer, event: i64, seats: &[i64]) -> String {
    let (status, booking) = hold(app, who, event, json!({ "seat_ids": seats })).await;
    assert_eq!(status, 201, "{booking}");
    let reference = booking["reference"].as_str().unwrap().to_owned();
    let (status, payment) = pay(app, who, &reference, &format!("pay-{reference}"), "card").await;
    assert_eq!(status, 201, "{payment}");
    card_ok(app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    reference
}

/// The first whole number in a text ("54 (64%)" → 54; "1,204" → 1204).
fn number(text: &str) -> i64 {
    text.chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a number in {text:?}"))
}

/// Every digit of a text ("£12.50" → 1250: an amount's minor units).
fn digits(text: &str) -> i64 {
    text.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("digits in {text:?}"))
}

fn numbers(doc: &scraper::Html, selector: &str) -> Vec<i64> {
    texts(doc, selector).iter().map(|t| number(t)).collect()
}

/// `(paid bookings, their totals)` of the event, from the database.
fn paid_of(app: &TestApp, event: i64) -> (i64, i64) {
    use boxoffice::db::schema::bookings as b;
    app.with_conn(|c| {
        let rows: Vec<i64> = b::table
            .filter(b::event_id.eq(event))
            .filter(b::status.eq("paid"))
            .select(b::total_cents)
            .load(c)
            .unwrap();
        (rows.len() as i64, rows.iter().sum())
    })
}
