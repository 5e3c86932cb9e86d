//! The events the gateway sends the merchant (a webhook's body), and recording them for delivery.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::gateway_events;
use crate::db::{DbConnection, DbError};

use super::intent::{Intent, Refund, new_id};
use super::{EventKind, IntentStatus, Method, delivery};

/// The body of a webhook: what a provider would post.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct EventBody {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// Unix seconds.
    pub created: i64,
    pub data: EventData,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct EventData {
    /// The payment's external id.
    pub external_id: String,
    pub merchant_reference: String,
    pub amount_cents: i64,
    pub currency: String,
    pub method: Method,
    pub status: IntentStatus,
    #[serde(default)]
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub refund: Option<RefundData>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct RefundData {
    pub external_id: String,
    pub idempotency_key: String,
    pub amount_cents: i64,
}

/// Writes the event and queues its delivery, in the caller's transaction. About one event in
/// four is queued twice, the copy a few seconds later, as real providers sometimes do.
#[expect(
    clippy::expect_used,
    reason = "a struct of strings and numbers always serializes"
)]
pub(super) fn record_event(
    conn: &mut DbConnection,
    kind: EventKind,
    intent: &Intent,
    refund: Option<&Refund>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let body = EventBody {
        id: new_id("evt"),
        kind,
        created: now.and_utc().timestamp(),
        data: EventData {
            external_id: intent.external_id.clone(),
            merchant_reference: intent.merchant_reference.clone(),
            amount_cents: intent.amount.cents,
            currency: intent.amount.currency.to_string(),
            method: intent.method,
            status: intent.status,
            failure_reason: intent.failure_reason.clone(),
            refund: refund.map(|r| RefundData {
                external_id: r.external_id.clone(),
                idempotency_key: r.idempotency_key.clone(),
                amount_cents: r.amount_cents,
            }),
        },
    };
    let payload = serde_json::to_string(&body).expect("an event serializes");
    diesel::insert_into(gateway_events::table)
        .values((
            gateway_events::event_id.eq(&body.id),
            gateway_events::kind.eq(kind),
            gateway_events::intent_id.eq(intent.id),
            gateway_events::payload.eq(&payload),
            gateway_events::created_at.eq(now),
        ))
        .execute(conn)?;
    delivery::queue(conn, &body.id, now)
}
