//! SimPay, the simulated webhook-first provider (the `gateway` module), behind the interface.

use crate::gateway::signature::{self, SignatureError};
use crate::gateway::{
    EventBody, EventKind, Gateway, GatewayError, IntentStatus, Method, NewIntent,
};

use super::{
    Ack, Handled, Incoming, LookedUp, Notification, NotificationKind, OpenPayment, Opened,
    PaymentProvider, PaymentState, ProviderError, ProviderId, RefundMade, RefundNote,
};

/// SimPay: the gateway's calls, and the secret its webhooks are signed with.
#[derive(Clone)]
pub struct SimPay {
    gateway: Gateway,
    secret: Vec<u8>,
}

impl SimPay {
    /// `server_secret` is the app's secret key (the webhook secret is derived from it).
    pub fn new(gateway: Gateway, server_secret: &[u8]) -> Self {
        SimPay {
            gateway,
            secret: signature::webhook_secret(server_secret),
        }
    }

    /// The gateway itself (its hosted pages, and tests).
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }
}

impl From<GatewayError> for ProviderError {
    fn from(e: GatewayError) -> Self {
        match e {
            GatewayError::NotFound => ProviderError::NotFound,
            GatewayError::KeyReused => ProviderError::KeyReused,
            GatewayError::BadAmount => ProviderError::BadAmount,
            GatewayError::NotRefundable => ProviderError::NotRefundable,
            GatewayError::RefundTooLarge => ProviderError::RefundTooLarge,
            GatewayError::Unavailable => ProviderError::Unavailable,
            GatewayError::Db(e) => ProviderError::Db(e),
            other @ (GatewayError::NotPayable(_) | GatewayError::BadAttempt(_)) => {
                ProviderError::Other(other.to_string())
            }
        }
    }
}

impl From<SignatureError> for ProviderError {
    fn from(e: SignatureError) -> Self {
        ProviderError::Forged(e.to_string())
    }
}

fn state_of(status: IntentStatus, reason: Option<String>) -> PaymentState {
    match status {
        IntentStatus::RequiresPayment => PaymentState::Open,
        IntentStatus::Succeeded => PaymentState::Succeeded,
        IntentStatus::Failed => PaymentState::Failed(reason),
        IntentStatus::Cancelled => PaymentState::Cancelled,
    }
}

impl PaymentProvider for SimPay {
    fn id(&self) -> ProviderId {
        ProviderId::SimPay
    }

    fn label(&self) -> &'static str {
        "SimPay"
    }

    fn methods(&self) -> &'static [Method] {
        &[Method::Card, Method::BankTransfer, Method::Ewallet]
    }

    fn open(&self, request: &OpenPayment<'_>) -> Result<Opened, ProviderError> {
        let intent = self.gateway.create_intent(&NewIntent {
            idempotency_key: request.idempotency_key,
            merchant_reference: request.merchant_reference,
            description: request.description,
            amount: request.amount,
            method: request.method,
            return_url: request.return_url,
        })?;
        Ok(Opened {
            external_id: intent.external_id,
            amount: intent.amount,
            method: intent.method,
        })
    }

    fn pay_url(&self, base_url: &url::Url, opened: &Opened) -> String {
        crate::mail::templates::absolute(base_url, &format!("gateway/checkout/{}", opened.external_id))
    }

    fn verify(&self, incoming: &Incoming<'_>) -> Result<Notification, ProviderError> {
        let header = incoming
            .header(&signature::HEADER.to_ascii_lowercase())
            .ok_or(SignatureError::Malformed)?;
        signature::verify(
            &self.secret,
            header,
            incoming.body,
            incoming.now.and_utc().timestamp(),
        )?;
        let event: EventBody = serde_json::from_slice(incoming.body)
            .map_err(|e| ProviderError::Forged(format!("the body is not a gateway event: {e}")))?;
        let kind = match event.kind {
            EventKind::PaymentSucceeded => NotificationKind::PaymentSucceeded,
            EventKind::PaymentFailed => NotificationKind::PaymentFailed,
            EventKind::PaymentCancelled => NotificationKind::PaymentCancelled,
            EventKind::RefundSucceeded => NotificationKind::RefundSucceeded,
        };
        Ok(Notification {
            id: event.id,
            kind,
            external_id: event.data.external_id,
            failure_reason: event.data.failure_reason,
            refund: event.data.refund.map(|r| RefundNote {
                external_id: r.external_id,
                idempotency_key: r.idempotency_key,
            }),
            payload: String::from_utf8_lossy(incoming.body).into_owned(),
        })
    }

    fn acknowledge(&self, handled: Handled) -> Ack {
        let (status, body) = match handled {
            Handled::Done => (200, r#"{"received":true}"#),
            Handled::Refused => (400, r#"{"received":false}"#),
            Handled::TryAgain => (503, r#"{"received":false}"#),
        };
        Ack {
            status,
            content_type: "application/json",
            body: body.to_owned(),
        }
    }

    fn look_up(&self, external_id: &str) -> Result<Option<LookedUp>, ProviderError> {
        Ok(self.gateway.intent(external_id)?.map(|i| LookedUp {
            external_id: i.external_id,
            state: state_of(i.status, i.failure_reason),
            amount: i.amount,
            refunded_cents: i.refunded_cents,
        }))
    }

    fn cancel(&self, external_id: &str) -> Result<PaymentState, ProviderError> {
        let intent = self.gateway.cancel(external_id)?;
        Ok(state_of(intent.status, intent.failure_reason))
    }

    fn refund(
        &self,
        external_id: &str,
        amount_cents: i64,
        idempotency_key: &str,
        reason: &str,
    ) -> Result<RefundMade, ProviderError> {
        let refund = self
            .gateway
            .refund(external_id, amount_cents, idempotency_key, reason)?;
        Ok(RefundMade {
            external_id: refund.external_id,
            amount_cents: refund.amount_cents,
        })
    }
}
