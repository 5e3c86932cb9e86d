//! The state guards, on a fresh SQLite database: each payment ends once, a transfer settles
//! only when its money is due and never after a cancel, and the codes follow the status.

use chrono::{TimeDelta, TimeZone, Utc};

use super::books::{self, PayError};
use super::records::Status;
use super::{LotusPay, TEST_CARD_DECLINED, TEST_CARD_OK, params};
use crate::clock::Clock;
use crate::config::DatabaseUrl;
use crate::db::Db;
use crate::domain::money::{Currency, Money};
use crate::providers::{Method, OpenPayment, PaymentProvider, PaymentState};

fn lotus() -> (tempfile::TempDir, Db, Clock, LotusPay) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("lotus.db")), 1).unwrap();
    db.migrate().unwrap();
    let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 2, 1, 10, 0, 0).unwrap());
    let lotus = LotusPay::new(db.clone(), clock.clone(), b"server secret");
    (dir, db, clock, lotus)
}

fn open(lotus: &LotusPay, key: &str, method: Method) -> String {
    lotus
        .open(&OpenPayment {
            idempotency_key: key,
            merchant_reference: "BK1",
            description: "A seat",
            amount: Money::new(1_000, Currency::parse("EUR").unwrap()),
            method,
            return_url: "http://shop.test/return",
        })
        .unwrap()
        .external_id
}

#[test]
fn a_card_payment_ends_once() {
    let (_dir, _db, _clock, lotus) = lotus();
    let txn = open(&lotus, "k1", Method::Card);
    assert!(matches!(
        lotus.pay_card(&txn, "1234"),
        Err(PayError::BadAttempt(_))
    ));
    assert_eq!(
        lotus.pay_card(&txn, TEST_CARD_OK).unwrap().status,
        Status::Succeeded
    );
    assert!(matches!(
        lotus.pay_card(&txn, TEST_CARD_DECLINED),
        Err(PayError::NotPayable(Status::Succeeded))
    ));
    assert!(matches!(
        lotus.start_transfer(&txn),
        Err(PayError::NotPayable(Status::Succeeded))
    ));
    // Paid before the merchant's cancel: it stays paid (and must be refunded).
    assert_eq!(lotus.cancel(&txn).unwrap(), PaymentState::Succeeded);
}

#[test]
fn a_declined_payment_cannot_be_paid_after() {
    let (_dir, _db, _clock, lotus) = lotus();
    let txn = open(&lotus, "k1", Method::Card);
    let failed = lotus.pay_card(&txn, TEST_CARD_DECLINED).unwrap();
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(
        params::codes(&failed),
        (params::code::INSUFFICIENT_FUNDS, params::status::FAILED)
    );
    assert!(matches!(
        lotus.pay_card(&txn, TEST_CARD_OK),
        Err(PayError::NotPayable(Status::Failed))
    ));
}

#[test]
fn a_transfer_settles_when_its_money_is_due_and_not_after_a_cancel() {
    let (_dir, db, clock, lotus) = lotus();
    let txn = open(&lotus, "k1", Method::BankTransfer);
    assert!(matches!(
        lotus.pay_card(&txn, TEST_CARD_OK),
        Err(PayError::BadAttempt(_))
    ));
    let waiting = lotus.start_transfer(&txn).unwrap();
    assert_eq!(waiting.status, Status::AwaitingFunds);
    assert_eq!(waiting.settle_at, Some(clock.now() + TimeDelta::hours(3)));
    assert_eq!(
        params::codes(&waiting),
        (params::code::PENDING, params::status::PENDING)
    );
    // Too early: nothing moves.
    let early = books::settle(&db, clock.now() + TimeDelta::minutes(179), &txn).unwrap();
    assert_eq!(early.status, Status::AwaitingFunds);
    let settled = books::settle(&db, clock.now() + TimeDelta::hours(3), &txn).unwrap();
    assert_eq!(settled.status, Status::Succeeded);
    assert!(settled.paid_at.is_some());

    let other = open(&lotus, "k2", Method::BankTransfer);
    lotus.start_transfer(&other).unwrap();
    assert_eq!(lotus.cancel(&other).unwrap(), PaymentState::Cancelled);
    let later = books::settle(&db, clock.now() + TimeDelta::hours(4), &other).unwrap();
    assert_eq!(later.status, Status::Cancelled);
}

#[test]
fn notifications_go_beside_the_simpay_webhook() {
    let url = url::Url::parse("http://127.0.0.1:8080/api/v1/webhooks/gateway").unwrap();
    assert_eq!(
        super::notify::NotifySender::url_beside(&url),
        "http://127.0.0.1:8080/api/v1/webhooks/lotuspay"
    );
}
