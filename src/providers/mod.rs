//! Payment providers behind one interface (issue 23).
//!
//! The booking and refund rules (`services::payments`, `services::reconcile`, the refund and
//! cancellation jobs) talk to a [`PaymentProvider`] and never know which one: they open a
//! payment with an idempotency key, verify a notification into a provider-neutral
//! [`Notification`], look a payment up, cancel one, and refund with an idempotency key.
//! Each provider keeps its own tables and its own signing scheme:
//! - **SimPay** ([`simpay`], the `gateway` module behind it): webhook-first, like Stripe. JSON
//!   events signed `Gateway-Signature: t=…,v1=<HMAC-SHA256>`, acknowledged by any 2xx.
//!
//! A payment row records its provider (`payments.provider`), so every later call about it
//! (a notification, a lookup, a refund) goes to the provider that took it.

pub mod lotuspay;
pub mod simpay;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::db::DbError;
use crate::domain::money::Money;

pub use crate::gateway::Method;

pub use crate::domain::payment::ProviderId;

/// What the app asks a provider to open.
#[derive(Debug, Clone)]
pub struct OpenPayment<'a> {
    /// Unique per payment the app means to make: the same key answers the same payment.
    pub idempotency_key: &'a str,
    /// The booking's reference, shown by the provider to the buyer and sent back to the app.
    pub merchant_reference: &'a str,
    pub description: &'a str,
    pub amount: Money,
    pub method: Method,
    /// Where the provider sends the buyer back.
    pub return_url: &'a str,
}

/// A payment opened at a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The provider's reference for it (unique across providers: each uses its own prefix).
    pub external_id: String,
    pub amount: Money,
    pub method: Method,
}

impl Opened {
    /// A payment row as its provider opened it (for the link the buyer pays at).
    pub fn of(payment: &crate::db::payments::Payment) -> Self {
        Opened {
            external_id: payment.external_id.clone(),
            amount: payment.amount,
            method: payment.method.parse().unwrap_or(Method::Card),
        }
    }
}

/// Where a payment stands at its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentState {
    /// Waiting for the buyer (or, for a bank transfer, for the money).
    Open,
    Succeeded,
    Failed(Option<String>),
    Cancelled,
}

/// A payment as its provider answers a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookedUp {
    pub external_id: String,
    pub state: PaymentState,
    pub amount: Money,
    pub refunded_cents: i64,
}

/// A refund the provider made (or had made for this idempotency key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundMade {
    pub external_id: String,
    pub amount_cents: i64,
}

/// What a signed return URL says: a hint for the buyer's page, never proof of payment (only a
/// notification or a lookup moves a payment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnHint {
    pub external_id: String,
    /// The provider says the buyer paid.
    pub approved: bool,
}

/// What a notification says, whoever sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    PaymentSucceeded,
    PaymentFailed,
    PaymentCancelled,
    RefundSucceeded,
}

/// A refund named by a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundNote {
    pub external_id: String,
    /// The app's idempotency key for it (how the app finds its refund row).
    pub idempotency_key: String,
}

/// A verified notification, in the app's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The provider's id for this notification: a second delivery carries the same one.
    pub id: String,
    pub kind: NotificationKind,
    pub external_id: String,
    pub failure_reason: Option<String>,
    pub refund: Option<RefundNote>,
    /// What was received, as stored with the notification.
    pub payload: String,
}

/// A notification as it arrived: its headers (names lower-case), query string and raw body.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub headers: &'a [(String, String)],
    pub query: &'a str,
    pub body: &'a [u8],
    pub now: NaiveDateTime,
}

impl Incoming<'_> {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How the app answers a notification, in the provider's own format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

/// What the app did with a notification, for the provider's acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Applied, or already applied before: the provider may stop sending it.
    Done,
    /// Forged, malformed or replayed outside its window: refused, nothing changed.
    Refused,
    /// The app could not record it now (its database): the provider should send it again.
    TryAgain,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("no such payment at the provider")]
    NotFound,
    #[error("the provider {0} is not configured")]
    NotConfigured(ProviderId),
    #[error("this idempotency key was used for a different request")]
    KeyReused,
    #[error("the amount must be positive")]
    BadAmount,
    #[error("the provider does not take {0} payments")]
    MethodNotOffered(Method),
    #[error("only a succeeded payment can be refunded")]
    NotRefundable,
    #[error("that is more than is left to refund")]
    RefundTooLarge,
    #[error("the provider is unavailable right now; try again later")]
    Unavailable,
    /// A notification or return whose signature, timestamp or body does not check out.
    #[error("refused: {0}")]
    Forged(String),
    #[error("{0}")]
    Other(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ProviderError {
    fn from(e: diesel::result::Error) -> Self {
        ProviderError::Db(DbError::Query(e))
    }
}

/// One payment provider, as the app uses it.
pub trait PaymentProvider: Send + Sync {
    fn id(&self) -> ProviderId;
    /// Its name as buyers and staff see it.
    fn label(&self) -> &'static str;
    /// The ways to pay it offers, in the order the Pay step lists them.
    fn methods(&self) -> &'static [Method];
    /// Opens a payment, or answers the one this idempotency key opened (the same key with
    /// another amount, currency or method is [`ProviderError::KeyReused`]).
    fn open(&self, request: &OpenPayment<'_>) -> Result<Opened, ProviderError>;
    /// Where to send the buyer to pay `external_id` (the provider's hosted page, with its
    /// signed parameters where it wants them).
    fn pay_url(&self, base_url: &url::Url, opened: &Opened) -> String;
    /// Checks a notification's signature (and freshness, where the scheme has one) over what
    /// was received, and reads it. Nothing is trusted before this answers `Ok`.
    fn verify(&self, incoming: &Incoming<'_>) -> Result<Notification, ProviderError>;
    /// The answer the provider expects for a notification handled so.
    fn acknowledge(&self, handled: Handled) -> Ack;
    /// Reads the query the buyer came back with: `Ok(None)` when it carries nothing of this
    /// provider's, an error when its signature does not check out. The default: a provider
    /// whose return carries nothing.
    fn read_return_hint(&self, _query: &str) -> Result<Option<ReturnHint>, ProviderError> {
        Ok(None)
    }
    /// Asks the provider where a payment stands (reconciliation).
    fn look_up(&self, external_id: &str) -> Result<Option<LookedUp>, ProviderError>;
    /// Closes a payment the buyer has not paid; answers where it stands now (one paid just
    /// before stays `Succeeded`, and must be refunded).
    fn cancel(&self, external_id: &str) -> Result<PaymentState, ProviderError>;
    /// Gives back `amount_cents` of a succeeded payment. The same key answers the same refund;
    /// the total refunded never exceeds what was paid.
    fn refund(
        &self,
        external_id: &str,
        amount_cents: i64,
        idempotency_key: &str,
        reason: &str,
    ) -> Result<RefundMade, ProviderError>;
}

/// Every provider the app was built with, by id.
#[derive(Clone)]
pub struct Providers {
    all: Arc<BTreeMap<ProviderId, Arc<dyn PaymentProvider>>>,
}

impl Providers {
    pub fn new(list: Vec<Arc<dyn PaymentProvider>>) -> Self {
        Providers {
            all: Arc::new(list.into_iter().map(|p| (p.id(), p)).collect()),
        }
    }

    /// The standard set over the app's database and clock; `server_secret` is the app's
    /// secret key (each provider derives its signing secrets from it).
    pub fn standard(db: &crate::db::Db, clock: &crate::clock::Clock, server_secret: &[u8]) -> Self {
        Providers::new(vec![
            Arc::new(simpay::SimPay::new(
                crate::gateway::Gateway::new(db.clone(), clock.clone()),
                server_secret,
            )),
            Arc::new(lotuspay::LotusPay::new(
                db.clone(),
                clock.clone(),
                server_secret,
            )),
        ])
    }

    /// The provider of that id.
    pub fn get(&self, id: ProviderId) -> Result<&dyn PaymentProvider, ProviderError> {
        self.all
            .get(&id)
            .map(|p| p.as_ref())
            .ok_or(ProviderError::NotConfigured(id))
    }

    /// The provider of a payment row's `provider` text.
    pub fn named(&self, name: &str) -> Result<&dyn PaymentProvider, ProviderError> {
        let id: ProviderId = name
            .parse()
            .map_err(|_| ProviderError::Other(format!("unknown provider {name}")))?;
        self.get(id)
    }

    /// Every way to pay of each offered provider, in order (one not configured is left out):
    /// what the event API and the Pay step list.
    pub fn options(&self, offered: &[ProviderId]) -> Vec<(&dyn PaymentProvider, Method)> {
        offered
            .iter()
            .filter_map(|&id| self.get(id).ok())
            .flat_map(|p| p.methods().iter().map(move |&m| (p, m)))
            .collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn PaymentProvider> {
        self.all.values().map(|p| p.as_ref())
    }
}
