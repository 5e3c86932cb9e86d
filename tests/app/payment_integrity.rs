//! Issue 16, payments: what is sold always equals what was paid (a payment opened for a smaller
//! basket never sells a bigger one), in the pages and the API alike; and money the gateway took
//! without tickets is found and given back, once.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, attrs, spawn_app, test_now};
use crate::holds::{Buyer, buyer, call, hold, seat_statuses, seated_event};
use crate::payments::{card_ok, pay};

/// The payments of a booking, oldest first: (status, amount).
fn payments_of(app: &TestApp, reference: &str) -> Vec<(String, i64)> {
    use boxoffice::db::schema::{bookings as b, payments as p};
    app.with_conn(|c| {
        p::table
            .inner_join(b::table)
            .filter(b::reference.eq(reference))
            .order(p::id)
            .select((p::status, p::amount_cents))
            .load(c)
            .unwrap()
    })
}

/// What the gateway gave back for each refund of this booking's payments: (refund status,
/// amount) from the app's books, and the provider's own refunded total for `external_id`.
fn refunds_of(app: &TestApp, reference: &str) -> Vec<(String, i64)> {
    use boxoffice::db::schema::{bookings as b, refunds as r};
    app.with_conn(|c| {
        r::table
            .inner_join(b::table)
            .filter(b::reference.eq(reference))
            .order(r::id)
            .select((r::status, r::amount_cents))
            .load(c)
            .unwrap()
    })
}

fn gateway_refunded(app: &TestApp, external_id: &str) -> i64 {
    use boxoffice::db::schema::gateway_intents as i;
    app.with_conn(|c| {
        i::table
            .filter(i::external_id.eq(external_id))
            .select(i::refunded_cents)
            .first(c)
            .unwrap()
    })
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

/// Checks the booking was not sold for the old payment: still pending with all four seats
/// held, no tickets, the old payment refunded in full (once), at the gateway too.
async fn assert_not_sold_and_refunded(
    app: &TestApp,
    who: &Buyer,
    event: i64,
    seats: &[i64],
    reference: &str,
    old_external_id: &str,
    old_amount: i64,
) {
    let view = booking(app, who, reference).await;
    assert_eq!(view["status"], "pending", "{view}");
    assert!(view["tickets"].as_array().unwrap().is_empty(), "{view}");
    assert_eq!(view["items"].as_array().unwrap().len(), 4, "{view}");
    let statuses = seat_statuses(app, event).await;
    assert!(
        seats.iter().all(|s| statuses[s] == "held"),
        "all four seats stay held: {statuses:?}"
    );
    assert_eq!(
        payments_of(app, reference),
        [("refunded".to_owned(), old_amount)]
    );
    assert_eq!(
        refunds_of(app, reference),
        [("succeeded".to_owned(), old_amount)]
    );
    assert_eq!(gateway_refunded(app, old_external_id), old_amount);
}

#[actix_web::test]
async fn an_api_payment_for_one_seat_does_not_buy_four_and_is_refunded() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, free, _) = seated_event(&app, 4).await;
    let seats = &free[..4];
    let (status, first) = hold(&app, &ada, event, json!({ "seat_ids": [seats[0]] })).await;
    assert_eq!(status, 201, "{first}");
    let reference = first["reference"].as_str().unwrap().to_owned();
    let one_seat = first["total_cents"].as_i64().unwrap();
    let (status, old) = pay(&app, &ada, &reference, "pay-1", "card").await;
    assert_eq!(status, 201, "{old}");
    assert_eq!(old["amount_cents"].as_i64(), Some(one_seat));
    let old_external_id = old["external_id"].as_str().unwrap().to_owned();

    let (status, more) = hold(&app, &ada, event, json!({ "seat_ids": &seats[1..] })).await;
    assert_eq!(status, 201, "{more}");
    assert_eq!(more["reference"].as_str(), Some(reference.as_str()));
    let four_seats = more["total_cents"].as_i64().unwrap();
    assert!(four_seats > one_seat);

    // The old, smaller payment completes at the gateway and its webhook arrives.
    card_ok(&app, &old_external_id).await;
    app.run_worker();
    assert_not_sold_and_refunded(
        &app,
        &ada,
        event,
        seats,
        &reference,
        &old_external_id,
        one_seat,
    )
    .await;

    // The booking is still payable, at its real total, and then sells all four.
    let (status, new) = pay(&app, &ada, &reference, "pay-2", "card").await;
    assert_eq!(status, 201, "{new}");
    assert_eq!(new["amount_cents"].as_i64(), Some(four_seats));
    card_ok(&app, new["external_id"].as_str().unwrap()).await;
    app.run_worker();
    let view = booking(&app, &ada, &reference).await;
    assert_eq!(view["status"], "paid", "{view}");
    assert_eq!(view["total_cents"].as_i64(), Some(four_seats));
    assert_eq!(view["tickets"].as_array().unwrap().len(), 4);
    let statuses = seat_statuses(&app, event).await;
    assert!(seats.iter().all(|s| statuses[s] == "sold"));
}

#[actix_web::test]
async fn reusing_an_idempotency_key_after_the_basket_changed_is_a_409_and_a_new_payment_closes_the_old()
 {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, free, _) = seated_event(&app, 2).await;
    let (status, first) = hold(&app, &ada, event, json!({ "seat_ids": [free[0]] })).await;
    assert_eq!(status, 201, "{first}");
    let reference = first["reference"].as_str().unwrap().to_owned();
    let (status, old) = pay(&app, &ada, &reference, "same-key", "card").await;
    assert_eq!(status, 201, "{old}");
    // Unchanged basket: the same key answers the same payment.
    let (status, again) = pay(&app, &ada, &reference, "same-key", "card").await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], old["id"]);

    let (status, _) = hold(&app, &ada, event, json!({ "seat_ids": [free[1]] })).await;
    assert_eq!(status, 201);
    let res = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{reference}/payments")))
        .bearer_auth(&ada.token)
        .header("Idempotency-Key", "same-key")
        .json(&json!({ "method": "card" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "basket_changed", "{problem}");
    assert_eq!(payments_of(&app, &reference).len(), 1);

    // A new key opens a payment for the whole basket and closes the stale one at the gateway.
    let (status, new) = pay(&app, &ada, &reference, "new-key", "card").await;
    assert_eq!(status, 201, "{new}");
    assert_eq!(
        new["amount_cents"],
        booking(&app, &ada, &reference).await["total_cents"]
    );
    let res = app
        .client
        .post(app.url(&format!(
            "/gateway/v1/payments/{}/complete",
            old["external_id"].as_str().unwrap()
        )))
        .json(&json!({"card_number": "4242424242424242"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "the old price can no longer be paid");
    let statuses: Vec<String> = payments_of(&app, &reference)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(statuses, ["failed", "pending"]);
    // The gateway's webhooks arrive: the closed payment stays failed, the new one waits.
    let pass = app.run_worker();
    assert!(!pass.jobs.is_empty(), "the webhooks were delivered");
    let statuses: Vec<String> = payments_of(&app, &reference)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(statuses, ["failed", "pending"]);
}

/// Holds one seat from the seat map page (signed in with the app's cookie client).
async fn hold_on_page(app: &TestApp, event: i64, seat: i64) {
    let token = app.csrf_token(&format!("/events/{event}/seats")).await;
    let res = app
        .client
        .post(app.url(&format!("/events/{event}/seats")))
        .form(&[("csrf_token", token.as_str()), ("hold", &seat.to_string())])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
}

/// Presses Pay on the booking page; answers the gateway page's address.
async fn pay_on_page(app: &TestApp, reference: &str) -> String {
    let (_, page) = app.get_html(&format!("/bookings/{reference}")).await;
    let key = attrs(&page, "#pay-form input[name=idempotency_key]", "value");
    assert_eq!(key.len(), 1);
    let csrf = app.csrf_token(&format!("/bookings/{reference}")).await;
    let res = app
        .client
        .post(app.url(&format!("/bookings/{reference}/pay")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("idempotency_key", key[0].as_str()),
            ("method", "card"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_page_payment_for_one_seat_does_not_buy_four_and_is_refunded() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    app.login("buyer1@example.com", "a long enough password")
        .await;
    let (event, free, _) = seated_event(&app, 4).await;
    let seats = &free[..4];
    hold_on_page(&app, event, seats[0]).await;
    let reference: String = app.with_conn(|c| {
        use boxoffice::db::schema::{bookings as b, users as u};
        b::table
            .inner_join(u::table)
            .filter(u::email.eq("buyer1@example.com"))
            .select(b::reference)
            .first(c)
            .unwrap()
    });
    let one_seat = booking(&app, &ada, &reference).await["total_cents"]
        .as_i64()
        .unwrap();
    let checkout = pay_on_page(&app, &reference).await;
    let old_external_id = checkout.rsplit('/').next().unwrap().to_owned();
    for &seat in &seats[1..] {
        hold_on_page(&app, event, seat).await;
    }
    let four_seats = booking(&app, &ada, &reference).await["total_cents"]
        .as_i64()
        .unwrap();
    assert!(four_seats > one_seat);

    card_ok(&app, &old_external_id).await;
    app.run_worker();
    assert_not_sold_and_refunded(
        &app,
        &ada,
        event,
        seats,
        &reference,
        &old_external_id,
        one_seat,
    )
    .await;

    // Pay again from the page: a new payment, for the whole basket, and the gateway's page
    // asks for that amount.
    let checkout = pay_on_page(&app, &reference).await;
    let new_external_id = checkout.rsplit('/').next().unwrap().to_owned();
    assert_ne!(new_external_id, old_external_id);
    let amounts: Vec<i64> = payments_of(&app, &reference)
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    assert_eq!(amounts, [one_seat, four_seats]);
    let path = checkout.find("/gateway/").map(|i| &checkout[i..]).unwrap();
    let text = app.get(path).await.text().await.unwrap();
    let shown = format!("{}.{:02}", four_seats / 100, four_seats % 100);
    assert!(text.contains(&shown), "the gateway page shows {shown}");
    card_ok(&app, &new_external_id).await;
    app.run_worker();
    let view = booking(&app, &ada, &reference).await;
    assert_eq!(view["status"], "paid", "{view}");
    assert_eq!(view["tickets"].as_array().unwrap().len(), 4);
}

/// The state a fault leaves (seen after a full disk): the gateway took a payment, the app has
/// it `succeeded`, but the booking was cancelled and nothing refunds it. Answers the booking
/// reference, the payment's external id and its amount.
async fn money_without_tickets(app: &TestApp, who: &Buyer) -> (String, String, i64) {
    let (event, free, _) = seated_event(app, 2).await;
    let (status, held) = hold(app, who, event, json!({ "seat_ids": [free[0], free[1]] })).await;
    assert_eq!(status, 201, "{held}");
    let reference = held["reference"].as_str().unwrap().to_owned();
    let (status, payment) = pay(app, who, &reference, "k", "card").await;
    assert_eq!(status, 201, "{payment}");
    let external_id = payment["external_id"].as_str().unwrap().to_owned();
    card_ok(app, &external_id).await;
    let now = app.clock.now();
    app.with_conn(|c| {
        use boxoffice::db::schema::{bookings as b, jobs as j, payments as p};
        // The webhook is lost, the booking ends cancelled, the payment is recorded taken.
        diesel::delete(j::table.filter(j::kind.eq("gateway.webhook")))
            .execute(c)
            .unwrap();
        diesel::update(b::table.filter(b::reference.eq(&reference)))
            .set((b::status.eq("cancelled"), b::cancelled_at.eq(Some(now))))
            .execute(c)
            .unwrap();
        diesel::update(p::table.filter(p::external_id.eq(&external_id)))
            .set((p::status.eq("succeeded"), p::succeeded_at.eq(Some(now))))
            .execute(c)
            .unwrap();
    });
    let amount = payment["amount_cents"].as_i64().unwrap();
    (reference, external_id, amount)
}

/// Gateway refunds made during the test (the demo's past refunds are older).
fn gateway_refund_count(app: &TestApp) -> i64 {
    use boxoffice::db::schema::gateway_refunds::dsl::*;
    app.with_conn(|c| {
        gateway_refunds
            .filter(created_at.ge(test_now().naive_utc()))
            .count()
            .get_result(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn the_reconciliation_refunds_money_without_tickets_exactly_once() {
    use boxoffice::services::reconcile;
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (reference, external_id, amount) = money_without_tickets(&app, &ada).await;
    let gateway = app.providers();
    let now = app.clock.now();

    // Four instances at once, then twice more: one refund.
    let mut runs = Vec::new();
    for _ in 0..4 {
        let (db, gateway, live) = (app.db.clone(), gateway.clone(), app.live.clone());
        runs.push(std::thread::spawn(move || {
            reconcile::run(&db, &gateway, &live, now)
        }));
    }
    let started: usize = runs
        .into_iter()
        .map(|r| r.join().unwrap().expect("the reconciliation runs").refunded)
        .sum();
    assert_eq!(started, 1, "one run starts the refund");
    for _ in 0..2 {
        let again = reconcile::run(&app.db, &gateway, &app.live, now).unwrap();
        assert_eq!(again.refunded, 0);
    }
    app.run_worker(); // the refund job asks the gateway; its webhook confirms it
    app.run_worker();
    assert_eq!(
        payments_of(&app, &reference),
        [("refunded".to_owned(), amount)]
    );
    assert_eq!(
        refunds_of(&app, &reference),
        [("succeeded".to_owned(), amount)]
    );
    assert_eq!(gateway_refunded(&app, &external_id), amount);
    assert_eq!(gateway_refund_count(&app), 1);
    let again = reconcile::run(&app.db, &gateway, &app.live, app.clock.now()).unwrap();
    assert_eq!(again.total(), 0, "nothing left to mend");
}

#[actix_web::test]
async fn the_reconciliation_applies_a_payment_the_gateway_took_whose_webhook_was_lost() {
    use boxoffice::services::reconcile;
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, free, _) = seated_event(&app, 2).await;
    let (status, held) = hold(&app, &ada, event, json!({ "seat_ids": [free[0]] })).await;
    assert_eq!(status, 201, "{held}");
    let reference = held["reference"].as_str().unwrap().to_owned();
    let (_, payment) = pay(&app, &ada, &reference, "k", "card").await;
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    app.with_conn(|c| {
        use boxoffice::db::schema::jobs as j;
        diesel::delete(j::table.filter(j::kind.eq("gateway.webhook")))
            .execute(c)
            .unwrap();
    });
    let gateway = app.providers();
    // Too fresh to ask about: its webhook is normally on its way.
    let early = reconcile::run(&app.db, &gateway, &app.live, app.clock.now()).unwrap();
    assert_eq!(early.applied, 0);
    app.clock.advance(chrono::TimeDelta::minutes(3));
    let done = reconcile::run(&app.db, &gateway, &app.live, app.clock.now()).unwrap();
    assert_eq!(done.applied, 1);
    let view = booking(&app, &ada, &reference).await;
    assert_eq!(view["status"], "paid", "{view}");
    assert_eq!(view["tickets"].as_array().unwrap().len(), 1);
    let again = reconcile::run(&app.db, &gateway, &app.live, app.clock.now()).unwrap();
    assert_eq!(again.total(), 0);
    // Ada gets her tickets by email, once.
    assert_eq!(
        app.deliver_emails_listed(),
        ["booking_confirmed buyer1@example.com"]
    );
}

#[actix_web::test]
async fn a_payment_accepted_in_time_whose_webhook_lags_past_the_hold_still_sells() {
    use boxoffice::services::basket::PAYMENT_GRACE;
    use chrono::TimeDelta;
    let app = spawn_app().await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let (event, free, _) = seated_event(&app, 2).await;
    let (status, held) = hold(&app, &ada, event, json!({ "seat_ids": [free[0]] })).await;
    assert_eq!(status, 201, "{held}");
    let reference = held["reference"].as_str().unwrap().to_owned();
    let (_, payment) = pay(&app, &ada, &reference, "k", "card").await;
    // The provider accepts the card a little before the hold ends…
    app.clock.advance(TimeDelta::seconds(890));
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    // …and its webhook is applied a minute after the hold ended (a busy worker).
    app.clock.advance(TimeDelta::seconds(70));
    let (status, taken) = hold(&app, &bob, event, json!({ "seat_ids": [free[0]] })).await;
    assert_eq!(status, 409, "the seat waits for Ada's payment: {taken}");
    // No new payment starts in the grace.
    let (status, _) = pay(&app, &ada, &reference, "k2", "card").await;
    assert_eq!(status, 409);
    app.run_worker();
    let view = booking(&app, &ada, &reference).await;
    assert_eq!(view["status"], "paid", "{view}");
    assert_eq!(view["tickets"].as_array().unwrap().len(), 1);
    assert_eq!(seat_statuses(&app, event).await[&free[0]], "sold");
    assert!(refunds_of(&app, &reference).is_empty());

    // The grace is bounded: a basket whose payment never came is free once it is over.
    let (status, held) = hold(&app, &bob, event, json!({ "seat_ids": [free[1]] })).await;
    assert_eq!(status, 201, "{held}");
    let bobs = held["reference"].as_str().unwrap().to_owned();
    let (status, _) = pay(&app, &bob, &bobs, "b", "card").await;
    assert_eq!(status, 201);
    app.clock.advance(TimeDelta::seconds(901) + PAYMENT_GRACE);
    app.run_worker();
    assert_eq!(booking(&app, &bob, &bobs).await["status"], "expired");
    assert_eq!(seat_statuses(&app, event).await[&free[1]], "available");
    // Bob is told his basket ran out.
    assert_eq!(
        app.deliver_emails_listed(),
        ["hold_expired buyer2@example.com"]
    );
}
