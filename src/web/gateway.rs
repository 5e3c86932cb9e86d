//! The gateway's own web pages and API, mounted under `/gateway` outside the app's session
//! and CSRF middleware (it is "another site"):
//! - `GET /gateway/checkout/{external_id}`: the hosted payment page (a card form, or the bank
//!   transfer or e-wallet approval page);
//! - `POST /gateway/checkout/{external_id}`: that page's form; then back to the merchant's
//!   return URL;
//! - `POST /gateway/v1/payments/{external_id}/complete` with `{"card_number"}` (or
//!   `{"approve": true|false}` for the other methods): 200 `{"status"}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::money::Money;
use crate::gateway::signature::{form_token, form_token_ok};
use crate::gateway::{Attempt, GatewayError, Intent, IntentStatus, Method};
use crate::web::error::AppError;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "gateway/checkout.html")]
struct CheckoutPage<'a> {
    intent: &'a Intent,
    amount: Money,
    token: String,
    error: Option<&'a str>,
    card_number: &'a str,
}

fn page(
    state: &AppState,
    intent: &Intent,
    status: StatusCode,
    error: Option<&str>,
    card_number: &str,
) -> Result<HttpResponse, AppError> {
    let body = CheckoutPage {
        intent,
        amount: intent.amount,
        token: form_token(&state.webhook_secret, &intent.external_id),
        error,
        card_number,
    }
    .render()
    .map_err(AppError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

async fn find(state: &AppState, external_id: String) -> Result<Intent, AppError> {
    let gateway = state.gateway.clone();
    web::block(move || gateway.intent(&external_id))
        .await?
        .map_err(gateway_error)?
        .ok_or(AppError::NotFound)
}

fn gateway_error(e: GatewayError) -> AppError {
    match e {
        GatewayError::NotFound => AppError::NotFound,
        GatewayError::NotPayable(status) => AppError::ConflictWith {
            detail: format!("This payment is {status}; it is not awaiting payment."),
            extra: [("status".to_owned(), serde_json::json!(status.as_str()))]
                .into_iter()
                .collect(),
        },
        GatewayError::BadAttempt(message) => {
            AppError::Validation([("card_number", message.to_owned())].into_iter().collect())
        }
        GatewayError::Db(e) => e.into(),
        other => AppError::internal(other),
    }
}

#[get("/checkout/{external_id}")]
async fn checkout(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let intent = find(&state, path.into_inner()).await?;
    page(&state, &intent, StatusCode::OK, None, "")
}

#[derive(Deserialize)]
struct CheckoutForm {
    token: String,
    card_number: Option<String>,
    /// `approve` or `decline` (bank transfer, e-wallet).
    decision: Option<String>,
}

impl CheckoutForm {
    /// What the payer did: a card number, or approving or declining.
    fn attempt(&self, method: Method) -> Attempt {
        match method {
            Method::Card => Attempt::Card {
                number: self.card_number.clone().unwrap_or_default(),
            },
            _ => Attempt::Approval {
                approve: self.decision.as_deref() == Some("approve"),
            },
        }
    }
}

/// 303 back to the merchant.
fn back_to(return_url: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", return_url))
        .finish()
}

#[post("/checkout/{external_id}")]
async fn submit(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CheckoutForm>,
) -> Result<HttpResponse, AppError> {
    let external_id = path.into_inner();
    let intent = find(&state, external_id.clone()).await?;
    if !form_token_ok(&state.webhook_secret, &external_id, &form.token) {
        return Err(AppError::Forbidden);
    }
    let attempt = form.attempt(intent.method);
    let gateway = state.gateway.clone();
    let id = external_id.clone();
    match web::block(move || gateway.complete(&id, &attempt)).await? {
        Ok(done) => Ok(back_to(&done.return_url)),
        Err(GatewayError::BadAttempt(message)) => page(
            &state,
            &intent,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(message),
            form.card_number.as_deref().unwrap_or(""),
        ),
        // Already paid or declined (a second tab, a double click): back to the merchant.
        Err(GatewayError::NotPayable(_)) => Ok(back_to(&intent.return_url)),
        Err(e) => Err(gateway_error(e)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteBody {
    card_number: Option<String>,
    approve: Option<bool>,
}

impl CompleteBody {
    /// A card number, or an approval: exactly one of them.
    fn attempt(self) -> Result<Attempt, AppError> {
        match (self.card_number, self.approve) {
            (Some(number), None) => Ok(Attempt::Card { number }),
            (None, Some(approve)) => Ok(Attempt::Approval { approve }),
            _ => Err(AppError::Validation(
                [(
                    "body",
                    "Send card_number for a card payment, or approve for the other methods."
                        .to_owned(),
                )]
                .into_iter()
                .collect(),
            )),
        }
    }
}

#[post("/v1/payments/{external_id}/complete")]
async fn complete(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<CompleteBody>,
) -> Result<HttpResponse, AppError> {
    let external_id = path.into_inner();
    let attempt = body.into_inner().attempt()?;
    let gateway = state.gateway.clone();
    let done = web::block(move || gateway.complete(&external_id, &attempt))
        .await?
        .map_err(gateway_error)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "status": done.status.as_str(),
        "failure_reason": done.failure_reason,
    })))
}

/// Whether the page shows the card form.
impl CheckoutPage<'_> {
    fn open(&self) -> bool {
        self.intent.status == IntentStatus::RequiresPayment
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().limit(16 * 1024))
        .service(checkout)
        .service(submit)
        .service(complete);
}
