//! Paying for a booking in the JSON API (API.md "Bookings"), and the providers' notifications.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::payments::Payment;
use crate::domain::ids::PaymentId;
use crate::domain::payment::PaymentStatus;
use crate::domain::user::Role;
use crate::providers::{Handled, Incoming, Method, ProviderId, Providers};
use crate::services::payments::{self, PayWith, Received, WebhookError, checkout_url};
use crate::web::api::doc::problems;
use crate::web::api::invalid;
use crate::web::bearer::{BearerToken, api_user};
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

/// A payment of a booking at its provider; the buyer pays at `checkout_url`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Payment)]
pub struct PaymentJson<'a> {
    id: PaymentId,
    /// The provider's reference for the payment.
    external_id: &'a str,
    /// The provider that takes it: `simpay` or `lotuspay`.
    provider: ProviderId,
    status: PaymentStatus,
    method: &'a str,
    amount_cents: i64,
    currency: &'a str,
    checkout_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_reason: Option<&'a str>,
}

impl<'a> PaymentJson<'a> {
    fn of(p: &'a Payment, providers: &Providers, base_url: &url::Url) -> Self {
        PaymentJson {
            id: p.id,
            external_id: &p.external_id,
            provider: p.provider,
            status: p.status,
            method: &p.method,
            amount_cents: p.amount.cents,
            currency: p.amount.currency.as_str(),
            checkout_url: checkout_url(providers, base_url, p),
            failure_reason: p.failure_reason.as_deref(),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PaymentRequest)]
struct PayBody {
    /// `card`, `bank_transfer` or `ewallet` (as the provider offers them).
    method: String,
    /// `simpay` or `lotuspay`, among the event's `payment_options`; the event's first when
    /// left out.
    #[serde(default)]
    provider: Option<String>,
}

impl PayBody {
    /// The method and provider asked for, or a 422 naming the field.
    fn choice(&self) -> Result<(Method, Option<ProviderId>), AppError> {
        let method: Method = self
            .method
            .parse()
            .map_err(|_| invalid("method", "Choose card, bank_transfer or ewallet."))?;
        let provider = match self.provider.as_deref() {
            None => None,
            Some(name) => Some(
                name.parse::<ProviderId>()
                    .map_err(|_| invalid("provider", "Choose simpay or lotuspay."))?,
            ),
        };
        Ok((method, provider))
    }
}

/// `POST /api/v1/bookings/{reference}/payments` with `Idempotency-Key`: 201 with the new
/// payment, 200 with the same one for a key already used (same body), 422 for a key reused
/// with another body, 409 when the booking cannot be paid.
#[utoipa::path(
    operation_id = "startPayment",
    tag = "payments",
    summary = "Start paying for a booking",
    params(
        ("reference" = String, Path, description = "The booking's reference."),
        ("Idempotency-Key" = String, Header, description = "Any unique string per payment attempt: sent again with the same body, the same payment is answered."),
    ),
    request_body = PayBody,
    responses(
        (status = 200, description = "The payment this key already started.", body = PaymentJson),
        (status = 201, description = "A new payment.", body = PaymentJson),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 404, description = "No such booking, or not the caller's.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The booking is not pending, its hold ran out, it is paid, or its seats changed (`code`).", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No Idempotency-Key, a key reused with another body, or an unknown method.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/bookings/{reference}/payments")]
async fn pay(
    state: web::Data<AppState>,
    token: BearerToken,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<PayBody>,
) -> Result<HttpResponse, AppError> {
    let (account, _) = api_user(&state, token).await?;
    let key = idempotency_key(&req)?;
    let (method, provider) = body.choice()?;
    let reference = path.into_inner();
    let (providers, base_url) = (state.providers.clone(), state.settings.base_url.clone());
    let user = account.id;
    let started = state
        .run(move |db, now| {
            let with = PayWith::new(&reference, method, provider, &key);
            payments::start(db, &providers, &base_url, user, with, now)
        })
        .await??;
    let status = if started.created {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(PaymentJson::of(
        &started.payment,
        &state.providers,
        &state.settings.base_url,
    )))
}

/// The request's `Idempotency-Key` (trimmed), which paying requires.
fn idempotency_key(req: &HttpRequest) -> Result<String, AppError> {
    req.headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            invalid(
                "idempotency_key",
                "Send an Idempotency-Key header (any unique string per payment attempt).",
            )
        })
}

/// `GET /api/v1/bookings/{reference}/payment`: the booking's latest payment.
#[utoipa::path(
    operation_id = "getLatestPayment",
    tag = "payments",
    summary = "A booking's latest payment",
    params(("reference" = String, Path, description = "The booking's reference.")),
    responses(
        (status = 200, description = "The latest payment.", body = PaymentJson),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 404, description = "No such booking, not the caller's, or no payment yet.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/bookings/{reference}/payment")]
async fn latest(
    state: web::Data<AppState>,
    token: BearerToken,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (account, _) = api_user(&state, token).await?;
    let (user, admin) = (account.id, account.role == Role::Admin);
    let reference = path.into_inner();
    let payment = state
        .read(move |conn, _| Ok(payments::latest_for(conn, &reference, user, admin)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(PaymentJson::of(
        &payment,
        &state.providers,
        &state.settings.base_url,
    )))
}

/// The gateway's webhook: 400 and no change for a bad signature, a stale timestamp or a body
/// that is not an event; 200 once applied, and 200 again (nothing changes) for a duplicate.
#[utoipa::path(
    operation_id = "receiveGatewayWebhook",
    tag = "payments",
    summary = "The payment gateway's signed webhook",
    description = "Called by the gateway, not by clients: a signed event about a payment.",
    params(("Gateway-Signature" = String, Header, description = "`t=<unix seconds>,v1=<hex HMAC-SHA256>` of the body.")),
    request_body(content = String, content_type = "application/json", description = "The gateway's event, exactly as signed."),
    responses(
        (status = 200, description = "Applied, or a duplicate (nothing changed).", body = shape::WebhookReceipt),
        (status = 400, description = "A bad signature, a stale timestamp, or not an event.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/gateway")]
async fn webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let received = receive(&state, ProviderId::SimPay, &req, body).await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "received": true,
        "duplicate": received == Received::Duplicate,
    })))
}

/// LotusPay's server-to-server notification (form-encoded, HMAC-SHA512 signed), answered in
/// LotusPay's own acknowledgement format: it sends again until it reads `RspCode` `00`.
#[utoipa::path(
    operation_id = "receiveLotusPayNotification",
    tag = "payments",
    summary = "LotusPay's signed notification",
    description = "Called by LotusPay, not by clients: a payment's or refund's outcome as signed form parameters. Answered with LotusPay's acknowledgement: 200 and `RspCode` 00 once recorded (or recorded before), 400 and 97 for a bad signature or a body that is not a notification, 200 and 99 to be sent again.",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "LotusPay's parameters, exactly as signed."),
    responses(
        (status = 200, description = "`RspCode` 00: recorded, or recorded before; 99: not recorded now, send it again.", body = shape::LotusPayAck),
        (status = 400, description = "A bad signature, a stale send date, or not a notification: `RspCode` 97; nothing changed.", body = shape::LotusPayAck),
        (status = 404, description = "LotusPay is not configured on this box office.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/lotuspay")]
async fn lotuspay(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    // Not configured here: no such endpoint (before anything is read).
    let provider = state.providers.get(ProviderId::LotusPay)?;
    let handled = match receive(&state, ProviderId::LotusPay, &req, body).await? {
        Ok(_) => Handled::Done,
        Err(WebhookError::Refused(_) | WebhookError::Body(_)) => Handled::Refused,
        Err(WebhookError::Db(_)) => Handled::TryAgain,
    };
    let ack = provider.acknowledge(handled);
    Ok(HttpResponse::build(
        actix_web::http::StatusCode::from_u16(ack.status)
            .unwrap_or(actix_web::http::StatusCode::OK),
    )
    .content_type(ack.content_type)
    .body(ack.body))
}

/// Hands what arrived to `provider`'s checks, then records and applies it.
async fn receive(
    state: &AppState,
    provider: ProviderId,
    req: &HttpRequest,
    body: web::Bytes,
) -> Result<Result<Received, WebhookError>, AppError> {
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let query = req.query_string().to_owned();
    let (live, providers) = (state.live.clone(), state.providers.clone());
    state
        .run(move |db, now| {
            let incoming = Incoming {
                headers: &headers,
                query: &query,
                body: &body,
                now,
            };
            providers
                .get(provider)
                .map_err(WebhookError::from)
                .and_then(|provider| payments::receive(db, &live, provider, &incoming))
        })
        .await
}

/// The webhook's answer, built with `json!`, for the OpenAPI document only.
mod shape {
    #![expect(dead_code, reason = "schema-only: describes a json! document")]

    #[derive(utoipa::ToSchema)]
    pub struct WebhookReceipt {
        received: bool,
        /// The event was applied before; nothing changed.
        duplicate: bool,
    }

    /// LotusPay's acknowledgement.
    #[derive(utoipa::ToSchema)]
    pub struct LotusPayAck {
        /// `00` recorded (or recorded before); `97` a bad signature; `99` send it again.
        #[schema(rename = "RspCode")]
        rsp_code: String,
        #[schema(rename = "Message")]
        message: String,
    }
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(pay)
        .service(latest)
        .service(webhook)
        .service(lotuspay);
}
