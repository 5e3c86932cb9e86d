//! The parameters LotusPay exchanges (VNPay's shape): the merchant's pay request, the buyer's
//! signed return, and the server-to-server notification. Dates are `yyyyMMddHHmmss` in UTC.

use chrono::NaiveDateTime;

use super::records::{Payment, Refund, Status};

/// `lp_ResponseCode`: how the attempt went.
pub mod code {
    pub const APPROVED: &str = "00";
    /// A bank transfer the buyer says they made: LotusPay waits for the money.
    pub const PENDING: &str = "01";
    pub const CANCELLED: &str = "24";
    pub const INSUFFICIENT_FUNDS: &str = "51";
    pub const DECLINED: &str = "05";
}

/// `lp_TransactionStatus`: where the payment stands.
pub mod status {
    pub const SUCCEEDED: &str = "00";
    pub const PENDING: &str = "01";
    pub const FAILED: &str = "02";
    pub const CANCELLED: &str = "03";
}

/// The failure reason of the declined test card.
pub const INSUFFICIENT_FUNDS: &str = "Insufficient funds.";

const DATE: &str = "%Y%m%d%H%M%S";

pub fn date(at: NaiveDateTime) -> String {
    at.format(DATE).to_string()
}

pub fn parse_date(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, DATE).ok()
}

fn pair(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_owned(), v.into())
}

/// The response code and transaction status of a payment as it stands.
pub fn codes(payment: &Payment) -> (&'static str, &'static str) {
    match payment.status {
        Status::Succeeded => (code::APPROVED, status::SUCCEEDED),
        Status::Open | Status::AwaitingFunds => (code::PENDING, status::PENDING),
        Status::Cancelled => (code::CANCELLED, status::CANCELLED),
        Status::Failed if payment.failure_reason.as_deref() == Some(INSUFFICIENT_FUNDS) => {
            (code::INSUFFICIENT_FUNDS, status::FAILED)
        }
        Status::Failed => (code::DECLINED, status::FAILED),
    }
}

/// What the merchant signs to send the buyer to the pay page (`return_url`, `order_info`:
/// as opened; left out when the payment could not be read).
pub fn pay_request(
    txn_ref: &str,
    amount_cents: i64,
    currency: &str,
    opened: Option<&Payment>,
    now: NaiveDateTime,
) -> Vec<(String, String)> {
    let mut params = vec![
        pair("lp_Version", "1"),
        pair("lp_Command", "pay"),
        pair("lp_TxnRef", txn_ref),
        pair("lp_Amount", amount_cents.to_string()),
        pair("lp_CurrCode", currency),
        pair("lp_CreateDate", date(now)),
    ];
    if let Some(p) = opened {
        params.push(pair("lp_OrderInfo", p.description.as_str()));
        params.push(pair("lp_ReturnUrl", p.return_url.as_str()));
    }
    params
}

/// What LotusPay signs onto the merchant's return URL when the buyer goes back.
pub fn buyer_return(payment: &Payment, now: NaiveDateTime) -> Vec<(String, String)> {
    let (response, status) = codes(payment);
    vec![
        pair("lp_TxnRef", payment.txn_ref.as_str()),
        pair("lp_Amount", payment.amount.cents.to_string()),
        pair("lp_CurrCode", payment.amount.currency.to_string()),
        pair("lp_ResponseCode", response),
        pair("lp_TransactionStatus", status),
        pair("lp_PayDate", date(payment.paid_at.unwrap_or(now))),
    ]
}

/// A notification's parameters as stored (the send date and the hash are added at each
/// delivery): the same `lp_NotifyId` on every retry.
pub fn notification(
    notify_id: &str,
    payment: &Payment,
    refund: Option<&Refund>,
    now: NaiveDateTime,
) -> Vec<(String, String)> {
    let (response, status) = codes(payment);
    let mut params = vec![
        pair("lp_NotifyId", notify_id),
        pair(
            "lp_Type",
            if refund.is_some() {
                "refund"
            } else {
                "payment"
            },
        ),
        pair("lp_TxnRef", payment.txn_ref.as_str()),
        pair("lp_OrderInfo", payment.order_ref.as_str()),
        pair("lp_Amount", payment.amount.cents.to_string()),
        pair("lp_CurrCode", payment.amount.currency.to_string()),
        pair("lp_ResponseCode", response),
        pair("lp_TransactionStatus", status),
        pair("lp_PayDate", date(payment.paid_at.unwrap_or(now))),
    ];
    if let Some(reason) = &payment.failure_reason {
        params.push(pair("lp_Message", reason.as_str()));
    }
    if let Some(r) = refund {
        params.push(pair("lp_RefundRef", r.refund_ref.as_str()));
        params.push(pair("lp_RefundKey", r.idempotency_key.as_str()));
        params.push(pair("lp_RefundAmount", r.amount_cents.to_string()));
    }
    params
}
