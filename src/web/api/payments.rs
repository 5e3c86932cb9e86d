//! Paying for a booking in the JSON API (API.md "Bookings"), and the gateway's webhook.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use crate::db::payments::Payment;
use crate::domain::ids::PaymentId;
use crate::domain::payment::PaymentStatus;
use crate::domain::user::Role;
use crate::gateway::Method;
use crate::gateway::signature::HEADER;
use crate::services::payments::{self, Received, checkout_url};
use crate::web::api::invalid;
use crate::web::bearer::{BearerToken, api_user};
use crate::web::error::AppError;
use crate::web::state::AppState;

#[derive(Serialize)]
pub struct PaymentJson<'a> {
    id: PaymentId,
    external_id: &'a str,
    status: PaymentStatus,
    method: &'a str,
    amount_cents: i64,
    currency: &'a str,
    checkout_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_reason: Option<&'a str>,
}

impl<'a> PaymentJson<'a> {
    fn of(p: &'a Payment, base_url: &url::Url) -> Self {
        PaymentJson {
            id: p.id,
            external_id: &p.external_id,
            status: p.status,
            method: &p.method,
            amount_cents: p.amount.cents,
            currency: p.amount.currency.as_str(),
            checkout_url: checkout_url(base_url, &p.external_id),
            failure_reason: p.failure_reason.as_deref(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayBody {
    method: String,
}

/// `POST /api/v1/bookings/{reference}/payments` with `Idempotency-Key`: 201 with the new
/// payment, 200 with the same one for a key already used (same body), 422 for a key reused
/// with another body, 409 when the booking cannot be paid.
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
    let method: Method = body
        .method
        .parse()
        .map_err(|_| invalid("method", "Choose card, bank_transfer or ewallet."))?;
    let reference = path.into_inner();
    let (gateway, base_url) = (state.gateway.clone(), state.settings.base_url.clone());
    let user = account.id;
    let started = state
        .run(move |db, now| {
            payments::start(db, &gateway, &base_url, user, &reference, method, &key, now)
        })
        .await??;
    let status = if started.created {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(HttpResponse::build(status)
        .json(PaymentJson::of(&started.payment, &state.settings.base_url)))
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
    Ok(HttpResponse::Ok().json(PaymentJson::of(&payment, &state.settings.base_url)))
}

/// The gateway's webhook: 400 and no change for a bad signature, a stale timestamp or a body
/// that is not an event; 200 once applied, and 200 again (nothing changes) for a duplicate.
#[post("/webhooks/gateway")]
async fn webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let header = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (live, secret) = (state.live.clone(), state.webhook_secret.clone());
    let received = state
        .run(move |db, now| payments::receive(db, &live, &secret, header.as_deref(), &body, now))
        .await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "received": true,
        "duplicate": received == Received::Duplicate,
    })))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(pay).service(latest).service(webhook);
}
