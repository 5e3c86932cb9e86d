//! `/register`, `/login`, `POST /logout` (API.md form fields).

mod signin;
mod signup;

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::html_with_status;
use crate::domain::catalogue::FieldErrors;
use crate::domain::redirect::safe_next;
use crate::web::error::AppError;
use crate::web::rate_limit::RetryAfter;
pub(super) use signin::start_session;
use signin::{login, login_page, logout};
use signup::{register, register_page, register_sent};

/// A form's submitted values (never the password) and its messages.
#[derive(Debug, Default)]
pub struct FormState {
    values: BTreeMap<&'static str, String>,
    pub errors: FieldErrors,
}

impl FormState {
    pub fn set(&mut self, field: &'static str, value: &str) {
        self.values.insert(field, value.to_owned());
    }

    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn with_next(next: Option<&str>) -> FormState {
    let mut form = FormState::default();
    if let Some(next) = next.and_then(safe_next) {
        form.values.insert("next", next);
    }
    form
}

pub(super) fn too_many(wait: RetryAfter) -> String {
    format!(
        "Too many attempts. Please wait {} seconds and try again.",
        wait.0
    )
}

/// The form again, with 429 and `Retry-After`.
pub(super) fn throttled(
    wait: RetryAfter,
    rendered: askama::Result<String>,
) -> Result<HttpResponse, AppError> {
    let mut response = html_with_status(StatusCode::TOO_MANY_REQUESTS, rendered)?;
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(wait.0),
    );
    Ok(response)
}

/// 303 to a same-site path (already checked), or home.
pub fn see_other(next: &str) -> HttpResponse {
    let target = if next.is_empty() { "/" } else { next };
    HttpResponse::SeeOther()
        .insert_header((LOCATION, target))
        .finish()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(register_page)
        .service(register_sent)
        .service(register)
        .service(login_page)
        .service(login)
        .service(logout);
}
