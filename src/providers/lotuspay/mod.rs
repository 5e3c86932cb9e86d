//! LotusPay, the simulated provider of the redirect shape (issue 23), modelled on VNPay and
//! 2C2P. It keeps its own books (`lotuspay_payments`, `lotuspay_refunds`,
//! `lotuspay_notifications`) and its own signing ([`sign`]: HMAC-SHA512 over the sorted
//! parameters):
//! - the merchant sends the buyer to LotusPay's hosted page (`web::lotuspay`, under
//!   `/lotuspay`) with signed query parameters ([`LotusPay::pay_url`]); a tampered query is
//!   refused;
//! - the buyer pays by card (test cards [`TEST_CARD_OK`] and [`TEST_CARD_DECLINED`]) or by bank
//!   transfer, whose money arrives [`SETTLE_AFTER`] later (job `lotuspay.settle`);
//! - the buyer goes back to the merchant's return URL with parameters LotusPay signed
//!   ([`LotusPay::return_url`], read back with [`LotusPay::read_return`]: a hint only);
//! - every outcome is a notification posted form-encoded to the merchant (job
//!   `lotuspay.notify`, [`notify`]) until it answers `{"RspCode":"00"}`
//!   ([`PaymentProvider::acknowledge`]).

mod books;
mod params;
mod records;
mod refunds;
#[cfg(test)]
mod tests;
mod verify;

pub mod notify;
pub mod sign;

use crate::clock::Clock;
use crate::db::{Db, DbError};

use super::{
    Ack, Handled, Incoming, LookedUp, Method, Notification, OpenPayment, Opened, PaymentProvider,
    PaymentState, ProviderError, ProviderId, RefundMade, ReturnHint,
};

pub use books::{PayError, SETTLE_AFTER, TEST_CARD_DECLINED, TEST_CARD_OK};
pub use params::{code, status};
pub use records::{LotusPaymentId, LotusRefundId, Payment, Refund, Status};
pub use verify::{Returned, TOLERANCE_SECONDS};

/// LotusPay: its books, and the secrets it and the merchant sign with.
#[derive(Clone)]
pub struct LotusPay {
    db: Db,
    clock: Clock,
    merchant_secret: Vec<u8>,
    provider_secret: Vec<u8>,
}

impl LotusPay {
    /// `server_secret` is the app's secret key (both signing secrets are derived from it).
    pub fn new(db: Db, clock: Clock, server_secret: &[u8]) -> Self {
        LotusPay {
            db,
            clock,
            merchant_secret: sign::merchant_secret(server_secret),
            provider_secret: sign::provider_secret(server_secret),
        }
    }

    pub fn payment(&self, txn_ref: &str) -> Result<Option<Payment>, ProviderError> {
        Ok(self
            .db
            .read(|c| records::by_txn_ref(c, txn_ref).map_err(DbError::Query))?)
    }

    /// The hosted page's check of its query: signed by the merchant, naming a payment of
    /// that amount, currency and return URL. Answers the payment.
    pub fn pay_request(&self, query: &str) -> Result<Payment, ProviderError> {
        let list = sign::parse(query);
        sign::verify(&self.merchant_secret, &list)
            .map_err(|e| ProviderError::Forged(e.to_string()))?;
        let get = |name| sign::get(&list, name).unwrap_or_default();
        let payment = self
            .payment(get("lp_TxnRef"))?
            .ok_or(ProviderError::NotFound)?;
        let return_ok = sign::get(&list, "lp_ReturnUrl").is_none_or(|u| u == payment.return_url);
        if get("lp_Amount") != payment.amount.cents.to_string()
            || get("lp_CurrCode") != payment.amount.currency.as_str()
            || !return_ok
        {
            return Err(ProviderError::Forged(
                "the request does not match the payment".to_owned(),
            ));
        }
        Ok(payment)
    }

    /// The hidden token of the hosted page's forms for this payment.
    pub fn form_token(&self, txn_ref: &str) -> String {
        sign::form_token(&self.provider_secret, txn_ref)
    }

    pub fn form_token_ok(&self, txn_ref: &str, token: &str) -> bool {
        sign::form_token_ok(&self.provider_secret, txn_ref, token)
    }

    pub fn pay_card(&self, txn_ref: &str, number: &str) -> Result<Payment, PayError> {
        books::pay_card(&self.db, self.clock.now(), txn_ref, number)
    }

    pub fn start_transfer(&self, txn_ref: &str) -> Result<Payment, PayError> {
        books::start_transfer(&self.db, self.clock.now(), txn_ref)
    }

    /// The buyer gives up on the hosted page.
    pub fn abandon(&self, txn_ref: &str) -> Result<Payment, PayError> {
        books::cancel(&self.db, self.clock.now(), txn_ref)
    }

    /// The merchant's return URL with LotusPay's signed parameters about `payment`.
    pub fn return_url(&self, payment: &Payment) -> String {
        let query = sign::signed_query(
            &self.provider_secret,
            &params::buyer_return(payment, self.clock.now()),
        );
        let sep = if payment.return_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}{query}", payment.return_url)
    }

    /// Reads the return URL's query (signature checked; a hint, never proof of payment).
    pub fn read_return(&self, query: &str) -> Result<Returned, ProviderError> {
        verify::returned(&self.provider_secret, query)
    }
}

impl PaymentProvider for LotusPay {
    fn id(&self) -> ProviderId {
        ProviderId::LotusPay
    }

    fn label(&self) -> &'static str {
        "LotusPay"
    }

    fn read_return_hint(&self, query: &str) -> Result<Option<ReturnHint>, ProviderError> {
        if !query.contains("lp_") {
            return Ok(None);
        }
        let back = self.read_return(query)?;
        Ok(Some(ReturnHint {
            approved: back.response_code == code::APPROVED,
            external_id: back.txn_ref,
        }))
    }

    fn methods(&self) -> &'static [Method] {
        &[Method::Card, Method::BankTransfer]
    }

    fn open(&self, request: &OpenPayment<'_>) -> Result<Opened, ProviderError> {
        let payment = books::open(&self.db, self.clock.now(), request)?;
        Ok(Opened {
            external_id: payment.txn_ref,
            amount: payment.amount,
            method: payment.method,
        })
    }

    fn pay_url(&self, base_url: &url::Url, opened: &Opened) -> String {
        let payment = self.payment(&opened.external_id).ok().flatten();
        let list = params::pay_request(
            &opened.external_id,
            opened.amount.cents,
            opened.amount.currency.as_str(),
            payment.as_ref(),
            self.clock.now(),
        );
        let query = sign::signed_query(&self.merchant_secret, &list);
        crate::mail::templates::absolute(base_url, &format!("lotuspay/pay?{query}"))
    }

    fn verify(&self, incoming: &Incoming<'_>) -> Result<Notification, ProviderError> {
        let list = verify::received(incoming.query, incoming.body)?;
        let txn_ref = verify::checked(&self.provider_secret, &list, incoming.now)?;
        let payment = self
            .payment(txn_ref)?
            .ok_or_else(|| ProviderError::Forged("no such LotusPay transaction".to_owned()))?;
        let payload = if incoming.body.is_empty() {
            incoming.query.to_owned()
        } else {
            String::from_utf8_lossy(incoming.body).into_owned()
        };
        verify::notification(&list, &payment, payload)
    }

    fn acknowledge(&self, handled: Handled) -> Ack {
        // LotusPay reads only RspCode (anything but 00 is sent again). A refused notification is
        // also a 400 for everyone else, as SimPay's bad webhooks are; "send it again" is a 200
        // with 99, in LotusPay's own way (the app's own 503s are problem documents).
        let (status, body) = match handled {
            Handled::Done => (200, r#"{"RspCode":"00","Message":"Confirm Success"}"#),
            Handled::Refused => (400, r#"{"RspCode":"97","Message":"Invalid Checksum"}"#),
            Handled::TryAgain => (200, r#"{"RspCode":"99","Message":"Unknown error"}"#),
        };
        Ack {
            status,
            content_type: "application/json",
            body: body.to_owned(),
        }
    }

    fn look_up(&self, external_id: &str) -> Result<Option<LookedUp>, ProviderError> {
        Ok(self.payment(external_id)?.map(|p| LookedUp {
            state: p.state(),
            external_id: p.txn_ref,
            amount: p.amount,
            refunded_cents: p.refunded_cents,
        }))
    }

    fn cancel(&self, external_id: &str) -> Result<PaymentState, ProviderError> {
        Ok(books::cancel(&self.db, self.clock.now(), external_id)?.state())
    }

    fn refund(
        &self,
        external_id: &str,
        amount_cents: i64,
        idempotency_key: &str,
        reason: &str,
    ) -> Result<RefundMade, ProviderError> {
        let made = refunds::refund(
            &self.db,
            self.clock.now(),
            external_id,
            amount_cents,
            idempotency_key,
            reason,
        )?;
        Ok(RefundMade {
            external_id: made.refund_ref,
            amount_cents: made.amount_cents,
        })
    }
}
