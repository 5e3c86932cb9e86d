//! Payment providers behind one interface (issue 23): which providers an event offers, the
//! choice at the Pay step, the provider kept on each payment, and refunds that can never add
//! up to more than the payment, refused by the database itself.

use diesel::prelude::*;
use serde_json::{Value, json};

use boxoffice::db::schema::{events, payments, refunds};
use boxoffice::domain::ids::{EventId, OrganizerId};
use boxoffice::domain::payment::ProviderId;

use crate::helpers::{TestApp, spawn_app};
use crate::holds::buyer;

use super::{basket, card_ok};

/// A payment request with a body of the test's choosing.
async fn pay_with(
    app: &TestApp,
    token: &str,
    reference: &str,
    key: &str,
    body: Value,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{reference}/payments")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn organizer_of(app: &TestApp, event: i64) -> OrganizerId {
    app.with_conn(|c| {
        events::table
            .filter(events::id.eq(event))
            .select(events::organizer_id)
            .first(c)
            .unwrap()
    })
}

/// An event offers SimPay alone unless its organizer or the event itself chose otherwise; the
/// event's own choice wins; the API lists each provider's methods in that order.
#[actix_web::test]
async fn an_event_offers_its_own_providers_else_its_organizers_else_simpay() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, _, _) = basket(&app, &ada).await;
    let organizer = organizer_of(&app, event);
    // Before the event is first read (the catalogue keeps its answers for a few seconds).
    app.with_conn(|c| {
        boxoffice::db::providers::set_for_organizer(c, organizer, &[]).unwrap();
        boxoffice::db::providers::set_for_event(c, EventId(event), &[]).unwrap();
    });
    let (status, detail) = app.get_json(&format!("/api/v1/events/{event}")).await;
    assert_eq!(status, 200);
    let options: Vec<String> = detail["payment_options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}:{}",
                o["provider"].as_str().unwrap(),
                o["method"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        options,
        ["simpay:card", "simpay:bank_transfer", "simpay:ewallet"]
    );
    let offered = |app: &TestApp| {
        app.with_conn(|c| boxoffice::db::providers::offered(c, EventId(event)).unwrap())
    };
    app.with_conn(|c| {
        boxoffice::db::providers::set_for_organizer(
            c,
            organizer,
            &[ProviderId::LotusPay, ProviderId::SimPay],
        )
        .unwrap();
    });
    assert_eq!(offered(&app), [ProviderId::LotusPay, ProviderId::SimPay]);
    app.with_conn(|c| {
        boxoffice::db::providers::set_for_event(c, EventId(event), &[ProviderId::SimPay]).unwrap();
    });
    assert_eq!(offered(&app), [ProviderId::SimPay]);
    // The database knows only the providers the app has.
    let refused = app.with_conn(|c| {
        diesel::sql_query(format!(
            "INSERT INTO event_providers (event_id, provider, position) VALUES ({event}, 'paypal', 1)"
        ))
        .execute(c)
    });
    assert!(refused.is_err(), "an unknown provider is refused");
}

/// The Pay step takes a provider among the event's; one it does not offer, or an unknown one,
/// is a 422 that opens nothing; the payment remembers its provider, and the same key with
/// another provider is a key reused.
#[actix_web::test]
async fn a_payment_goes_to_a_provider_the_event_offers_and_keeps_it() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, _, reference) = basket(&app, &ada).await;
    app.with_conn(|c| {
        boxoffice::db::providers::set_for_event(c, EventId(event), &[ProviderId::SimPay]).unwrap();
    });
    let count = |app: &TestApp| -> i64 {
        app.with_conn(|c| payments::table.count().get_result(c).unwrap())
    };
    let before = count(&app);
    let (status, body) = pay_with(
        &app,
        &ada.token,
        &reference,
        "a",
        json!({"method": "card", "provider": "lotuspay"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["errors"]["payment"]
            .as_str()
            .unwrap()
            .contains("provider"),
        "{body}"
    );
    let (status, body) = pay_with(
        &app,
        &ada.token,
        &reference,
        "b",
        json!({"method": "card", "provider": "paypal"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["provider"].is_string(), "{body}");
    assert_eq!(count(&app), before, "nothing was opened");

    let (status, body) = pay_with(
        &app,
        &ada.token,
        &reference,
        "c",
        json!({"method": "card", "provider": "simpay"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["provider"], "simpay");
    let external = body["external_id"].as_str().unwrap().to_owned();
    assert!(
        body["checkout_url"]
            .as_str()
            .unwrap()
            .contains(&format!("/gateway/checkout/{external}"))
    );
    // Without a provider: the event's first, the same payment for the same key.
    let (status, again) =
        pay_with(&app, &ada.token, &reference, "c", json!({"method": "card"})).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["external_id"], external.as_str());
    let stored: String = app.with_conn(|c| {
        payments::table
            .filter(payments::external_id.eq(&external))
            .select(payments::provider)
            .first(c)
            .unwrap()
    });
    assert_eq!(stored, "simpay");
    card_ok(&app, &external).await;
    app.run_worker();
    let (_, latest) = app
        .api(
            Some(&ada.token),
            reqwest::Method::GET,
            &format!("/api/v1/bookings/{reference}/payment"),
            None,
        )
        .await;
    assert_eq!(latest["provider"], "simpay");
    assert_eq!(latest["status"], "succeeded");
}

/// Refunds of one payment are kept as a running total by the database: a refund that would
/// take it past what was paid is refused however it is written, and a refund's amount never
/// changes afterwards.
#[actix_web::test]
async fn the_database_refuses_refunds_past_the_payment() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (_, _, reference) = basket(&app, &ada).await;
    let (_, body) = pay_with(&app, &ada.token, &reference, "k", json!({"method": "card"})).await;
    let external = body["external_id"].as_str().unwrap().to_owned();
    card_ok(&app, &external).await;
    app.run_worker();
    let (payment, amount): (i64, i64) = app.with_conn(|c| {
        payments::table
            .filter(payments::external_id.eq(&external))
            .select((payments::id, payments::amount_cents))
            .first(c)
            .unwrap()
    });
    let insert = |app: &TestApp, key: &str, cents: i64| {
        app.with_conn(|c| {
            diesel::sql_query(format!(
                "INSERT INTO refunds (payment_id, booking_id, amount_cents, currency, idempotency_key, created_at, updated_at) \
                 SELECT id, booking_id, {cents}, currency, '{key}', created_at, created_at FROM payments WHERE id = {payment}"
            ))
            .execute(c)
        })
    };
    let refunded = |app: &TestApp| -> i64 {
        app.with_conn(|c| {
            payments::table
                .filter(payments::id.eq(payment))
                .select(payments::refunded_cents)
                .first(c)
                .unwrap()
        })
    };
    insert(&app, "part-1", amount / 2).unwrap();
    assert_eq!(refunded(&app), amount / 2);
    assert!(
        insert(&app, "too-much", amount - amount / 2 + 1).is_err(),
        "past the payment"
    );
    assert_eq!(
        refunded(&app),
        amount / 2,
        "the refused refund left nothing"
    );
    insert(&app, "part-2", amount - amount / 2).unwrap();
    assert_eq!(refunded(&app), amount);
    assert!(insert(&app, "one-cent", 1).is_err(), "nothing is left");
    // A refund's amount is fixed once written.
    let changed = app.with_conn(|c| {
        diesel::update(refunds::table.filter(refunds::idempotency_key.eq("part-1")))
            .set(refunds::amount_cents.eq(1))
            .execute(c)
    });
    assert!(changed.is_err(), "a refund's amount never changes");
    let rows: i64 = app.with_conn(|c| {
        refunds::table
            .filter(refunds::payment_id.eq(payment))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(rows, 2);
}
