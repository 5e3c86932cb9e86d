//! Reading what LotusPay signed: a server-to-server notification (the HMAC-SHA512 over its
//! parameters, its `lp_SendDate` within [`TOLERANCE_SECONDS`] of the receiver's clock, a
//! payment LotusPay knows), and the buyer's return (a hint only: the notification decides).

use chrono::NaiveDateTime;

use super::params::{self, status};
use super::records::Payment;
use super::sign;
use crate::providers::{Notification, NotificationKind, ProviderError, RefundNote};

/// How far a notification's `lp_SendDate` may be from the receiver's clock: a captured
/// notification cannot be replayed later.
pub const TOLERANCE_SECONDS: i64 = 300;

fn forged(why: &str) -> ProviderError {
    ProviderError::Forged(why.to_owned())
}

fn required<'a>(list: &'a [(String, String)], name: &str) -> Result<&'a str, ProviderError> {
    sign::get(list, name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ProviderError::Forged(format!("{name} is missing")))
}

/// The parameters of a notification: its form body, or its query when the body is empty.
pub fn received(query: &str, body: &[u8]) -> Result<Vec<(String, String)>, ProviderError> {
    if body.is_empty() {
        return Ok(sign::parse(query));
    }
    let text =
        std::str::from_utf8(body).map_err(|_| forged("the body is not form-encoded text"))?;
    Ok(sign::parse(text))
}

/// Checks the signature and the send date, answers the transaction it names.
pub fn checked<'a>(
    secret: &[u8],
    list: &'a [(String, String)],
    now: NaiveDateTime,
) -> Result<&'a str, ProviderError> {
    sign::verify(secret, list).map_err(|e| ProviderError::Forged(e.to_string()))?;
    let sent = params::parse_date(required(list, "lp_SendDate")?)
        .ok_or_else(|| forged("lp_SendDate is not a date"))?;
    if (now - sent).num_seconds().abs() > TOLERANCE_SECONDS {
        return Err(forged("lp_SendDate is outside the tolerance (a replay?)"));
    }
    required(list, "lp_TxnRef")
}

/// The notification, once signature, date and payment checked out.
pub fn notification(
    list: &[(String, String)],
    payment: &Payment,
    payload: String,
) -> Result<Notification, ProviderError> {
    if required(list, "lp_Amount")? != payment.amount.cents.to_string() {
        return Err(forged("lp_Amount is not the payment's amount"));
    }
    let refund = match required(list, "lp_Type")? {
        "payment" => None,
        "refund" => Some(RefundNote {
            external_id: required(list, "lp_RefundRef")?.to_owned(),
            idempotency_key: required(list, "lp_RefundKey")?.to_owned(),
        }),
        _ => return Err(forged("lp_Type is neither payment nor refund")),
    };
    let kind = match (&refund, required(list, "lp_TransactionStatus")?) {
        (Some(_), _) => NotificationKind::RefundSucceeded,
        (None, status::SUCCEEDED) => NotificationKind::PaymentSucceeded,
        (None, status::FAILED) => NotificationKind::PaymentFailed,
        (None, status::CANCELLED) => NotificationKind::PaymentCancelled,
        (None, _) => return Err(forged("lp_TransactionStatus names no outcome")),
    };
    Ok(Notification {
        id: required(list, "lp_NotifyId")?.to_owned(),
        kind,
        external_id: payment.txn_ref.clone(),
        failure_reason: (kind == NotificationKind::PaymentFailed)
            .then(|| sign::get(list, "lp_Message").map(str::to_owned))
            .flatten(),
        refund,
        payload,
    })
}

/// What the buyer's return says (verified, but only a hint: the app waits for the
/// notification or asks with `look_up`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    pub txn_ref: String,
    pub response_code: String,
    pub transaction_status: String,
}

/// Reads a return URL's query: LotusPay's parameters, signed (the merchant's own are ignored).
pub fn returned(secret: &[u8], query: &str) -> Result<Returned, ProviderError> {
    let list: Vec<(String, String)> = sign::parse(query)
        .into_iter()
        .filter(|(k, _)| k.starts_with(sign::PREFIX))
        .collect();
    sign::verify(secret, &list).map_err(|e| ProviderError::Forged(e.to_string()))?;
    Ok(Returned {
        txn_ref: required(&list, "lp_TxnRef")?.to_owned(),
        response_code: required(&list, "lp_ResponseCode")?.to_owned(),
        transaction_status: required(&list, "lp_TransactionStatus")?.to_owned(),
    })
}
