//! The simulated payment gateway (ARCHITECTURE §8, API.md "Simulated gateway").
//!
//! It plays an external provider, kept apart from the app so that a real one can take its
//! place behind the same calls:
//! - its own tables (`gateway_intents`, `gateway_refunds`, `gateway_events`), which nothing of
//!   the app references; the app knows a payment only by the gateway's external id;
//! - its own transactions: the app never calls it from inside one of its own, as it could not
//!   with a provider on the other side of the internet;
//! - payment intents created with the merchant's idempotency key (the same key answers the same
//!   intent; the same key with a different amount or method is refused);
//! - a hosted checkout page and `POST /gateway/v1/payments/{external_id}/complete`
//!   (`web::gateway`); test cards `4242424242424242` (succeeds) and `4000000000000002` (declined);
//!   bank transfers and e-wallets are approved or declined on their own pages;
//! - refunds with their own idempotency keys, never more than was paid;
//! - webhooks: every outcome is an event row, delivered by the worker ([`delivery`]) to the
//!   merchant's URL, signed `Gateway-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
//!   "<t>.<body>")>` ([`signature`]), retried until a 2xx answer, and now and then delivered
//!   twice and late, so that the merchant must be idempotent and order-blind.

mod events;
mod intent;

pub mod delivery;
pub mod signature;

use diesel::prelude::*;

use crate::clock::Clock;
use crate::db::schema::{gateway_intents, gateway_refunds};
use crate::db::{Db, DbConnection, DbError, is_unique_violation};
use crate::domain::text_enum;

use events::record_event;
pub use events::{EventBody, EventData, RefundData};
use intent::new_id;
pub use intent::{Attempt, GatewayError, GatewayRefundId, Intent, IntentId, NewIntent, Refund};

/// The card that always succeeds.
pub const TEST_CARD_OK: &str = "4242424242424242";
/// The card that is always declined.
pub const TEST_CARD_DECLINED: &str = "4000000000000002";

text_enum! {
    /// How the buyer pays.
    pub enum Method {
        Card => "card",
        BankTransfer => "bank_transfer",
        Ewallet => "ewallet",
    }
}

impl Method {
    pub fn label(self) -> &'static str {
        match self {
            Method::Card => "Card",
            Method::BankTransfer => "Bank transfer",
            Method::Ewallet => "E-wallet",
        }
    }
}

text_enum! {
    /// An intent's life at the gateway: it waits for the buyer, then ends once.
    pub enum IntentStatus {
        RequiresPayment => "requires_payment",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// What a webhook event tells.
    pub enum EventKind {
        PaymentSucceeded => "payment.succeeded",
        PaymentFailed => "payment.failed",
        PaymentCancelled => "payment.cancelled",
        RefundSucceeded => "refund.succeeded",
    }
}

/// The gateway's calls, as the merchant (the app) and its own pages make them.
#[derive(Clone)]
pub struct Gateway {
    db: Db,
    clock: Clock,
}

impl Gateway {
    pub fn new(db: Db, clock: Clock) -> Self {
        Gateway { db, clock }
    }

    /// Creates a payment intent, or answers the one this idempotency key already made. The
    /// same key with a different amount, currency or method is refused.
    pub fn create_intent(&self, new: &NewIntent) -> Result<Intent, GatewayError> {
        if new.amount.cents <= 0 {
            return Err(GatewayError::BadAmount);
        }
        let now = self.clock.now();
        let same = |i: &Intent| {
            i.amount == new.amount
                && i.method == new.method
                && i.merchant_reference == new.merchant_reference
        };
        if let Some(existing) = self
            .db
            .read(|c| by_key(c, new.idempotency_key).map_err(DbError::Query))?
        {
            return if same(&existing) {
                Ok(existing)
            } else {
                Err(GatewayError::KeyReused)
            };
        }
        let inserted = self.db.write(|c| {
            diesel::insert_into(gateway_intents::table)
                .values((
                    gateway_intents::external_id.eq(new_id("pay")),
                    gateway_intents::idempotency_key.eq(new.idempotency_key),
                    gateway_intents::merchant_reference.eq(new.merchant_reference),
                    gateway_intents::description.eq(new.description),
                    gateway_intents::amount_cents.eq(new.amount.cents),
                    gateway_intents::currency.eq(new.amount.currency),
                    gateway_intents::method.eq(new.method),
                    gateway_intents::return_url.eq(new.return_url),
                    gateway_intents::created_at.eq(now),
                    gateway_intents::updated_at.eq(now),
                ))
                .execute(c)
                .and_then(|_| by_key(c, new.idempotency_key))
                .map_err(DbError::Query)?
                .ok_or(DbError::Query(diesel::result::Error::NotFound))
        });
        match inserted {
            Ok(intent) => Ok(intent),
            // The same key at the same moment from another request: answer that one.
            Err(DbError::Query(e)) if is_unique_violation(&e) => {
                let existing = self
                    .db
                    .read(|c| by_key(c, new.idempotency_key).map_err(DbError::Query))?
                    .ok_or(GatewayError::NotFound)?;
                if same(&existing) {
                    Ok(existing)
                } else {
                    Err(GatewayError::KeyReused)
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn intent(&self, external_id: &str) -> Result<Option<Intent>, GatewayError> {
        Ok(self
            .db
            .read(|c| by_external_id(c, external_id).map_err(DbError::Query))?)
    }

    /// The buyer finishes the checkout. The intent ends `succeeded` or `failed` once (a
    /// guarded update), and the event that says so is queued for delivery in the same
    /// transaction.
    pub fn complete(&self, external_id: &str, attempt: &Attempt) -> Result<Intent, GatewayError> {
        let intent = self.intent(external_id)?.ok_or(GatewayError::NotFound)?;
        if intent.status != IntentStatus::RequiresPayment {
            return Err(GatewayError::NotPayable(intent.status));
        }
        let (status, reason, last4) = match (intent.method, attempt) {
            (Method::Card, Attempt::Card { number }) => {
                let digits: String = number.chars().filter(|c| !c.is_whitespace()).collect();
                let last4 = digits
                    .get(digits.len().saturating_sub(4)..)
                    .map(str::to_owned);
                match digits.as_str() {
                    TEST_CARD_OK => (IntentStatus::Succeeded, None, last4),
                    TEST_CARD_DECLINED => {
                        (IntentStatus::Failed, Some("Your card was declined."), last4)
                    }
                    _ => {
                        return Err(GatewayError::BadAttempt(
                            "Use a test card: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined.",
                        ));
                    }
                }
            }
            (Method::BankTransfer | Method::Ewallet, Attempt::Approval { approve }) => {
                if *approve {
                    (IntentStatus::Succeeded, None, None)
                } else {
                    (
                        IntentStatus::Failed,
                        Some(match intent.method {
                            Method::Ewallet => "The payment was declined in the e-wallet.",
                            _ => "The bank transfer was not made.",
                        }),
                        None,
                    )
                }
            }
            (Method::Card, _) => return Err(GatewayError::BadAttempt("Enter a card number.")),
            _ => {
                return Err(GatewayError::BadAttempt(
                    "This payment is not made with a card.",
                ));
            }
        };
        let now = self.clock.now();
        self.db.write(|c| -> Result<Intent, GatewayError> {
            let changed = diesel::update(
                gateway_intents::table
                    .filter(gateway_intents::id.eq(intent.id))
                    .filter(gateway_intents::status.eq(IntentStatus::RequiresPayment)),
            )
            .set((
                gateway_intents::status.eq(status),
                gateway_intents::failure_reason.eq(reason),
                gateway_intents::card_last4.eq(&last4),
                gateway_intents::completed_at.eq(Some(now)),
                gateway_intents::updated_at.eq(now),
            ))
            .execute(c)?;
            let done = by_external_id(c, external_id)?.ok_or(GatewayError::NotFound)?;
            if changed == 0 {
                return Err(GatewayError::NotPayable(done.status));
            }
            let kind = if status == IntentStatus::Succeeded {
                EventKind::PaymentSucceeded
            } else {
                EventKind::PaymentFailed
            };
            record_event(c, kind, &done, None, now)?;
            Ok(done)
        })
    }

    /// The merchant cancels an intent the buyer has not paid. Answers the intent as it now
    /// is: `cancelled`, or how it had already ended (a payment that beat the cancel stays
    /// paid, and the merchant must refund it).
    pub fn cancel(&self, external_id: &str) -> Result<Intent, GatewayError> {
        let now = self.clock.now();
        self.db.write(|c| -> Result<Intent, GatewayError> {
            let changed = diesel::update(
                gateway_intents::table
                    .filter(gateway_intents::external_id.eq(external_id))
                    .filter(gateway_intents::status.eq(IntentStatus::RequiresPayment)),
            )
            .set((
                gateway_intents::status.eq(IntentStatus::Cancelled),
                gateway_intents::completed_at.eq(Some(now)),
                gateway_intents::updated_at.eq(now),
            ))
            .execute(c)?;
            let intent = by_external_id(c, external_id)?.ok_or(GatewayError::NotFound)?;
            if changed == 1 {
                record_event(c, EventKind::PaymentCancelled, &intent, None, now)?;
            }
            Ok(intent)
        })
    }

    /// Gives money back from a succeeded payment. The same idempotency key answers the same
    /// refund; the total refunded never exceeds what was paid (a guarded update and a CHECK).
    pub fn refund(
        &self,
        external_id: &str,
        amount_cents: i64,
        idempotency_key: &str,
        reason: &str,
    ) -> Result<Refund, GatewayError> {
        if amount_cents <= 0 {
            return Err(GatewayError::BadAmount);
        }
        if self.db.refunds_down_for_tests() {
            return Err(GatewayError::Unavailable);
        }
        let now = self.clock.now();
        self.db.write(|c| -> Result<Refund, GatewayError> {
            if let Some(existing) = gateway_refunds::table
                .filter(gateway_refunds::idempotency_key.eq(idempotency_key))
                .select(Refund::as_select())
                .first(c)
                .optional()?
            {
                return Ok(existing);
            }
            let intent = by_external_id(c, external_id)?.ok_or(GatewayError::NotFound)?;
            if intent.status != IntentStatus::Succeeded {
                return Err(GatewayError::NotRefundable);
            }
            let changed = diesel::update(
                gateway_intents::table
                    .filter(gateway_intents::id.eq(intent.id))
                    .filter(gateway_intents::status.eq(IntentStatus::Succeeded))
                    .filter(
                        (gateway_intents::refunded_cents + amount_cents)
                            .le(gateway_intents::amount_cents),
                    ),
            )
            .set((
                gateway_intents::refunded_cents.eq(gateway_intents::refunded_cents + amount_cents),
                gateway_intents::updated_at.eq(now),
            ))
            .execute(c)?;
            if changed == 0 {
                return Err(GatewayError::RefundTooLarge);
            }
            let refund: Refund = diesel::insert_into(gateway_refunds::table)
                .values((
                    gateway_refunds::external_id.eq(new_id("re")),
                    gateway_refunds::intent_id.eq(intent.id),
                    gateway_refunds::idempotency_key.eq(idempotency_key),
                    gateway_refunds::amount_cents.eq(amount_cents),
                    gateway_refunds::reason.eq(reason),
                    gateway_refunds::created_at.eq(now),
                ))
                .execute(c)
                .and_then(|_| {
                    gateway_refunds::table
                        .filter(gateway_refunds::idempotency_key.eq(idempotency_key))
                        .select(Refund::as_select())
                        .first(c)
                })?;
            let intent = by_external_id(c, external_id)?.ok_or(GatewayError::NotFound)?;
            record_event(c, EventKind::RefundSucceeded, &intent, Some(&refund), now)?;
            Ok(refund)
        })
    }
}

fn by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Intent>> {
    gateway_intents::table
        .filter(gateway_intents::idempotency_key.eq(key))
        .select(Intent::as_select())
        .first(conn)
        .optional()
}

fn by_external_id(conn: &mut DbConnection, external_id: &str) -> QueryResult<Option<Intent>> {
    gateway_intents::table
        .filter(gateway_intents::external_id.eq(external_id))
        .select(Intent::as_select())
        .first(conn)
        .optional()
}
