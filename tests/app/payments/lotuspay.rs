//! Paying a booking through LotusPay, the redirect-shaped provider (issue 23), end to end in
//! the app: the buyer is sent to LotusPay's page with signed parameters, pays, comes back on a
//! signed return URL, and the booking is paid only when LotusPay's server-to-server
//! notification arrives, or when reconciliation asks LotusPay about a notification that was
//! lost. Refunds go back to LotusPay once, however often the job runs.

use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::{Value, json};

use boxoffice::db::schema::{jobs, lotuspay_payments, lotuspay_refunds, payments};
use boxoffice::domain::ids::EventId;
use boxoffice::domain::payment::ProviderId;
use boxoffice::providers::lotuspay::TEST_CARD_OK;

use crate::helpers::{TestApp, attrs, location, spawn_app};
use crate::holds::{Buyer, buyer};

use super::{basket, booking};

/// Holds two seats at an event that offers LotusPay first, and starts a LotusPay card payment:
/// (booking reference, the payment as the API answered it).
async fn lotuspay_payment(app: &TestApp, who: &Buyer) -> (String, Value) {
    let (event, _, reference) = basket(app, who).await;
    app.with_conn(|c| {
        boxoffice::db::providers::set_for_event(
            c,
            EventId(event),
            &[ProviderId::LotusPay, ProviderId::SimPay],
        )
        .unwrap();
    });
    let res = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{reference}/payments")))
        .bearer_auth(&who.token)
        .header("Idempotency-Key", "lotus-1")
        .json(&json!({"method": "card"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let payment: Value = res.json().await.unwrap();
    assert_eq!(
        payment["provider"], "lotuspay",
        "the event's first provider"
    );
    (reference, payment)
}

/// The buyer pays on LotusPay's page with the card that succeeds; answers where LotusPay sends
/// them back.
async fn pay_on_the_page(app: &TestApp, payment: &Value) -> String {
    let url = payment["checkout_url"].as_str().unwrap();
    assert!(
        url.contains("/lotuspay/pay?") && url.contains("lp_SecureHash="),
        "{url}"
    );
    let res = app.client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    let token = attrs(&doc, "input[name=token]", "value").remove(0);
    let txn = payment["external_id"].as_str().unwrap();
    let res = app
        .client
        .post(app.url(&format!("/lotuspay/pay/{txn}")))
        .form(&[
            ("token", token.as_str()),
            ("action", "card"),
            ("card_number", TEST_CARD_OK),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    location(&res)
}

fn lotuspay_status(app: &TestApp, txn: &str) -> String {
    app.with_conn(|c| {
        lotuspay_payments::table
            .filter(lotuspay_payments::txn_ref.eq(txn))
            .select(lotuspay_payments::status)
            .first(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn a_booking_is_paid_through_lotuspay_by_its_notification_not_its_return() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (reference, payment) = lotuspay_payment(&app, &ada).await;
    let txn = payment["external_id"].as_str().unwrap().to_owned();
    let back = pay_on_the_page(&app, &payment).await;
    assert!(
        back.contains(&format!("/bookings/{reference}/payment")) && back.contains("lp_SecureHash="),
        "{back}"
    );
    assert_eq!(lotuspay_status(&app, &txn), "succeeded");
    // The return is a hint: the page says what LotusPay said, and the booking waits for the
    // notification. A return tampered with is said to be unverified, and changes nothing.
    let browser = app.new_browser();
    let signed_in = app
        .submit(
            &browser,
            "/login",
            "/login",
            &[
                ("email", "buyer1@example.com"),
                ("password", crate::helpers::BUYER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed_in.status(), 303);
    let page = |url: String| {
        let browser = browser.clone();
        async move {
            let res = browser.get(url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            let doc = scraper::Html::parse_document(&res.text().await.unwrap());
            crate::helpers::texts(&doc, "#return-note").join(" ")
        }
    };
    assert!(
        page(back.clone())
            .await
            .contains("says the payment went through")
    );
    let tampered = back.replace("lp_ResponseCode=00", "lp_ResponseCode=51");
    assert_ne!(tampered, back);
    assert!(page(tampered).await.contains("could not be verified"));
    assert_eq!(booking(&app, &ada, &reference).await["status"], "pending");

    // LotusPay's notification reaches the app, which answers RspCode 00: paid, with tickets.
    app.run_worker();
    let paid = booking(&app, &ada, &reference).await;
    assert_eq!(paid["status"], "paid", "{paid}");
    assert_eq!(paid["tickets"].as_array().unwrap().len(), 2);
    let left: i64 = app.with_conn(|c| {
        jobs::table
            .filter(jobs::kind.eq("lotuspay.notify"))
            .filter(jobs::status.ne("done"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(left, 0, "every notification was acknowledged");
}

#[actix_web::test]
async fn a_lost_lotuspay_notification_is_recovered_by_reconciliation_once() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (reference, payment) = lotuspay_payment(&app, &ada).await;
    pay_on_the_page(&app, &payment).await;
    // The notification is lost (LotusPay gave up, or never sent it).
    app.with_conn(|c| {
        diesel::delete(jobs::table.filter(jobs::kind.eq("lotuspay.notify")))
            .execute(c)
            .unwrap();
    });
    app.run_worker();
    assert_eq!(booking(&app, &ada, &reference).await["status"], "pending");
    // Reconciliation asks LotusPay about payments waiting too long for their notification.
    app.clock.advance(TimeDelta::minutes(3));
    let done =
        boxoffice::services::reconcile::run(&app.db, &app.providers(), &app.live, app.clock.now())
            .unwrap();
    assert_eq!(done.applied, 1, "{done:?}");
    let paid = booking(&app, &ada, &reference).await;
    assert_eq!(paid["status"], "paid", "{paid}");
    let again =
        boxoffice::services::reconcile::run(&app.db, &app.providers(), &app.live, app.clock.now())
            .unwrap();
    assert_eq!(again.total(), 0, "once");
    let tickets: usize = paid["tickets"].as_array().unwrap().len();
    assert_eq!(tickets, 2);
    // The buyer's confirmation, once.
    let pass = app.run_worker();
    assert_eq!(pass.emails.len(), 1, "{pass:?}");
}

#[actix_web::test]
async fn a_lotuspay_refund_retried_is_made_once() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (reference, payment) = lotuspay_payment(&app, &ada).await;
    let txn = payment["external_id"].as_str().unwrap().to_owned();
    pay_on_the_page(&app, &payment).await;
    app.run_worker();
    assert_eq!(booking(&app, &ada, &reference).await["status"], "paid");
    let admin = app.admin_token().await;
    let (status, body) = app
        .api(
            Some(&admin),
            reqwest::Method::POST,
            &format!("/api/v1/admin/bookings/{reference}/refund"),
            Some(&json!({"reason": "The buyer cannot come."})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    app.run_worker();
    // The refund job runs again (a retry after a crash): LotusPay answers the same refund.
    let refund_id: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::refunds;
        refunds::table
            .inner_join(payments::table)
            .filter(payments::external_id.eq(&txn))
            .select(refunds::id)
            .first(c)
            .unwrap()
    });
    {
        use boxoffice::jobs::{RefundPayment, RunJob};
        let job = RefundPayment {
            refund_id: boxoffice::domain::ids::RefundId(refund_id),
        };
        boxoffice::services::payments::RefundJob::new(app.providers())
            .run(&app.db, &app.clock, job)
            .unwrap();
    }
    let (made, refunded): (i64, String) = app.with_conn(|c| {
        let made = lotuspay_refunds::table.count().get_result(c).unwrap();
        let status = payments::table
            .filter(payments::external_id.eq(&txn))
            .select(payments::status)
            .first(c)
            .unwrap();
        (made, status)
    });
    assert_eq!(made, 1, "one refund at LotusPay");
    assert_eq!(refunded, "refunded");
    assert_eq!(booking(&app, &ada, &reference).await["status"], "refunded");
}
