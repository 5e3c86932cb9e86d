//! Payments that arrive late: after the hold ran out, after the seats were resold, twice for one booking, after a cancel.

use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{spawn_app, test_now};
use crate::holds::{buyer, call, hold, seat_statuses};

use super::{
    basket, booking, card_ok, complete, emails_containing, outbox_count, pay, payment_statuses,
};

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
    // Made during the test (the demo's past refunds are older).
    let refunds: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::gateway_refunds::dsl::*;
        gateway_refunds
            .filter(created_at.ge(test_now().naive_utc()))
            .count()
            .get_result(c)
            .unwrap()
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
        // Made during the test (the demo's past refunds are older).
        let n = r::table
            .filter(r::created_at.ge(test_now().naive_utc()))
            .count()
            .get_result(c)
            .unwrap();
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
