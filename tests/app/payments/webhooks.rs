//! The gateway's webhooks: forged, stale, duplicated, out of order, retried; one idempotency key under concurrency.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::holds::buyer;
use boxoffice::gateway::signature;

use super::{
    basket, booking, card_ok, complete, gateway_events, outbox_count, pay, payment_statuses,
    post_webhook, signed_now,
};

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
    // The gateway's own delivery of the same event is a duplicate: one record, one email.
    let pass = app.run_worker();
    assert_eq!(pass.emails.len(), 1, "{pass:?}");
    let received: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::webhook_events::dsl::*;
        webhook_events.count().get_result(c).unwrap()
    });
    assert_eq!(received, 1);
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
