//! Checkout over HTTP (issue 6): the simulated gateway, its signed webhooks, tickets and the
//! booking emails, and the races: duplicate and out-of-order webhooks, concurrent payment
//! requests with one idempotency key, payments after the hold ran out, a crash between the
//! gateway's success and the webhook.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::holds::{Buyer, buyer, call, hold, seat_statuses, seated_event, standing_area};
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

/// An admin's API token (the admin is created here).
pub(crate) async fn admin_token(app: &TestApp) -> String {
    app.create_admin("boss@example.com", "a long enough password");
    let login: Value = app
        .client
        .post(app.url("/api/v1/login"))
        .json(&json!({"email": "boss@example.com", "password": "a long enough password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().unwrap().to_owned()
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

#[actix_web::test]
async fn a_card_payment_goes_through_the_gateway_and_webhook_to_tickets_and_one_email() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, seats, reference) = basket(&app, &ada).await;

    let (status, payment) = pay(&app, &ada, &reference, "key-1", "card").await;
    assert_eq!(status, 201, "{payment}");
    assert_eq!(payment["status"], "pending");
    let external_id = payment["external_id"].as_str().unwrap().to_owned();
    let checkout = payment["checkout_url"].as_str().unwrap();
    assert!(checkout.ends_with(&format!("/gateway/checkout/{external_id}")));
    let before = booking(&app, &ada, &reference).await;
    assert_eq!(payment["amount_cents"], before["total_cents"]);

    // The hosted page shows the amount and the card form.
    let page = app.client.get(checkout).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("Card number") && page.contains(&external_id));

    let (status, done) = complete(
        &app,
        &external_id,
        json!({"card_number": "4242 4242 4242 4242"}),
    )
    .await;
    assert_eq!((status, done["status"].as_str()), (200, Some("succeeded")));
    // Paid only when the webhook is processed: until the worker delivers it, still pending.
    assert_eq!(booking(&app, &ada, &reference).await["status"], "pending");
    let (_, latest) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}/payment"),
    )
    .await;
    assert_eq!(latest["status"], "pending");

    app.run_worker();
    let paid = booking(&app, &ada, &reference).await;
    assert_eq!(paid["status"], "paid", "{paid}");
    let codes = ticket_codes(&paid);
    assert_eq!(codes.len(), 2, "one ticket per seat");
    assert!(codes.iter().all(|c| c.len() == 16));
    let statuses = seat_statuses(&app, event).await;
    assert!(seats.iter().all(|s| statuses[s] == "sold"), "{statuses:?}");
    let (_, latest) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}/payment"),
    )
    .await;
    assert_eq!(latest["status"], "succeeded");

    // Exactly one confirmation, sent, with every ticket code and a calendar file.
    assert_eq!(outbox_count(&app, "booking_confirmed"), 1);
    let sent = emails_containing(&app, &reference);
    let confirmation: Vec<&String> = sent
        .iter()
        .filter(|m| m.contains("BEGIN:VCALENDAR") || m.contains("text/calendar"))
        .collect();
    assert_eq!(confirmation.len(), 1, "one confirmation email written");
    for code in &codes {
        assert!(
            confirmation[0].contains(code.as_str()),
            "the email names ticket {code}"
        );
    }

    // A late copy of the webhook (the gateway sometimes sends one) changes nothing.
    app.clock.advance(TimeDelta::seconds(10));
    app.run_worker();
    for (_, _, body) in gateway_events(&app, &external_id) {
        assert_eq!(
            post_webhook(&app, &body, Some(signed_now(&app, &body))).await,
            200
        );
    }
    assert_eq!(ticket_codes(&booking(&app, &ada, &reference).await), codes);
    assert_eq!(outbox_count(&app, "booking_confirmed"), 1);

    // The booking page shows the tickets with their QR codes; the printable page too.
    app.login("buyer1@example.com", "a long enough password")
        .await;
    let (status, page) = app.get_html(&format!("/bookings/{reference}")).await;
    assert_eq!(status, 200);
    let shown: BTreeSet<String> = crate::helpers::attrs(&page, "#tickets .ticket", "data-code")
        .into_iter()
        .collect();
    assert_eq!(shown, codes);
    assert_eq!(crate::helpers::texts(&page, "#tickets svg").len(), 2);
    let (status, print) = app
        .get_html(&format!("/bookings/{reference}/tickets"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        crate::helpers::attrs(&print, ".print-ticket", "data-code").len(),
        2
    );

    // A second payment of a paid booking is refused.
    let (status, _) = pay(&app, &ada, &reference, "key-2", "card").await;
    assert_eq!(status, 409);
}

#[actix_web::test]
async fn a_declined_card_leaves_the_booking_pending_with_its_hold_and_it_can_be_paid_again() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, seats, reference) = basket(&app, &ada).await;
    let (_, first) = pay(&app, &ada, &reference, "try-1", "card").await;
    let first_id = first["external_id"].as_str().unwrap().to_owned();
    let (status, done) =
        complete(&app, &first_id, json!({"card_number": "4000000000000002"})).await;
    assert_eq!((status, done["status"].as_str()), (200, Some("failed")));
    // An unknown card is a clear error and changes nothing at the gateway.
    let (_, second) = pay(&app, &ada, &reference, "try-2", "card").await;
    let second_id = second["external_id"].as_str().unwrap().to_owned();
    let (status, _) = complete(&app, &second_id, json!({"card_number": "1234"})).await;
    assert_eq!(status, 422);
    app.run_worker();

    let view = booking(&app, &ada, &reference).await;
    assert_eq!(view["status"], "pending");
    assert!(view["tickets"].as_array().unwrap().is_empty());
    let statuses = seat_statuses(&app, event).await;
    assert!(seats.iter().all(|s| statuses[s] == "held"), "still held");
    assert_eq!(payment_statuses(&app, &reference), ["failed", "pending"]);
    assert_eq!(outbox_count(&app, "payment_failed"), 1);
    let (_, latest) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}/payment"),
    )
    .await;
    assert_eq!(latest["external_id"], second_id.as_str());

    // A completed (declined) payment cannot be completed again.
    let (status, _) = complete(&app, &first_id, json!({"card_number": "4242424242424242"})).await;
    assert_eq!(status, 409);
    let (status, done) =
        complete(&app, &second_id, json!({"card_number": "4242424242424242"})).await;
    assert_eq!((status, done["status"].as_str()), (200, Some("succeeded")));
    app.run_worker();
    assert_eq!(booking(&app, &ada, &reference).await["status"], "paid");
    assert_eq!(payment_statuses(&app, &reference), ["failed", "succeeded"]);
}

#[actix_web::test]
async fn bank_transfers_and_e_wallets_complete_from_their_own_pages() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (_, _, reference) = basket(&app, &ada).await;
    let (status, payment) = pay(&app, &ada, &reference, "bank", "bank_transfer").await;
    assert_eq!(status, 201);
    let external_id = payment["external_id"].as_str().unwrap();
    let page = app
        .client
        .get(payment["checkout_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("I have made the transfer"), "{page}");
    // The page's own form: its token ties it to this payment.
    let token = page
        .split("name=\"token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let forged = app
        .client
        .post(app.url(&format!("/gateway/checkout/{external_id}")))
        .form(&[("token", "00"), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let res = app
        .client
        .post(app.url(&format!("/gateway/checkout/{external_id}")))
        .form(&[("token", token.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/bookings/{reference}/payment"))
    );
    app.run_worker();
    assert_eq!(booking(&app, &ada, &reference).await["status"], "paid");

    // An e-wallet payment declined in the wallet.
    let bob = buyer(&app, 2).await;
    let (_, _, bobs) = basket(&app, &bob).await;
    let (_, payment) = pay(&app, &bob, &bobs, "wallet", "ewallet").await;
    let (status, done) = complete(
        &app,
        payment["external_id"].as_str().unwrap(),
        json!({"approve": false}),
    )
    .await;
    assert_eq!((status, done["status"].as_str()), (200, Some("failed")));
    app.run_worker();
    assert_eq!(booking(&app, &bob, &bobs).await["status"], "pending");
    // A wrong body for the method is a 422, not a 500.
    let (_, payment) = pay(&app, &bob, &bobs, "wallet-2", "ewallet").await;
    let (status, _) = complete(
        &app,
        payment["external_id"].as_str().unwrap(),
        json!({"card_number": "4242424242424242"}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = pay(&app, &bob, &bobs, "wallet-3", "cheque").await;
    assert_eq!(status, 422);
}

#[actix_web::test]
async fn a_webhook_with_a_bad_signature_a_stale_timestamp_or_a_tampered_body_is_refused() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (_, _, reference) = basket(&app, &ada).await;
    let (_, payment) = pay(&app, &ada, &reference, "k", "card").await;
    let external_id = payment["external_id"].as_str().unwrap().to_owned();
    card_ok(&app, &external_id).await;
    let (_, _, body) = gateway_events(&app, &external_id).remove(0);
    let now = app.clock.now().and_utc().timestamp();

    let tampered = body.replace(&external_id, "pay_someoneelsesxxxxxxxxxxxxx");
    let cases = [
        ("no signature", body.clone(), None),
        (
            "another secret",
            body.clone(),
            Some(signature::sign(b"not the secret", now, body.as_bytes())),
        ),
        (
            "stale",
            body.clone(),
            Some(signature::sign(
                &app.webhook_secret,
                now - 301,
                body.as_bytes(),
            )),
        ),
        (
            "from the future",
            body.clone(),
            Some(signature::sign(
                &app.webhook_secret,
                now + 301,
                body.as_bytes(),
            )),
        ),
        (
            "tampered body",
            tampered,
            Some(signature::sign(&app.webhook_secret, now, body.as_bytes())),
        ),
        (
            "garbage header",
            body.clone(),
            Some("t=abc,v1=zz".to_owned()),
        ),
        (
            "signed non-event",
            "{}".to_owned(),
            Some(signature::sign(&app.webhook_secret, now, b"{}")),
        ),
    ];
    for (what, sent, header) in cases {
        assert_eq!(post_webhook(&app, &sent, header).await, 400, "{what}");
    }
    let received: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::webhook_events::dsl::*;
        webhook_events.count().get_result(c).unwrap()
    });
    assert_eq!(received, 0, "nothing was recorded");
    assert_eq!(booking(&app, &ada, &reference).await["status"], "pending");
    assert_eq!(payment_statuses(&app, &reference), ["pending"]);

    assert_eq!(
        post_webhook(&app, &body, Some(signed_now(&app, &body))).await,
        200
    );
    assert_eq!(booking(&app, &ada, &reference).await["status"], "paid");
}

#[actix_web::test]
async fn webhooks_delivered_twice_and_out_of_order_are_applied_once() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (_, _, reference) = basket(&app, &ada).await;
    // A declined attempt, then one that succeeds.
    let (_, first) = pay(&app, &ada, &reference, "a", "card").await;
    let first = first["external_id"].as_str().unwrap().to_owned();
    complete(&app, &first, json!({"card_number": "4000000000000002"})).await;
    let (_, second) = pay(&app, &ada, &reference, "b", "card").await;
    let second = second["external_id"].as_str().unwrap().to_owned();
    complete(&app, &second, json!({"card_number": "4242424242424242"})).await;
    let failed = gateway_events(&app, &first).remove(0).2;
    let succeeded = gateway_events(&app, &second).remove(0).2;

    // The success first, then the older failure, then each again.
    for body in [&succeeded, &failed, &succeeded, &failed] {
        assert_eq!(
            post_webhook(&app, body, Some(signed_now(&app, body))).await,
            200
        );
    }
    // And the worker's own deliveries (plus any copies) on top.
    app.clock.advance(TimeDelta::seconds(10));
    app.run_worker();

    let view = booking(&app, &ada, &reference).await;
    assert_eq!(view["status"], "paid");
    assert_eq!(view["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(payment_statuses(&app, &reference), ["failed", "succeeded"]);
    assert_eq!(outbox_count(&app, "booking_confirmed"), 1);
    // The failure arrived after the booking was paid: nobody is told to try again.
    assert_eq!(outbox_count(&app, "payment_failed"), 0);
    let tickets: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::{bookings as b, tickets as t};
        t::table
            .inner_join(b::table)
            .filter(b::reference.eq(&reference))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(tickets, 2, "tickets issued once");
}

#[actix_web::test]
async fn twenty_concurrent_payment_requests_with_one_key_make_one_payment() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (_, _, reference) = basket(&app, &ada).await;
    let requests = (0..20).map(|_| pay(&app, &ada, &reference, "same-key", "card"));
    let answers = futures_util::future::join_all(requests).await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let repeated = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!((created, repeated), (1, 19), "{answers:?}");
    let ids: BTreeSet<&str> = answers
        .iter()
        .map(|(_, p)| p["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "every answer is the same payment");
    assert_eq!(payment_statuses(&app, &reference).len(), 1);
    let intents: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::gateway_intents::dsl::*;
        gateway_intents
            .filter(merchant_reference.eq(&reference))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(intents, 1, "one intent at the gateway");

    // The same key with a different body is an error; a missing key too.
    let (status, problem) = pay(&app, &ada, &reference, "same-key", "ewallet").await;
    assert_eq!(status, 422, "{problem}");
    let res = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{reference}/payments")))
        .bearer_auth(&ada.token)
        .json(&json!({"method": "card"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    // Someone else's booking is not found.
    let bob = buyer(&app, 2).await;
    let (status, _) = pay(&app, &bob, &reference, "bob", "card").await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn a_payment_after_the_hold_ran_out_re_claims_the_seats_when_they_are_still_free() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, seats, reference) = basket(&app, &ada).await;
    let (_, payment) = pay(&app, &ada, &reference, "k", "card").await;
    // The hold and the grace a payment opened for it have run out (issue 16).
    app.clock
        .advance(TimeDelta::seconds(901) + boxoffice::services::basket::PAYMENT_GRACE);
    app.run_worker(); // the sweeper ends the hold
    assert_eq!(booking(&app, &ada, &reference).await["status"], "expired");
    assert_eq!(outbox_count(&app, "hold_expired"), 1);
    // Paying a booking whose hold ran out is refused up front…
    let (status, _) = pay(&app, &ada, &reference, "k2", "card").await;
    assert_eq!(status, 409);
    // …but the intent opened before still completes at the gateway.
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    let view = booking(&app, &ada, &reference).await;
    assert_eq!(view["status"], "paid", "{view}");
    assert_eq!(view["tickets"].as_array().unwrap().len(), 2);
    let statuses = seat_statuses(&app, event).await;
    assert!(seats.iter().all(|s| statuses[s] == "sold"));
    assert_eq!(outbox_count(&app, "booking_confirmed"), 1);
    assert_eq!(outbox_count(&app, "late_payment_refunded"), 0);
}

#[actix_web::test]
async fn a_payment_after_the_seats_were_resold_is_refunded_and_the_buyer_told() {
    let app = spawn_app().await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let (event, seats, reference) = basket(&app, &ada).await;
    let (_, payment) = pay(&app, &ada, &reference, "k", "card").await;
    let external_id = payment["external_id"].as_str().unwrap().to_owned();
    // The hold and the grace a payment opened for it have run out (issue 16).
    app.clock
        .advance(TimeDelta::seconds(901) + boxoffice::services::basket::PAYMENT_GRACE);
    // Bob takes one of the seats once Ada's hold has run out.
    let (status, _) = hold(&app, &bob, event, json!({"seat_ids": [seats[1]]})).await;
    assert_eq!(status, 201);
    card_ok(&app, &external_id).await;
    app.run_worker(); // webhook → refund job → gateway refund → its webhook

    let view = booking(&app, &ada, &reference).await;
    assert_eq!(view["status"], "expired");
    assert!(view["tickets"].as_array().unwrap().is_empty());
    assert_eq!(
        seat_statuses(&app, event).await[&seats[1]],
        "held",
        "Bob keeps his seat"
    );
    assert_eq!(payment_statuses(&app, &reference), ["refunded"]);
    let (refund_status, refunded, paid): (String, i64, i64) = app.with_conn(|c| {
        use boxoffice::db::schema::{gateway_intents as i, refunds as r};
        let status = r::table.select(r::status).first::<String>(c).unwrap();
        let (refunded, paid) = i::table
            .filter(i::external_id.eq(&external_id))
            .select((i::refunded_cents, i::amount_cents))
            .first(c)
            .unwrap();
        (status, refunded, paid)
    });
    assert_eq!(refund_status, "succeeded");
    assert_eq!(refunded, paid, "the whole amount went back, once");
    assert_eq!(outbox_count(&app, "late_payment_refunded"), 1);
    let told = emails_containing(&app, "refunded");
    assert!(
        told.iter().any(|m| m.contains(&reference)),
        "the buyer was emailed"
    );
    // Run everything again (a late webhook copy, the refund job re-run): nothing doubles.
    app.clock.advance(TimeDelta::seconds(30));
    app.run_worker();
    let refunds: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::gateway_refunds::dsl::*;
        gateway_refunds.count().get_result(c).unwrap()
    });
    assert_eq!(refunds, 1);
}

#[actix_web::test]
async fn cancelling_a_pending_booking_cancels_its_open_payment() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, seats, reference) = basket(&app, &ada).await;
    let (_, payment) = pay(&app, &ada, &reference, "k", "card").await;
    let (status, _) = call(
        &app,
        &ada,
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(payment_statuses(&app, &reference), ["failed"]);
    let (status, answer) = complete(
        &app,
        payment["external_id"].as_str().unwrap(),
        json!({"card_number": "4242424242424242"}),
    )
    .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (409, Some("cancelled"))
    );
    app.run_worker();
    assert_eq!(booking(&app, &ada, &reference).await["status"], "cancelled");
    let statuses = seat_statuses(&app, event).await;
    assert!(seats.iter().all(|s| statuses[s] == "available"));
}

#[actix_web::test]
async fn the_pay_step_and_the_return_page_show_processing_then_the_tickets() {
    let app = spawn_app().await;
    let _ = buyer(&app, 1).await;
    app.login("buyer1@example.com", "a long enough password")
        .await;
    let (event, free, _) = seated_event(&app, 2).await;
    let token = app.csrf_token(&format!("/events/{event}/seats")).await;
    let res = app
        .client
        .post(app.url(&format!("/events/{event}/seats")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("hold", &free[0].to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    let reference: String = app.with_conn(|c| {
        use boxoffice::db::schema::{bookings as b, users as u};
        b::table
            .inner_join(u::table)
            .filter(u::email.eq("buyer1@example.com"))
            .select(b::reference)
            .first(c)
            .unwrap()
    });
    let (_, page) = app.get_html(&format!("/bookings/{reference}")).await;
    let key = crate::helpers::attrs(&page, "#pay-form input[name=idempotency_key]", "value");
    assert_eq!(key.len(), 1);
    let csrf = app.csrf_token(&format!("/bookings/{reference}")).await;
    let form = [
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key[0].as_str()),
        ("method", "card"),
    ];
    // Two submissions of the same form (a double click): one payment.
    let mut locations = Vec::new();
    for _ in 0..2 {
        let res = app
            .client
            .post(app.url(&format!("/bookings/{reference}/pay")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        locations.push(res.headers()["location"].to_str().unwrap().to_owned());
    }
    assert_eq!(locations[0], locations[1]);
    assert_eq!(payment_statuses(&app, &reference).len(), 1);
    let external_id = locations[0].rsplit('/').next().unwrap().to_owned();

    card_ok(&app, &external_id).await;
    let (_, page) = app
        .get_html(&format!("/bookings/{reference}/payment"))
        .await;
    assert_eq!(
        crate::helpers::attrs(&page, "#payment-state", "data-state"),
        ["processing"]
    );
    assert_eq!(
        crate::helpers::attrs(&page, "#payment-state", "hx-trigger"),
        ["every 1s"]
    );
    app.run_worker();
    let (_, fragment) = app
        .get_html(&format!("/bookings/{reference}/payment/state"))
        .await;
    assert_eq!(
        crate::helpers::attrs(&fragment, "#payment-state", "data-state"),
        ["paid"]
    );
    assert!(
        crate::helpers::attrs(&fragment, "#payment-state", "hx-trigger").is_empty(),
        "polling stops"
    );
    assert_eq!(
        crate::helpers::attrs(&fragment, "#tickets .ticket", "data-code").len(),
        1
    );
}

/// The real binary, killed with SIGKILL after the gateway took the money but before its
/// webhook was delivered: after a restart the worker delivers it, and the booking ends paid
/// with exactly one confirmation email.
#[actix_web::test]
async fn a_crash_between_the_gateway_and_the_webhook_still_ends_paid_with_one_email() {
    use crate::cli::{free_bind, fresh_db, seed_demo, serve, wait_up};
    use std::time::{Duration, Instant};

    let db = fresh_db("sigkill");
    let mail = tempfile::tempdir().unwrap();
    let bind = free_bind();
    let base = format!("http://{bind}");
    let client = reqwest::Client::new();
    seed_demo(&db);
    let mut first = serve(&db, &bind, mail.path(), false);
    wait_up(&bind, "the first server");
    let post = |path: &str, body: Value, token: Option<&str>| {
        let mut req = client.post(format!("{base}{path}")).json(&body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req
    };
    let res = post(
        "/api/v1/register",
        json!({"name": "Kim", "email": "kim@example.com", "password": "a long enough password"}),
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let login: Value = post(
        "/api/v1/login",
        json!({"email": "kim@example.com", "password": "a long enough password"}),
        None,
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let events: Value = client
        .get(format!("{base}/api/v1/events?per_page=50"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut held = None;
    for event in events["items"].as_array().unwrap() {
        let id = event["id"].as_i64().unwrap();
        let map: Value = client
            .get(format!("{base}/api/v1/events/{id}/seats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let free: Vec<i64> = map["seats"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["status"] == "available")
            .map(|s| s["id"].as_i64().unwrap())
            .take(2)
            .collect();
        if free.len() == 2 {
            let res = post(
                &format!("/api/v1/events/{id}/holds"),
                json!({"seat_ids": free}),
                Some(&token),
            )
            .send()
            .await
            .unwrap();
            if res.status() == 201 {
                held = Some(res.json::<Value>().await.unwrap());
                break;
            }
        }
    }
    let reference = held.expect("a hold")["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let payment: Value = post(
        &format!("/api/v1/bookings/{reference}/payments"),
        json!({"method": "card"}),
        Some(&token),
    )
    .header("Idempotency-Key", "crash")
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let external_id = payment["external_id"].as_str().unwrap();
    let done: Value = post(
        &format!("/gateway/v1/payments/{external_id}/complete"),
        json!({"card_number": "4242424242424242"}),
        None,
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(done["status"], "succeeded");
    // SIGKILL: no shutdown, nothing flushed; the webhook was never sent.
    first.0.kill().unwrap();
    first.0.wait().unwrap();

    let _second = serve(&db, &bind, mail.path(), true);
    wait_up(&bind, "the restarted server");
    // A new client: the old one's kept-alive connections died with the first server.
    let client = reqwest::Client::new();
    let status_of = || async {
        let res = client
            .get(format!("{base}/api/v1/bookings/{reference}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{status} {e}: {text}"))
    };
    let started = Instant::now();
    let view = loop {
        let view = status_of().await;
        if view["status"] == "paid" {
            break view;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the booking ended paid: {view}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(view["tickets"].as_array().unwrap().len(), 2);
    let confirmations = || {
        std::fs::read_dir(mail.path())
            .map(|d| {
                d.filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
                    .filter(|m| m.contains(&reference) && m.contains("text/calendar"))
                    .count()
            })
            .unwrap_or(0)
    };
    let started = Instant::now();
    while confirmations() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the confirmation was sent"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    // Give any duplicate delivery time to arrive (the gateway sends some twice, 1-5 s later).
    actix_web::rt::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(confirmations(), 1, "exactly one confirmation email");
}

#[actix_web::test]
async fn a_second_payment_the_gateway_took_for_a_paid_booking_is_refunded() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (_, _, reference) = basket(&app, &ada).await;
    // Two tabs: two payments opened before either was paid, then both paid at the gateway.
    let (_, one) = pay(&app, &ada, &reference, "tab-1", "card").await;
    let (_, two) = pay(&app, &ada, &reference, "tab-2", "card").await;
    for p in [&one, &two] {
        let (status, done) = complete(
            &app,
            p["external_id"].as_str().unwrap(),
            json!({"card_number": "4242424242424242"}),
        )
        .await;
        assert_eq!((status, done["status"].as_str()), (200, Some("succeeded")));
    }
    app.run_worker();
    let view = booking(&app, &ada, &reference).await;
    assert_eq!(view["status"], "paid");
    assert_eq!(view["tickets"].as_array().unwrap().len(), 2);
    let mut statuses = payment_statuses(&app, &reference);
    statuses.sort();
    assert_eq!(
        statuses,
        ["refunded", "succeeded"],
        "one payment stands, the other goes back"
    );
    let (refunds, refunded_cents): (i64, Option<i64>) = app.with_conn(|c| {
        use boxoffice::db::schema::{gateway_intents as i, gateway_refunds as r};
        let n = r::table.count().get_result(c).unwrap();
        let cents = i::table
            .filter(i::merchant_reference.eq(&reference))
            .select(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
            >("CAST(SUM(refunded_cents) AS BIGINT)"))
            .first(c)
            .unwrap();
        (n, cents)
    });
    assert_eq!(refunds, 1);
    assert_eq!(
        refunded_cents,
        view["total_cents"].as_i64(),
        "exactly one payment's worth went back"
    );
    assert_eq!(outbox_count(&app, "booking_confirmed"), 1);
    assert_eq!(outbox_count(&app, "late_payment_refunded"), 1);
}

#[actix_web::test]
async fn standing_places_paid_for_become_sold_with_a_ticket_each() {
    let app = spawn_app().await;
    let (event, area) = standing_area(&app, 3).await;
    let section = area["section_id"].as_i64().unwrap();
    let counters = |app: &TestApp| -> (i32, i32) {
        use boxoffice::db::schema::event_sections as s;
        app.with_conn(|c| {
            s::table
                .filter(s::event_id.eq(event))
                .filter(s::section_id.eq(section))
                .select((s::held, s::sold))
                .first(c)
                .unwrap()
        })
    };
    let (held0, sold0) = counters(&app);
    let ada = buyer(&app, 1).await;
    let (status, held) = hold(
        &app,
        &ada,
        event,
        json!({"standing": {"section_id": section, "quantity": 3}}),
    )
    .await;
    assert_eq!(status, 201, "{held}");
    let reference = held["reference"].as_str().unwrap();
    assert_eq!(counters(&app), (held0 + 3, sold0));
    let (_, payment) = pay(&app, &ada, reference, "k", "card").await;
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    let view = booking(&app, &ada, reference).await;
    assert_eq!(view["status"], "paid");
    assert_eq!(
        ticket_codes(&view).len(),
        3,
        "one ticket per standing place"
    );
    assert_eq!(counters(&app), (held0, sold0 + 3));
}

#[actix_web::test]
async fn a_webhook_is_retried_until_the_app_acknowledges_it() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (_, _, reference) = basket(&app, &ada).await;
    let (_, payment) = pay(&app, &ada, &reference, "k", "card").await;
    let external_id = payment["external_id"].as_str().unwrap().to_owned();
    card_ok(&app, &external_id).await;

    // The merchant is unreachable: nothing listens on this port.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut settings = app.settings.clone();
    settings.gateway_webhook_url = url::Url::parse(&format!(
        "http://{}/api/v1/webhooks/gateway",
        dead.local_addr().unwrap()
    ))
    .unwrap();
    drop(dead);
    let mut down = boxoffice::worker::Worker::from_settings(
        app.db.clone(),
        app.clock.clone(),
        &settings,
        app.live.clone(),
        &app.secret,
    )
    .unwrap();
    let pass = down.run_until_idle().unwrap();
    assert!(
        pass.jobs
            .iter()
            .any(|t| matches!(t, boxoffice::jobs::Turn::Retrying { .. })),
        "{:?}",
        pass.jobs
    );
    assert_eq!(booking(&app, &ada, &reference).await["status"], "pending");
    let delivered: Option<chrono::NaiveDateTime> = app.with_conn(|c| {
        use boxoffice::db::schema::gateway_events::dsl::*;
        gateway_events.select(delivered_at).first(c).unwrap()
    });
    assert_eq!(delivered, None);

    // Before its backoff, nothing is due; after it, the delivery goes through.
    app.run_worker();
    assert_eq!(booking(&app, &ada, &reference).await["status"], "pending");
    app.clock.advance(TimeDelta::seconds(11));
    app.run_worker();
    assert_eq!(booking(&app, &ada, &reference).await["status"], "paid");
    let delivered: Option<chrono::NaiveDateTime> = app.with_conn(|c| {
        use boxoffice::db::schema::gateway_events::dsl::*;
        gateway_events.select(delivered_at).first(c).unwrap()
    });
    assert!(delivered.is_some());
}

#[actix_web::test]
async fn sales_figures_count_paid_bookings_only() {
    use boxoffice::domain::booking::BookingStatus;
    use boxoffice::domain::ids::EventId;
    use boxoffice::services::stats::event_sales;
    let app = spawn_app().await;
    let (ada, bob, cy) = (
        buyer(&app, 1).await,
        buyer(&app, 2).await,
        buyer(&app, 3).await,
    );
    let (event, free, _) = seated_event(&app, 6).await;
    let sales = |app: &TestApp| app.with_conn(|c| event_sales(c, EventId(event)).unwrap());
    let before = sales(&app);

    // Ada pays for two seats; Bob holds two and never pays; Cy pays too late for a seat
    // Bob took meanwhile, and is refunded.
    let (_, a) = hold(&app, &ada, event, json!({"seat_ids": [free[0], free[1]]})).await;
    let (_, c) = hold(&app, &cy, event, json!({"seat_ids": [free[4]]})).await;
    let (_, pa) = pay(&app, &ada, a["reference"].as_str().unwrap(), "a", "card").await;
    let (_, pc) = pay(&app, &cy, c["reference"].as_str().unwrap(), "c", "card").await;
    card_ok(&app, pa["external_id"].as_str().unwrap()).await;
    app.run_worker();
    // Past the hold and the grace Cy's open payment gave it (issue 16).
    app.clock
        .advance(TimeDelta::seconds(901) + boxoffice::services::basket::PAYMENT_GRACE);
    hold(
        &app,
        &bob,
        event,
        json!({"seat_ids": [free[2], free[3], free[4]]}),
    )
    .await;
    card_ok(&app, pc["external_id"].as_str().unwrap()).await;
    app.run_worker();

    let after = sales(&app);
    assert_eq!(after.tickets_sold, before.tickets_sold + 2);
    assert_eq!(
        after.revenue_cents,
        before.revenue_cents + a["total_cents"].as_i64().unwrap()
    );
    assert_eq!(
        after.refunded_cents,
        before.refunded_cents + c["total_cents"].as_i64().unwrap()
    );
    assert_eq!(
        after.bookings[&BookingStatus::Paid],
        before.bookings[&BookingStatus::Paid] + 1
    );
    assert_eq!(
        after.bookings[&BookingStatus::Pending],
        before.bookings[&BookingStatus::Pending] + 1
    );
    assert_eq!(
        after.bookings[&BookingStatus::Expired],
        before.bookings[&BookingStatus::Expired] + 1
    );
    // Against the database itself: revenue is the sum of paid bookings' totals.
    let paid_total: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::bookings::dsl::*;
        bookings
            .filter(event_id.eq(event))
            .filter(status.eq("paid"))
            .select(total_cents)
            .load::<i64>(c)
            .unwrap()
            .into_iter()
            .sum()
    });
    assert_eq!(after.revenue_cents, paid_total);
}

#[actix_web::test]
async fn the_admin_stats_of_an_event_add_up_against_the_database() {
    let app = spawn_app().await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let (event, free, _) = seated_event(&app, 4).await;
    let (_, a) = hold(&app, &ada, event, json!({"seat_ids": [free[0], free[1]]})).await;
    let (_, pa) = pay(&app, &ada, a["reference"].as_str().unwrap(), "a", "card").await;
    card_ok(&app, pa["external_id"].as_str().unwrap()).await;
    app.run_worker();
    hold(&app, &bob, event, json!({"seat_ids": [free[2]]})).await;

    let admin = admin_token(&app).await;
    let get = |token: String, path: String| {
        let req = app.client.get(app.url(&path)).bearer_auth(token);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let path = format!("/api/v1/admin/events/{event}/stats");
    let (status, stats) = get(admin.clone(), path.clone()).await;
    assert_eq!(status, 200, "{stats}");
    let n = |k: &str| stats[k].as_i64().unwrap();
    assert_eq!(
        n("available") + n("held") + n("sold"),
        n("capacity"),
        "{stats}"
    );

    // Against the rows themselves: the section counters, and the seats sold.
    use boxoffice::db::schema::{bookings as b, event_seats as s, event_sections as es};
    let sections: Vec<(i32, i32, i32, i32)> = app.with_conn(|c| {
        es::table
            .filter(es::event_id.eq(event))
            .select((es::capacity, es::held, es::sold, es::blocked))
            .load(c)
            .unwrap()
    });
    let sum = |f: fn(&(i32, i32, i32, i32)) -> i32| -> i64 {
        sections.iter().map(|r| i64::from(f(r))).sum()
    };
    assert_eq!(n("capacity"), sum(|r| r.0 - r.3));
    assert_eq!(n("held"), sum(|r| r.1), "no hold has run out yet");
    assert_eq!(n("sold"), sum(|r| r.2));
    let sold_seats: i64 = app.with_conn(|c| {
        s::table
            .filter(s::event_id.eq(event))
            .filter(s::status.eq("sold"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert!(n("sold") >= sold_seats && sold_seats >= 2);
    let revenue: i64 = app.with_conn(|c| {
        b::table
            .filter(b::event_id.eq(event))
            .filter(b::status.eq("paid"))
            .select(b::total_cents)
            .load::<i64>(c)
            .unwrap()
            .into_iter()
            .sum()
    });
    assert_eq!(n("revenue_cents"), revenue);
    assert!(n("tickets_sold") >= 2);
    assert!(stats["bookings"]["pending"].as_i64().unwrap() >= 1);
    assert!(stats["bookings"]["paid"].as_i64().unwrap() >= 1);

    // Once Bob's hold runs out it counts as available at once, before any sweep.
    app.clock.advance(TimeDelta::seconds(901));
    let (_, later) = get(admin.clone(), path.clone()).await;
    assert_eq!(later["held"].as_i64().unwrap(), n("held") - 1);
    assert_eq!(later["available"].as_i64().unwrap(), n("available") + 1);

    // Only admins; an unknown event is a 404.
    let (status, _) = get(ada.token.clone(), path).await;
    assert_eq!(status, 403);
    let (status, _) = get(admin, "/api/v1/admin/events/999999/stats".to_owned()).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn a_ticket_is_checked_in_once_at_the_door_of_its_own_event() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, _, reference) = basket(&app, &ada).await;
    let (_, payment) = pay(&app, &ada, &reference, "k", "card").await;
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    let codes: Vec<String> = ticket_codes(&booking(&app, &ada, &reference).await)
        .into_iter()
        .collect();

    // Buyers are not let in to the door page.
    app.login("buyer1@example.com", "a long enough password")
        .await;
    assert_eq!(
        app.get(&format!("/admin/checkin?event={event}"))
            .await
            .status(),
        403
    );
    app.create_admin("door@example.com", "a long enough password");
    app.login("door@example.com", "a long enough password")
        .await;

    let (status, page) = app.get_html(&format!("/admin/checkin?event={event}")).await;
    assert_eq!(status, 200);
    let counted = |doc: &scraper::Html| {
        (
            crate::helpers::texts(doc, "[data-count=checked-in]"),
            crate::helpers::texts(doc, "[data-count=sold]"),
        )
    };
    let (before, sold) = counted(&page);
    let before: i64 = before[0].parse().unwrap();
    let csrf = app
        .csrf_token(&format!("/admin/checkin?event={event}"))
        .await;
    let scan = |code: String, at_event: i64| {
        let form = [
            ("csrf_token", csrf.clone()),
            ("event", at_event.to_string()),
            ("code", code),
        ];
        let req = app
            .client
            .post(app.url("/admin/checkin"))
            .header("HX-Request", "true")
            .form(&form);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200);
            scraper::Html::parse_fragment(&res.text().await.unwrap())
        }
    };
    let verdict = |doc: &scraper::Html| crate::helpers::attrs(doc, ".door-verdict", "data-verdict");

    // Typed the way people type: lower case, grouped with spaces.
    let typed = crate::helpers::grouped_lower(&codes[0]);
    let first = scan(typed, event).await;
    assert_eq!(verdict(&first), ["valid"]);
    assert_eq!(counted(&first).0, [(before + 1).to_string()]);
    assert_eq!(counted(&first).1, sold);
    let again = scan(codes[0].clone(), event).await;
    assert_eq!(verdict(&again), ["already"]);
    assert!(crate::helpers::texts(&again, ".door-big")[0].starts_with("Already checked in at "));
    assert_eq!(
        counted(&again).0,
        [(before + 1).to_string()],
        "counted once"
    );

    let other_event: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::events::dsl::*;
        events.filter(id.ne(event)).select(id).first(c).unwrap()
    });
    assert_eq!(
        verdict(&scan(codes[1].clone(), other_event).await),
        ["wrong-event"]
    );
    assert_eq!(
        verdict(&scan("ZZZZZZZZZZZZZZZZ".to_owned(), event).await),
        ["unknown"]
    );
    let checked: Vec<(String, Option<i64>)> = app.with_conn(|c| {
        use boxoffice::db::schema::tickets::dsl::*;
        tickets
            .filter(code.eq_any(&codes))
            .order(code)
            .select((status, checked_in_by))
            .load(c)
            .unwrap()
    });
    let admitted: Vec<&str> = checked.iter().map(|(s, _)| s.as_str()).collect();
    assert!(
        admitted.contains(&"checked_in") && admitted.contains(&"valid"),
        "{checked:?}"
    );
    assert!(
        checked
            .iter()
            .any(|(s, by)| s == "checked_in" && by.is_some())
    );
}

#[actix_web::test]
async fn cancelling_an_event_refunds_every_paid_booking_once_while_buyers_keep_trying() {
    let app = spawn_app().await;
    let (event, free, _) = seated_event(&app, 60).await;
    // Five paid bookings, two baskets still pending (registrations per address are limited).
    let mut buyers = Vec::new();
    for n in 0..8 {
        if n >= 5 {
            // Five registrations from one address, then one every ten minutes.
            app.clock.advance(TimeDelta::seconds(601));
        }
        buyers.push(buyer(&app, n).await);
    }
    let late = buyers.pop().unwrap();
    let mut paid = Vec::new();
    for (n, who) in buyers.iter().enumerate() {
        let (status, b) = hold(
            &app,
            who,
            event,
            json!({"seat_ids": [free[2 * n], free[2 * n + 1]]}),
        )
        .await;
        assert_eq!(status, 201);
        let reference = b["reference"].as_str().unwrap().to_owned();
        if n < 5 {
            let (_, p) = pay(&app, who, &reference, "k", "card").await;
            card_ok(&app, p["external_id"].as_str().unwrap()).await;
            paid.push(reference);
        }
    }
    app.run_worker();
    // The gateway refunded one payment already but the app never heard (a crash between the
    // gateway's answer and the app's commit): the job must not refund it twice.
    let (first_payment, first_external): (i64, String) = app.with_conn(|c| {
        use boxoffice::db::schema::{bookings as b, payments as p};
        p::table
            .inner_join(b::table)
            .filter(b::reference.eq(&paid[0]))
            .select((p::id, p::external_id))
            .first(c)
            .unwrap()
    });
    let gateway = boxoffice::gateway::Gateway::new(app.db.clone(), app.clock.clone());
    let amount = booking(&app, &buyers[0], &paid[0]).await["total_cents"]
        .as_i64()
        .unwrap();
    gateway
        .refund(
            &first_external,
            amount,
            &format!("refund:payment:{first_payment}"),
            "early",
        )
        .unwrap();

    let admin = admin_token(&app).await;
    // A fresh client each time: the worker's long run below outlasts the server's keep-alive.
    let cancel = || {
        reqwest::Client::new()
            .post(app.url(&format!("/api/v1/admin/events/{event}/cancel")))
            .bearer_auth(&admin)
            .json(&json!({"reason": "The venue flooded."}))
            .send()
    };

    // Buyers keep trying to hold the free seats while the cancel goes through.
    let attempts = (0..20).map(|i| hold(&app, &late, event, json!({"seat_ids": [free[30 + i]]})));
    let (answers, cancelled) =
        futures_util::future::join(futures_util::future::join_all(attempts), cancel()).await;
    let cancelled = cancelled.unwrap();
    assert_eq!(cancelled.status(), 202);
    let body: Value = cancelled.json().await.unwrap();
    assert_eq!(body["status"], "cancelling");
    assert!(body["bookings_to_refund"].as_i64().unwrap() >= 5, "{body}");
    assert!(
        answers.iter().all(|(s, _)| *s == 201 || *s == 422),
        "{answers:?}"
    );
    // After the cancel: every hold is refused, and no basket of the event is left pending.
    let (status, _) = hold(&app, &late, event, json!({"seat_ids": [free[59]]})).await;
    assert_eq!(status, 422);
    let pending: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::bookings::dsl::*;
        bookings
            .filter(event_id.eq(event))
            .filter(status.eq("pending"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(pending, 0, "no hold committed after the cancel");

    let pass = app.run_worker();
    assert!(
        pass.jobs
            .iter()
            .all(|t| matches!(t, boxoffice::jobs::Turn::Done { .. })),
        "{:?}",
        pass.jobs
    );
    // Every paid booking refunded once; refunds add up to the payments; tickets void.
    for reference in &paid {
        let statuses = payment_statuses(&app, reference);
        assert_eq!(statuses, ["refunded"], "{reference}");
    }
    let (payments_total, payments_count, refunds_total, refunds, per_intent): (
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = app.with_conn(|c| {
        use boxoffice::db::schema::{
            bookings as b, gateway_intents as i, gateway_refunds as r, payments as p,
        };
        let paid_sum: Vec<i64> = p::table
            .inner_join(b::table)
            .filter(b::event_id.eq(event))
            .select(p::amount_cents)
            .load(c)
            .unwrap();
        let refunded: Vec<(i64, String)> = r::table
            .inner_join(i::table)
            .select((r::amount_cents, i::external_id))
            .load(c)
            .unwrap();
        let intents: std::collections::BTreeSet<&String> =
            refunded.iter().map(|(_, e)| e).collect();
        (
            paid_sum.iter().sum(),
            paid_sum.len() as i64,
            refunded.iter().map(|(a, _)| a).sum(),
            refunded.len() as i64,
            intents.len() as i64,
        )
    });
    // The demo's own sales of this event are real at the gateway too: all are refunded.
    assert!(payments_count >= 5);
    assert_eq!(refunds, payments_count, "one refund per payment");
    assert_eq!(per_intent, payments_count);
    assert_eq!(
        refunds_total, payments_total,
        "refunds add up to the payments"
    );
    let (left_paid, valid_tickets): (i64, i64) = app.with_conn(|c| {
        use boxoffice::db::schema::{bookings as b, tickets as t};
        let left = b::table
            .filter(b::event_id.eq(event))
            .filter(b::status.eq("paid"))
            .count()
            .get_result(c)
            .unwrap();
        let valid = t::table
            .filter(t::event_id.eq(event))
            .filter(t::status.eq("valid"))
            .count()
            .get_result(c)
            .unwrap();
        (left, valid)
    });
    assert_eq!((left_paid, valid_tickets), (0, 0));
    let emails: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::email_outbox::dsl::*;
        email_outbox
            .filter(kind.eq("event_cancelled"))
            .filter(recipient.like("buyer%@example.com"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(emails, 5, "one cancellation email per paying buyer");

    // Calling it again is harmless.
    let again = cancel().await.unwrap();
    assert_eq!(again.status(), 202);
    let body: Value = again.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["bookings_to_refund"].as_i64()),
        (Some("cancelled"), Some(0))
    );
    app.clock.advance(TimeDelta::seconds(60));
    app.run_worker();
    let refunds_after: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::gateway_refunds::dsl::*;
        gateway_refunds.count().get_result(c).unwrap()
    });
    assert_eq!(refunds_after, payments_count);
}
