//! Paying by card, a declined card, bank transfers and e-wallets: from the basket to tickets.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::holds::{buyer, call, seat_statuses};

use super::{
    basket, booking, complete, emails_containing, gateway_events, outbox_count, pay,
    payment_statuses, post_webhook, signed_now, ticket_codes,
};

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
