//! LotusPay (`providers::lotuspay`), the redirect-shaped provider, through the provider
//! interface and its hosted pages, without the app's bookings.

use boxoffice::domain::money::{Currency, Money};
use boxoffice::providers::lotuspay::{self, LotusPay, TEST_CARD_DECLINED, TEST_CARD_OK, sign};
use boxoffice::providers::{
    Handled, Incoming, Method, NotificationKind, OpenPayment, Opened, PaymentProvider,
    PaymentState, ProviderError,
};
use chrono::TimeDelta;

use super::Merchant;
use crate::helpers::{TestApp, attrs, location, spawn_app_with, texts};

const RETURN_URL: &str = "http://shop.test/bookings/BK1/return?from=lotuspay";

fn lotus(app: &TestApp) -> LotusPay {
    LotusPay::new(app.db.clone(), app.clock.clone(), &app.secret)
}

fn open(lotus: &LotusPay, key: &str, method: Method, cents: i64) -> Opened {
    lotus
        .open(&OpenPayment {
            idempotency_key: key,
            merchant_reference: "BK1",
            description: "Two seats, Hamlet",
            amount: Money::new(cents, Currency::parse("EUR").unwrap()),
            method,
            return_url: RETURN_URL,
        })
        .unwrap()
}

/// The hosted page for `opened`, as the app would send the buyer to it.
async fn pay_page(app: &TestApp, lotus: &LotusPay, opened: &Opened) -> (u16, scraper::Html) {
    let url = lotus.pay_url(&app.settings.base_url, opened);
    assert!(url.contains("lp_SecureHash="), "{url}");
    get_page(app, &url).await
}

async fn get_page(app: &TestApp, url: &str) -> (u16, scraper::Html) {
    let res = app.client.get(url).send().await.unwrap();
    let status = res.status().as_u16();
    (
        status,
        scraper::Html::parse_document(&res.text().await.unwrap()),
    )
}

/// Posts the page's form with `action` (and a card number); answers the redirect's target.
async fn submit(
    app: &TestApp,
    doc: &scraper::Html,
    txn: &str,
    action: &str,
    card: &str,
) -> (u16, String) {
    let token = attrs(doc, "input[name=token]", "value").remove(0);
    let res = app
        .client
        .post(app.url(&format!("/lotuspay/pay/{txn}")))
        .form(&[
            ("token", token.as_str()),
            ("action", action),
            ("card_number", card),
        ])
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), location(&res))
}

fn incoming<'a>(body: &'a str, now: chrono::NaiveDateTime) -> Incoming<'a> {
    Incoming {
        headers: &[],
        query: "",
        body: body.as_bytes(),
        now,
    }
}

#[actix_web::test]
async fn a_card_payment_goes_from_a_signed_redirect_to_a_signed_return_and_is_notified() {
    let app = spawn_app_with(false).await;
    let lotus = lotus(&app);
    let opened = open(&lotus, "k1", Method::Card, 2_500);
    assert!(opened.external_id.starts_with("lp_"));

    let (status, doc) = pay_page(&app, &lotus, &opened).await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&doc, "#lp-txn"),
        std::slice::from_ref(&opened.external_id)
    );
    let (status, to) = submit(
        &app,
        &doc,
        &opened.external_id,
        "card",
        "9704 0000 0000 0018",
    )
    .await;
    assert_eq!(status, 303);
    assert!(to.starts_with(&format!("{RETURN_URL}&lp_")), "{to}");

    // The return is signed by LotusPay (the merchant's own parameter is left alone).
    let query = to.split_once('?').unwrap().1;
    let back = lotus.read_return(query).unwrap();
    assert_eq!(back.txn_ref, opened.external_id);
    assert_eq!(back.response_code, lotuspay::code::APPROVED);
    assert!(
        lotus
            .read_return(&query.replace("lp_ResponseCode=00", "lp_ResponseCode=51"))
            .is_err()
    );
    let looked = lotus.look_up(&opened.external_id).unwrap().unwrap();
    assert_eq!(looked.state, PaymentState::Succeeded);

    // A second attempt (another tab) changes nothing and goes back to the shop.
    let (status, _) = submit(&app, &doc, &opened.external_id, "card", TEST_CARD_DECLINED).await;
    assert_eq!(status, 303);
    assert_eq!(
        lotus.look_up(&opened.external_id).unwrap().unwrap().state,
        PaymentState::Succeeded
    );

    // The notification reaches the merchant, form-encoded, and verifies.
    let merchant = Merchant::acknowledging();
    merchant.run_worker(&app);
    let received = merchant.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].0, "/api/v1/webhooks/lotuspay");
    let note = lotus
        .verify(&incoming(&received[0].1, app.clock.now()))
        .unwrap();
    assert_eq!(note.kind, NotificationKind::PaymentSucceeded);
    assert_eq!(note.external_id, opened.external_id);
    assert!(note.id.starts_with("lpn_"));
}

#[actix_web::test]
async fn a_tampered_pay_request_is_refused_and_changes_nothing() {
    let app = spawn_app_with(false).await;
    let lotus = lotus(&app);
    let opened = open(&lotus, "k1", Method::Card, 2_500);
    let url = lotus.pay_url(&app.settings.base_url, &opened);
    for tampered in [
        url.replace("lp_Amount=2500", "lp_Amount=25"),
        url.replace("lp_SecureHash=", "lp_SecureHash=00"),
        format!("{url}&lp_BankCode=NCB"),
        url.split("&lp_SecureHash").next().unwrap().to_owned(),
    ] {
        let (status, doc) = get_page(&app, &tampered).await;
        assert_eq!(status, 400, "{tampered}");
        assert_eq!(texts(&doc, "#lp-refused").len(), 1);
        assert!(texts(&doc, "input[name=token]").is_empty());
    }
    // No query, or one that does not decode: refused the same way.
    for bad in [
        "/lotuspay/pay",
        "/lotuspay/pay?lp_SecureHash=zz&%ff&lp_TxnRef",
    ] {
        let (status, doc) = get_page(&app, &app.url(bad)).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(texts(&doc, "#lp-refused").len(), 1);
    }
    // A forged token cannot post the form either.
    let res = app
        .client
        .post(app.url(&format!("/lotuspay/pay/{}", opened.external_id)))
        .form(&[
            ("token", "00"),
            ("action", "card"),
            ("card_number", TEST_CARD_OK),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        lotus.look_up(&opened.external_id).unwrap().unwrap().state,
        PaymentState::Open
    );
}

#[actix_web::test]
async fn the_declined_card_fails_the_payment_for_insufficient_funds() {
    let app = spawn_app_with(false).await;
    let lotus = lotus(&app);
    let opened = open(&lotus, "k1", Method::Card, 2_500);
    let (_, doc) = pay_page(&app, &lotus, &opened).await;
    // An unknown card is not an attempt: the page says which cards to use.
    let token = attrs(&doc, "input[name=token]", "value").remove(0);
    let res = app
        .client
        .post(app.url(&format!("/lotuspay/pay/{}", opened.external_id)))
        .form(&[
            ("token", token.as_str()),
            ("action", "card"),
            ("card_number", "4242424242424242"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let (status, to) = submit(&app, &doc, &opened.external_id, "card", TEST_CARD_DECLINED).await;
    assert_eq!(status, 303);
    let back = lotus.read_return(to.split_once('?').unwrap().1).unwrap();
    assert_eq!(back.response_code, lotuspay::code::INSUFFICIENT_FUNDS);
    let state = lotus.look_up(&opened.external_id).unwrap().unwrap().state;
    assert_eq!(
        state,
        PaymentState::Failed(Some("Insufficient funds.".to_owned()))
    );

    let merchant = Merchant::acknowledging();
    merchant.run_worker(&app);
    let note = lotus
        .verify(&incoming(&merchant.received()[0].1, app.clock.now()))
        .unwrap();
    assert_eq!(note.kind, NotificationKind::PaymentFailed);
    assert_eq!(note.failure_reason.as_deref(), Some("Insufficient funds."));
}

#[actix_web::test]
async fn verify_refuses_forged_unknown_and_replayed_notifications() {
    let app = spawn_app_with(false).await;
    let lotus = lotus(&app);
    let opened = open(&lotus, "k1", Method::Card, 2_500);
    let (_, doc) = pay_page(&app, &lotus, &opened).await;
    submit(&app, &doc, &opened.external_id, "card", TEST_CARD_OK).await;
    let merchant = Merchant::acknowledging();
    merchant.run_worker(&app);
    let body = merchant.received().remove(0).1;
    let now = app.clock.now();
    assert!(lotus.verify(&incoming(&body, now)).is_ok());
    // The same parameters in the query instead of the body.
    let by_query = Incoming {
        headers: &[],
        query: &body,
        body: b"",
        now,
    };
    assert!(lotus.verify(&by_query).is_ok());

    let forged = |b: &str, at| {
        matches!(
            lotus.verify(&incoming(b, at)),
            Err(ProviderError::Forged(_))
        )
    };
    // A replay outside the window, in either direction.
    assert!(forged(&body, now + TimeDelta::seconds(301)));
    assert!(forged(&body, now - TimeDelta::seconds(301)));
    assert!(!forged(&body, now + TimeDelta::seconds(299)));
    // A changed parameter, another secret, no hash at all.
    assert!(forged(
        &body.replace("lp_TransactionStatus=00", "lp_TransactionStatus=02"),
        now
    ));
    let list: Vec<(String, String)> = sign::parse(&body);
    assert!(forged(&sign::signed_query(b"another secret", &list), now));
    let unsigned: Vec<_> = list
        .iter()
        .filter(|(k, _)| k != sign::HASH)
        .cloned()
        .collect();
    assert!(forged(
        &url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&unsigned)
            .finish(),
        now
    ));
    // Signed right, but for a transaction LotusPay does not know.
    let secret = sign::provider_secret(&app.secret);
    let unknown: Vec<_> = list
        .iter()
        .filter(|(k, _)| k != sign::HASH)
        .map(|(k, v)| {
            (
                k.clone(),
                if k == "lp_TxnRef" {
                    "lp_unknown000000".to_owned()
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    assert!(forged(&sign::signed_query(&secret, &unknown), now));
    assert!(forged("", now));
    assert!(forged("lp_SecureHash=zz&%ff", now));
}

#[actix_web::test]
async fn acknowledgements_are_in_lotuspays_own_format() {
    let app = spawn_app_with(false).await;
    let lotus = lotus(&app);
    for (handled, code, status) in [
        (Handled::Done, "00", 200),
        (Handled::Refused, "97", 400),
        (Handled::TryAgain, "99", 200),
    ] {
        let ack = lotus.acknowledge(handled);
        assert_eq!(ack.status, status);
        assert_eq!(ack.content_type, "application/json");
        let json: serde_json::Value = serde_json::from_str(&ack.body).unwrap();
        assert_eq!(json["RspCode"], code);
    }
    assert_eq!(
        lotus.acknowledge(Handled::Done).body,
        r#"{"RspCode":"00","Message":"Confirm Success"}"#
    );
}

#[actix_web::test]
async fn opening_is_idempotent_by_key_and_offers_card_and_bank_transfer() {
    let app = spawn_app_with(false).await;
    let lotus = lotus(&app);
    assert_eq!(lotus.methods(), [Method::Card, Method::BankTransfer]);
    let first = open(&lotus, "k1", Method::Card, 2_500);
    assert_eq!(open(&lotus, "k1", Method::Card, 2_500), first);
    let again = |cents, method| {
        lotus.open(&OpenPayment {
            idempotency_key: "k1",
            merchant_reference: "BK1",
            description: "Two seats, Hamlet",
            amount: Money::new(cents, Currency::parse("EUR").unwrap()),
            method,
            return_url: RETURN_URL,
        })
    };
    assert!(matches!(
        again(2_600, Method::Card),
        Err(ProviderError::KeyReused)
    ));
    assert!(matches!(
        again(2_500, Method::BankTransfer),
        Err(ProviderError::KeyReused)
    ));
    let wallet = OpenPayment {
        idempotency_key: "k2",
        merchant_reference: "BK1",
        description: "",
        amount: Money::new(100, Currency::parse("EUR").unwrap()),
        method: Method::Ewallet,
        return_url: RETURN_URL,
    };
    assert!(matches!(
        lotus.open(&wallet),
        Err(ProviderError::MethodNotOffered(_))
    ));
    // Cancelling an unpaid payment closes it, once.
    assert_eq!(
        lotus.cancel(&first.external_id).unwrap(),
        PaymentState::Cancelled
    );
    assert_eq!(
        lotus.cancel(&first.external_id).unwrap(),
        PaymentState::Cancelled
    );
    assert!(matches!(
        lotus.cancel("lp_nothing00000"),
        Err(ProviderError::NotFound)
    ));
    let merchant = Merchant::acknowledging();
    merchant.run_worker(&app);
    assert_eq!(
        merchant.received().len(),
        1,
        "one notification for one cancel"
    );
}

#[actix_web::test]
async fn a_refund_is_idempotent_and_never_above_the_payment() {
    let app = spawn_app_with(false).await;
    let lotus = lotus(&app);
    let opened = open(&lotus, "k1", Method::Card, 2_500);
    assert!(matches!(
        lotus.refund(&opened.external_id, 100, "r0", "early"),
        Err(ProviderError::NotRefundable)
    ));
    let (_, doc) = pay_page(&app, &lotus, &opened).await;
    submit(&app, &doc, &opened.external_id, "card", TEST_CARD_OK).await;

    let first = lotus
        .refund(&opened.external_id, 1_000, "r1", "two tickets")
        .unwrap();
    assert!(first.external_id.starts_with("lpr_"));
    assert_eq!(
        lotus
            .refund(&opened.external_id, 1_000, "r1", "two tickets")
            .unwrap(),
        first
    );
    assert!(matches!(
        lotus.refund(&opened.external_id, 900, "r1", "x"),
        Err(ProviderError::KeyReused)
    ));
    assert!(matches!(
        lotus.refund(&opened.external_id, 1_501, "r2", "x"),
        Err(ProviderError::RefundTooLarge)
    ));
    assert!(matches!(
        lotus.refund(&opened.external_id, 0, "r3", "x"),
        Err(ProviderError::BadAmount)
    ));
    lotus
        .refund(&opened.external_id, 1_500, "r4", "the rest")
        .unwrap();
    assert!(matches!(
        lotus.refund(&opened.external_id, 1, "r5", "x"),
        Err(ProviderError::RefundTooLarge)
    ));
    assert_eq!(
        lotus
            .look_up(&opened.external_id)
            .unwrap()
            .unwrap()
            .refunded_cents,
        2_500
    );

    // The database refuses more than was paid even without the guard.
    let over = app.with_conn(|c| {
        use boxoffice::db::schema::lotuspay_payments as lp;
        use diesel::prelude::*;
        diesel::update(lp::table)
            .set(lp::refunded_cents.eq(2_501))
            .execute(c)
    });
    assert!(over.is_err());

    let merchant = Merchant::acknowledging();
    merchant.run_worker(&app);
    let notes: Vec<_> = merchant
        .received()
        .iter()
        .map(|(_, body)| lotus.verify(&incoming(body, app.clock.now())).unwrap())
        .collect();
    let refunds: Vec<_> = notes.iter().filter_map(|n| n.refund.clone()).collect();
    assert_eq!(notes.len(), 3);
    assert_eq!(refunds.len(), 2);
    assert!(
        refunds
            .iter()
            .any(|r| r.idempotency_key == "r1" && r.external_id == first.external_id)
    );
}

#[actix_web::test]
async fn a_bank_transfer_completes_only_after_the_clock_moves_three_hours() {
    let app = spawn_app_with(false).await;
    let lotus = lotus(&app);
    let opened = open(&lotus, "k1", Method::BankTransfer, 2_500);
    let (status, doc) = pay_page(&app, &lotus, &opened).await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&doc, "#lp-reference"),
        std::slice::from_ref(&opened.external_id)
    );
    let (status, to) = submit(&app, &doc, &opened.external_id, "transfer", "").await;
    assert_eq!(status, 303);
    let back = lotus.read_return(to.split_once('?').unwrap().1).unwrap();
    assert_eq!(back.response_code, lotuspay::code::PENDING);
    let (_, doc) = pay_page(&app, &lotus, &opened).await;
    assert_eq!(texts(&doc, "#lp-done").len(), 1);

    let merchant = Merchant::acknowledging();
    merchant.run_worker(&app);
    app.clock
        .advance(TimeDelta::hours(2) + TimeDelta::minutes(59));
    merchant.run_worker(&app);
    assert_eq!(
        lotus.look_up(&opened.external_id).unwrap().unwrap().state,
        PaymentState::Open
    );
    assert!(merchant.received().is_empty());

    app.clock.advance(TimeDelta::minutes(1));
    merchant.run_worker(&app);
    assert_eq!(
        lotus.look_up(&opened.external_id).unwrap().unwrap().state,
        PaymentState::Succeeded
    );
    let received = merchant.received();
    assert_eq!(received.len(), 1);
    let note = lotus
        .verify(&incoming(&received[0].1, app.clock.now()))
        .unwrap();
    assert_eq!(note.kind, NotificationKind::PaymentSucceeded);
}

#[actix_web::test]
async fn a_notification_is_retried_until_the_answer_says_rspcode_00() {
    let app = spawn_app_with(false).await;
    let lotus = lotus(&app);
    let opened = open(&lotus, "k1", Method::Card, 2_500);
    let (_, doc) = pay_page(&app, &lotus, &opened).await;
    submit(&app, &doc, &opened.external_id, "card", TEST_CARD_OK).await;
    let merchant = Merchant::start(&[
        (200, r#"{"RspCode":"99","Message":"Unknown error"}"#),
        (200, "OK"),
        (500, ""),
        (200, r#"{"RspCode":"00","Message":"Confirm Success"}"#),
    ]);
    for wait in [0, 11, 21, 41] {
        app.clock.advance(TimeDelta::seconds(wait));
        merchant.run_worker(&app);
    }
    let received = merchant.received();
    assert_eq!(received.len(), 4);
    let ids: Vec<String> = received
        .iter()
        .map(|(_, body)| {
            sign::get(&sign::parse(body), "lp_NotifyId")
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    // Each delivery is signed afresh, with its own send date.
    assert_ne!(received[0].1, received[3].1);
    assert!(
        lotus
            .verify(&incoming(&received[3].1, app.clock.now()))
            .is_ok()
    );
    let acknowledged: Option<chrono::NaiveDateTime> = app.with_conn(|c| {
        use boxoffice::db::schema::lotuspay_notifications as n;
        use diesel::prelude::*;
        n::table.select(n::acknowledged_at).first(c).unwrap()
    });
    assert!(acknowledged.is_some());
    // Acknowledged: nothing more is sent.
    app.clock.advance(TimeDelta::hours(2));
    merchant.run_worker(&app);
    assert_eq!(merchant.received().len(), 4);
}
