//! The gateway's records: payment intents, refunds, a payment attempt, and its errors.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::{IntentStatus, Method};
use crate::db::DbError;
use crate::db::schema::{gateway_intents, gateway_refunds};
use crate::domain::ids::id_type;
use crate::domain::money::Money;

id_type!(IntentId, GatewayRefundId);

/// A payment intent as the gateway keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = gateway_intents)]
pub struct Intent {
    #[serde(skip)]
    pub id: IntentId,
    pub external_id: String,
    #[serde(skip)]
    pub idempotency_key: String,
    pub merchant_reference: String,
    pub description: String,
    #[diesel(select_expression = (gateway_intents::amount_cents, gateway_intents::currency))]
    #[serde(
        flatten,
        serialize_with = "crate::domain::money::as_amount_cents_and_currency"
    )]
    pub amount: Money,
    pub method: Method,
    pub status: IntentStatus,
    pub failure_reason: Option<String>,
    #[serde(skip)]
    pub card_last4: Option<String>,
    pub refunded_cents: i64,
    #[serde(skip)]
    pub return_url: String,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
    #[serde(skip)]
    pub completed_at: Option<NaiveDateTime>,
}

/// What the merchant asks for.
#[derive(Debug, Clone)]
pub struct NewIntent<'a> {
    pub idempotency_key: &'a str,
    pub merchant_reference: &'a str,
    pub description: &'a str,
    pub amount: Money,
    pub method: Method,
    pub return_url: &'a str,
}

/// A refund the gateway made.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = gateway_refunds)]
pub struct Refund {
    pub id: GatewayRefundId,
    pub external_id: String,
    pub intent_id: IntentId,
    pub idempotency_key: String,
    pub amount_cents: i64,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

/// How the buyer finished the checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Card {
        number: String,
    },
    /// A bank transfer or e-wallet payment, approved or declined on its own page.
    Approval {
        approve: bool,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("no such payment")]
    NotFound,
    #[error("this idempotency key was used for a different request")]
    KeyReused,
    #[error("the amount must be positive")]
    BadAmount,
    #[error("the payment is {0}, not awaiting payment")]
    NotPayable(IntentStatus),
    #[error("{0}")]
    BadAttempt(&'static str),
    #[error("only a succeeded payment can be refunded")]
    NotRefundable,
    #[error("that is more than is left to refund")]
    RefundTooLarge,
    #[error("refunds are unavailable right now; try again later")]
    Unavailable,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for GatewayError {
    fn from(e: diesel::result::Error) -> Self {
        GatewayError::Db(DbError::Query(e))
    }
}

/// A random id with a prefix: `pay_…`, `re_…`, `evt_…` (24 characters of base 32: 120 bits).
pub(super) fn new_id(prefix: &str) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut rng = rand::rng();
    let tail: String = (0..24)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}_{tail}")
}
