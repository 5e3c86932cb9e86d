//! One error type at the edge. JSON callers get `application/problem+json` (RFC 9457); pages get
//! a styled page, or for htmx a fragment retargeted to the page's message area.

use std::collections::BTreeMap;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::db::DbError;
use crate::services::catalogue::CatalogueError;
use crate::web::hx::is_htmx;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A request that cannot be taken as sent (a webhook with a bad signature…).
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    #[error("unauthorized")]
    Unauthorized(&'static str),
    #[error("conflict")]
    Conflict(&'static str),
    /// A conflict whose problem document carries more members (`unavailable_seat_ids`…).
    #[error("conflict")]
    ConflictWith {
        detail: String,
        extra: serde_json::Map<String, serde_json::Value>,
    },
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    /// A page that needs a signed-in visitor: send them to log in and come back.
    #[error("login required")]
    LoginRequired { next: String, htmx: bool },
    #[error("invalid request")]
    Validation(BTreeMap<&'static str, String>),
    #[error("service unavailable")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::NotFound => "Not found",
            AppError::BadRequest(_) => "Bad request",
            AppError::Forbidden => "Forbidden",
            AppError::Unauthorized(_) => "Unauthorized",
            AppError::Conflict(_) | AppError::ConflictWith { .. } => "Conflict",
            AppError::LoginRequired { .. } => "Login required",
            AppError::TooManyRequests { .. } => "Too many requests",
            AppError::Validation(_) => "Invalid request",
            AppError::Unavailable => "Service unavailable",
            AppError::Internal(_) => "Internal server error",
        }
    }

    fn detail(&self) -> String {
        match self {
            AppError::NotFound => "There is nothing at this address.".to_owned(),
            AppError::BadRequest(detail) => detail.clone(),
            AppError::Forbidden => {
                "This request is not allowed. If you sent a form, reload the page and try again."
                    .to_owned()
            }
            AppError::Unauthorized(detail) | AppError::Conflict(detail) => (*detail).to_owned(),
            AppError::ConflictWith { detail, .. } => detail.clone(),
            AppError::LoginRequired { .. } => "Log in to see this page.".to_owned(),
            AppError::TooManyRequests { retry_after } => {
                format!("Too many attempts; try again in {retry_after} seconds.")
            }
            AppError::Validation(errors) => errors
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(" "),
            AppError::Unavailable => {
                "The service is starting or overloaded; try again shortly.".to_owned()
            }
            AppError::Internal(_) => {
                "Something went wrong on our side; it has been logged.".to_owned()
            }
        }
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            e if e.is_outage() => {
                tracing::warn!(error = %e, "the database cannot serve this request now");
                AppError::Unavailable
            }
            DbError::Query(e) => AppError::internal(e),
            DbError::Pool(_) | DbError::Down => AppError::Unavailable,
        }
    }
}

impl From<CatalogueError> for AppError {
    fn from(e: CatalogueError) -> Self {
        match e {
            CatalogueError::NotFound => AppError::NotFound,
            CatalogueError::Db(e) => e.into(),
        }
    }
}

impl From<crate::services::accounts::AccountError> for AppError {
    fn from(e: crate::services::accounts::AccountError) -> Self {
        use crate::services::accounts::AccountError::*;
        match e {
            Invalid(errors) => AppError::Validation(errors),
            Db(e) => e.into(),
            EmailTaken => AppError::Conflict("That email address already has an account."),
            WrongCredentials => AppError::Unauthorized("Wrong email or password."),
            Hash(_) => AppError::internal(e),
        }
    }
}

impl From<crate::web::rate_limit::RetryAfter> for AppError {
    fn from(r: crate::web::rate_limit::RetryAfter) -> Self {
        AppError::TooManyRequests { retry_after: r.0 }
    }
}

impl From<crate::services::user_admin::UserAdminError> for AppError {
    fn from(e: crate::services::user_admin::UserAdminError) -> Self {
        use crate::services::user_admin::UserAdminError::*;
        match e {
            NotFound => AppError::NotFound,
            OwnAccount => AppError::Forbidden,
            Db(e) => e.into(),
        }
    }
}

impl From<crate::services::holds::HoldError> for AppError {
    fn from(e: crate::services::holds::HoldError) -> Self {
        use crate::services::holds::HoldError::*;
        match e {
            EventNotFound => AppError::NotFound,
            NotOnSale(_) => AppError::Validation(
                [("event", "This event is not on sale.".to_owned())]
                    .into_iter()
                    .collect(),
            ),
            Invalid(errors) => AppError::Validation(errors),
            TooMany { max, already } => AppError::Validation(
                [(
                    "quantity",
                    format!("At most {max} tickets per order; you already hold {already}."),
                )]
                .into_iter()
                .collect(),
            ),
            Unavailable { seat_ids } => {
                let mut extra = serde_json::Map::new();
                extra.insert(
                    "unavailable_seat_ids".to_owned(),
                    serde_json::json!(seat_ids),
                );
                AppError::ConflictWith {
                    detail: "Some of these seats were just taken; nothing was held.".to_owned(),
                    extra,
                }
            }
            NotEnough { available } => {
                let mut extra = serde_json::Map::new();
                extra.insert("available".to_owned(), serde_json::json!(available));
                AppError::ConflictWith {
                    detail: format!("Not enough tickets left together; {available} available."),
                    extra,
                }
            }
            Unverified { max, already } => AppError::Validation(
                [(
                    "quantity",
                    format!(
                        "Until its email address is confirmed, an account may hold at most {max} tickets at once (across all events); it holds {already}. Follow the link in the verification email, or ask for a new one, then try again."
                    ),
                )]
                .into_iter()
                .collect(),
            ),
            AccountLimit { max, already } => AppError::Validation(
                [(
                    "quantity",
                    format!(
                        "This event allows at most {max} tickets per account; you already have {already}."
                    ),
                )]
                .into_iter()
                .collect(),
            ),
            CoolingDown { retry_after } => {
                let mut extra = serde_json::Map::new();
                extra.insert("code".to_owned(), serde_json::json!("rehold_cooldown"));
                extra.insert("retry_after".to_owned(), serde_json::json!(retry_after));
                AppError::ConflictWith {
                    detail: format!(
                        "You gave these seats or places back moments ago; you can hold them again in {retry_after} seconds (other buyers may take them now)."
                    ),
                    extra,
                }
            }
            PaymentPending => {
                let mut extra = serde_json::Map::new();
                extra.insert("code".to_owned(), serde_json::json!("payment_pending"));
                AppError::ConflictWith {
                    detail: "Your time to pay has ended; a payment is being confirmed, so nothing more can be added to this booking.".to_owned(),
                    extra,
                }
            }
            Db(e) => e.into(),
            Relock(_) => AppError::internal("a hold ran out of lock retries"),
        }
    }
}

impl From<crate::services::holds::BookingError> for AppError {
    fn from(e: crate::services::holds::BookingError) -> Self {
        use crate::services::holds::BookingError::*;
        match e {
            NotFound => AppError::NotFound,
            NotPending(_) => AppError::Conflict("Only a pending booking can be cancelled."),
            Db(e) => e.into(),
        }
    }
}

impl From<crate::services::payments::PaymentError> for AppError {
    fn from(e: crate::services::payments::PaymentError) -> Self {
        use crate::services::payments::PaymentError::*;
        let field = |name: &'static str, message: &str| {
            AppError::Validation([(name, message.to_owned())].into_iter().collect())
        };
        match e {
            NotFound => AppError::NotFound,
            NotPayable(_) => AppError::Conflict("Only a booking awaiting payment can be paid."),
            HoldExpired => AppError::Conflict(
                "The hold on these seats has run out; choose seats again to book them.",
            ),
            AlreadyPaid => AppError::Conflict("This booking is already paid."),
            BasketChanged => {
                let mut extra = serde_json::Map::new();
                extra.insert("code".to_owned(), serde_json::json!("basket_changed"));
                AppError::ConflictWith {
                    detail: "The booking's seats changed since this payment was started; start a new payment (with a new Idempotency-Key) for the booking as it is now.".to_owned(),
                    extra,
                }
            }
            KeyReused => field(
                "idempotency_key",
                "This Idempotency-Key was already used for a different payment request.",
            ),
            Invalid(message) => field("payment", message),
            Gateway(e) => AppError::internal(format!("the payment gateway refused: {e}")),
            Db(e) => e.into(),
        }
    }
}

impl From<crate::services::payments::WebhookError> for AppError {
    fn from(e: crate::services::payments::WebhookError) -> Self {
        use crate::services::payments::WebhookError::*;
        match e {
            Signature(e) => AppError::BadRequest(e.to_string()),
            Body(e) => AppError::BadRequest(format!("The body is not a gateway event: {e}")),
            Db(e) => e.into(),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::internal(e)
    }
}

#[derive(serde::Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a BTreeMap<&'static str, String>>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    extra: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

/// A problem document; the page error handler turns it into HTML for page routes.
pub fn problem(
    status: StatusCode,
    title: &str,
    detail: String,
    errors: Option<&BTreeMap<&'static str, String>>,
) -> HttpResponse {
    let body = Problem {
        kind: "about:blank",
        title,
        status: status.as_u16(),
        detail,
        errors,
        extra: None,
    };
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .body(serde_json::to_string(&body).unwrap_or_default())
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Conflict(_) | AppError::ConflictWith { .. } => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::LoginRequired { htmx: false, .. } => StatusCode::SEE_OTHER,
            AppError::LoginRequired { htmx: true, .. } => StatusCode::OK,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::LoginRequired { next, htmx } = self {
            let login = format!(
                "/login?{}",
                serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
            );
            // htmx would follow a redirect inside its swap; it gets HX-Redirect instead.
            let header = if *htmx { "HX-Redirect" } else { "Location" };
            return HttpResponse::build(self.status_code())
                .insert_header((header, login))
                .finish();
        }
        match self {
            // Logged once, here at the boundary; the caller sees only a generic message.
            AppError::Internal(detail) => tracing::error!(error = %detail, "request failed"),
            AppError::Unavailable => tracing::warn!("no database connection available"),
            _ => {}
        }
        let errors = match self {
            AppError::Validation(errors) => Some(errors),
            _ => None,
        };
        let mut response = match self {
            AppError::ConflictWith { detail, extra } => {
                let body = Problem {
                    kind: "about:blank",
                    title: self.title(),
                    status: 409,
                    detail: detail.clone(),
                    errors: None,
                    extra: Some(extra),
                };
                HttpResponse::Conflict()
                    .content_type(PROBLEM_JSON)
                    .body(serde_json::to_string(&body).unwrap_or_default())
            }
            _ => problem(self.status_code(), self.title(), self.detail(), errors),
        };
        if let AppError::TooManyRequests { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        if matches!(self, AppError::Unavailable) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        // A conflict that passes with time (a re-hold cooldown) says when, as a header too.
        if let AppError::ConflictWith { extra, .. } = self
            && let Some(seconds) = extra.get("retry_after").and_then(|v| v.as_u64())
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if matches!(self, AppError::Unauthorized(_)) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"boxoffice\""),
            );
        }
        response
    }
}

#[derive(Template)]
#[template(path = "errors/page.html")]
struct ErrorPage<'a> {
    /// Error pages show the site without the visitor's account (no session is read here).
    layout: crate::web::auth::Layout,
    status: u16,
    title: &'a str,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "errors/_fragment.html")]
struct ErrorFragment<'a> {
    title: &'a str,
    message: &'a str,
}

/// Page routes: replaces an error response that has no page of its own (a problem document or
/// an empty body from the framework) with the styled page, or an htmx fragment that swaps into
/// `#messages`.
pub fn render_page_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let is_html = content_type.is_some_and(|c| c.starts_with("text/html"));
    // The live stream's refusals (429/503) stay problem documents: what reads them is the
    // browser's EventSource or a script, never a person (issue 16).
    let is_live_refusal = content_type.is_some_and(|c| c.starts_with(PROBLEM_JSON))
        && res.request().path().ends_with("/live");
    if is_html || is_live_refusal {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (title, message) = page_wording(status);
    let htmx = is_htmx(res.request());
    let (req, res) = res.into_parts();
    let body = if htmx {
        ErrorFragment { title, message }.render()
    } else {
        ErrorPage {
            layout: Default::default(),
            status: status.as_u16(),
            title,
            message,
        }
        .render()
    }
    .unwrap_or_else(|_| format!("<h1>{title}</h1><p>{message}</p>"));
    let mut new = HttpResponse::build(status);
    new.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    ));
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.insert_header((name.clone(), value.clone()));
        }
    }
    if htmx {
        new.insert_header(("HX-Retarget", "#messages"));
        new.insert_header(("HX-Reswap", "innerHTML"));
    }
    let res = ServiceResponse::new(req, new.body(body))
        .map_into_boxed_body()
        .map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

fn page_wording(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        404 => (
            "Page not found",
            "We couldn't find that page. The event may have been removed, or the link mistyped.",
        ),
        405 => ("Not allowed", "That action isn't available here."),
        403 => (
            "Not allowed",
            "This request was refused. If you were sending a form, reload the page and try again.",
        ),
        422 | 400 => (
            "Check your request",
            "Some of what was sent couldn't be understood.",
        ),
        429 => (
            "Slow down",
            "Too many requests; please wait a moment and try again.",
        ),
        503 => (
            "Back in a moment",
            "The box office is busy right now. Please try again shortly.",
        ),
        _ if status.is_server_error() => (
            "Something went wrong",
            "Sorry, something broke on our side. It has been logged and we'll look into it.",
        ),
        _ => ("Something went wrong", "The request couldn't be completed."),
    }
}
