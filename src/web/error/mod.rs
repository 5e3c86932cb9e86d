//! One error type at the edge. JSON callers get `application/problem+json` (RFC 9457); pages get
//! a styled page, or for htmx a fragment retargeted to the page's message area.

mod from_layers;
pub(crate) use from_layers::NOT_ADMITTED;
mod page;

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

pub use page::render_page_error;

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
    /// Refused for a reason the problem document names in `errors` (a hold without an
    /// admission from the event's waiting room: `errors.queue`).
    #[error("forbidden")]
    ForbiddenBecause(BTreeMap<&'static str, String>),
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
    /// A page of an event whose waiting room is on, without an admission: to the queue page.
    #[error("waiting room")]
    QueueRequired {
        event: crate::domain::ids::EventId,
        htmx: bool,
    },
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
            AppError::Forbidden | AppError::ForbiddenBecause(_) => "Forbidden",
            AppError::Unauthorized(_) => "Unauthorized",
            AppError::Conflict(_) | AppError::ConflictWith { .. } => "Conflict",
            AppError::LoginRequired { .. } => "Login required",
            AppError::QueueRequired { .. } => "Waiting room",
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
            AppError::QueueRequired { .. } => NOT_ADMITTED.to_owned(),
            AppError::TooManyRequests { retry_after } => {
                format!("Too many attempts; try again in {retry_after} seconds.")
            }
            AppError::Validation(errors) | AppError::ForbiddenBecause(errors) => errors
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

/// An error as the API answers it (RFC 9457), `application/problem+json`. Some conflicts add
/// members beside these (`unavailable_seat_ids`, `current_version`…).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Problem<'a> {
    /// Always `about:blank`: `status` and `title` say what happened.
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    /// What happened, in words for people.
    detail: String,
    /// What is wrong, per field (422; a 403 may name `queue` or `account`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    errors: Option<&'a BTreeMap<&'static str, String>>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[schema(ignore)]
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
            AppError::Forbidden | AppError::ForbiddenBecause(_) => StatusCode::FORBIDDEN,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Conflict(_) | AppError::ConflictWith { .. } => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::LoginRequired { htmx: false, .. } => StatusCode::SEE_OTHER,
            AppError::LoginRequired { htmx: true, .. } => StatusCode::OK,
            AppError::QueueRequired { htmx: false, .. } => StatusCode::SEE_OTHER,
            AppError::QueueRequired { htmx: true, .. } => StatusCode::OK,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let redirect = match self {
            AppError::LoginRequired { next, htmx } => Some((
                format!(
                    "/login?{}",
                    serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
                ),
                *htmx,
            )),
            AppError::QueueRequired { event, htmx } => {
                Some((format!("/events/{event}/queue"), *htmx))
            }
            _ => None,
        };
        if let Some((login, htmx)) = redirect {
            // htmx would follow a redirect inside its swap; it gets HX-Redirect instead.
            let header = if htmx { "HX-Redirect" } else { "Location" };
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
            AppError::Validation(errors) | AppError::ForbiddenBecause(errors) => Some(errors),
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
