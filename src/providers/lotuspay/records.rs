//! LotusPay's records (its payments and refunds), read from its own tables.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{lotuspay_payments, lotuspay_refunds};
use crate::domain::ids::id_type;
use crate::domain::money::Money;
use crate::domain::text_enum;
use crate::providers::{Method, PaymentState};

id_type!(LotusPaymentId, LotusRefundId);

text_enum! {
    /// A payment's life at LotusPay: open until the buyer pays (a bank transfer waits for
    /// its money first), then it ends once.
    pub enum Status {
        Open => "open",
        AwaitingFunds => "awaiting_funds",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

/// A payment as LotusPay keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = lotuspay_payments)]
pub struct Payment {
    pub id: LotusPaymentId,
    pub txn_ref: String,
    pub idempotency_key: String,
    pub order_ref: String,
    pub description: String,
    #[diesel(select_expression = (lotuspay_payments::amount_cents, lotuspay_payments::currency))]
    pub amount: Money,
    pub method: Method,
    pub status: Status,
    pub failure_reason: Option<String>,
    pub refunded_cents: i64,
    pub settle_at: Option<NaiveDateTime>,
    pub return_url: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
}

impl Payment {
    /// Where it stands, in the app's terms (a transfer awaited is still open).
    pub fn state(&self) -> PaymentState {
        match self.status {
            Status::Open | Status::AwaitingFunds => PaymentState::Open,
            Status::Succeeded => PaymentState::Succeeded,
            Status::Failed => PaymentState::Failed(self.failure_reason.clone()),
            Status::Cancelled => PaymentState::Cancelled,
        }
    }
}

/// A refund LotusPay made.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = lotuspay_refunds)]
pub struct Refund {
    pub id: LotusRefundId,
    pub refund_ref: String,
    pub payment_id: LotusPaymentId,
    pub idempotency_key: String,
    pub amount_cents: i64,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

pub fn by_txn_ref(conn: &mut DbConnection, txn_ref: &str) -> QueryResult<Option<Payment>> {
    lotuspay_payments::table
        .filter(lotuspay_payments::txn_ref.eq(txn_ref))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

pub fn by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Payment>> {
    lotuspay_payments::table
        .filter(lotuspay_payments::idempotency_key.eq(key))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

pub fn refund_by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Refund>> {
    lotuspay_refunds::table
        .filter(lotuspay_refunds::idempotency_key.eq(key))
        .select(Refund::as_select())
        .first(conn)
        .optional()
}

/// A random reference with a prefix: `lp_…`, `lpr_…`, `lpn_…` (24 characters of base 32).
pub fn new_ref(prefix: &str) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut rng = rand::rng();
    let tail: String = (0..24)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}_{tail}")
}
