//! LotusPay's hosted pages (`providers::lotuspay`), mounted under `/lotuspay` outside the
//! app's session and CSRF middleware (it is "another site"):
//! - `GET /lotuspay/pay?lp_TxnRef=…&lp_SecureHash=…`: the pay page, only for a query the
//!   merchant signed that matches the payment (anything else: a 400 page, nothing changes);
//! - `POST /lotuspay/pay/{txn_ref}`: its forms (a card, "I have made the transfer", cancel),
//!   tied to the payment by a token; then 303 to the merchant's return URL with LotusPay's
//!   signed parameters.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::money::Money;
use crate::providers::lotuspay::{LotusPay, PayError, Payment, SETTLE_AFTER, Status};
use crate::providers::{Method, ProviderError};
use crate::web::error::AppError;
use crate::web::state::AppState;

fn lotus(state: &AppState) -> LotusPay {
    LotusPay::new(state.db.clone(), state.clock.clone(), &state.secret)
}

#[derive(Template)]
#[template(path = "lotuspay/pay.html")]
struct PayPage<'a> {
    payment: &'a Payment,
    amount: Money,
    token: String,
    error: Option<&'a str>,
    card_number: &'a str,
    back: String,
    settle_hours: i64,
}

impl PayPage<'_> {
    fn open(&self) -> bool {
        self.payment.status == Status::Open
    }
    fn awaiting(&self) -> bool {
        self.payment.status == Status::AwaitingFunds
    }
    fn card(&self) -> bool {
        self.payment.method == Method::Card
    }
}

#[derive(Template)]
#[template(path = "lotuspay/refused.html")]
struct RefusedPage<'a> {
    reason: &'a str,
}

fn html(status: StatusCode, body: Result<String, askama::Error>) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body.map_err(AppError::internal)?))
}

fn page(
    lotus: &LotusPay,
    payment: &Payment,
    status: StatusCode,
    error: Option<&str>,
    card_number: &str,
) -> Result<HttpResponse, AppError> {
    let body = PayPage {
        payment,
        amount: payment.amount,
        token: lotus.form_token(&payment.txn_ref),
        error,
        card_number,
        back: lotus.return_url(payment),
        settle_hours: SETTLE_AFTER.num_hours(),
    }
    .render();
    html(status, body)
}

fn refused(reason: &str) -> Result<HttpResponse, AppError> {
    html(StatusCode::BAD_REQUEST, RefusedPage { reason }.render())
}

fn provider_error(e: ProviderError) -> Result<HttpResponse, AppError> {
    match e {
        ProviderError::Forged(_) => refused("The payment request's signature does not check out."),
        ProviderError::NotFound => refused("LotusPay knows no such payment."),
        ProviderError::Db(e) => Err(e.into()),
        other => Err(AppError::internal(other)),
    }
}

#[get("/pay")]
async fn pay(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let (lotus, query) = (lotus(&state), req.query_string().to_owned());
    let checker = lotus.clone();
    match web::block(move || checker.pay_request(&query)).await? {
        Ok(payment) => page(&lotus, &payment, StatusCode::OK, None, ""),
        Err(e) => provider_error(e),
    }
}

#[derive(Deserialize)]
struct PayForm {
    token: String,
    /// `card`, `transfer` or `cancel`.
    action: String,
    card_number: Option<String>,
}

async fn find(lotus: &LotusPay, txn_ref: &str) -> Result<Payment, AppError> {
    let (finder, id) = (lotus.clone(), txn_ref.to_owned());
    match web::block(move || finder.payment(&id)).await? {
        Ok(Some(payment)) => Ok(payment),
        Ok(None) => Err(AppError::NotFound),
        Err(ProviderError::Db(e)) => Err(e.into()),
        Err(e) => Err(AppError::internal(e)),
    }
}

/// Does what the form asked, on the blocking pool.
async fn attempt(
    lotus: &LotusPay,
    txn_ref: &str,
    form: &PayForm,
) -> Result<Result<Payment, PayError>, AppError> {
    let (lotus, txn_ref) = (lotus.clone(), txn_ref.to_owned());
    let (action, number) = (
        form.action.clone(),
        form.card_number.clone().unwrap_or_default(),
    );
    Ok(web::block(move || match action.as_str() {
        "card" => lotus.pay_card(&txn_ref, &number),
        "transfer" => lotus.start_transfer(&txn_ref),
        "cancel" => lotus.abandon(&txn_ref),
        _ => Err(PayError::BadAttempt("Choose how to pay.")),
    })
    .await?)
}

/// 303 back to the merchant, with LotusPay's signed parameters.
fn back_to(lotus: &LotusPay, payment: &Payment) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", lotus.return_url(payment)))
        .finish()
}

#[post("/pay/{txn_ref}")]
async fn submit(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<PayForm>,
) -> Result<HttpResponse, AppError> {
    let (lotus, txn_ref) = (lotus(&state), path.into_inner());
    let payment = find(&lotus, &txn_ref).await?;
    if !lotus.form_token_ok(&txn_ref, &form.token) {
        return Err(AppError::Forbidden);
    }
    match attempt(&lotus, &txn_ref, &form).await? {
        Ok(done) => Ok(back_to(&lotus, &done)),
        Err(PayError::BadAttempt(message)) => {
            let number = form.card_number.as_deref().unwrap_or("");
            page(
                &lotus,
                &payment,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
                number,
            )
        }
        // Already paid, declined or cancelled (a second tab, a double click): back to the shop.
        Err(PayError::NotPayable(_)) => Ok(back_to(&lotus, &find(&lotus, &txn_ref).await?)),
        Err(PayError::NotFound) => Err(AppError::NotFound),
        Err(PayError::Db(e)) => Err(e.into()),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().limit(16 * 1024))
        .service(pay)
        .service(submit);
}
