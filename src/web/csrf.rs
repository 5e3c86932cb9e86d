//! CSRF protection for every state-changing request to the pages: the request must come from
//! this site (`Sec-Fetch-Site`, `Origin`) and present the session's token, as the `csrf_token`
//! form field or the `X-CSRF-Token` header (htmx sends it from `hx-headers` on `<body>`).
//! Otherwise: 403 and the handler never runs; a request with no session at all (its cookie
//! expired or was cleared) is sent to the login page instead, and still never runs. The JSON API authenticates with bearer tokens,
//! not cookies, so it needs no CSRF token.

use actix_session::SessionExt;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpResponse, ResponseError};

use crate::web::error::AppError;
use crate::web::session::{constant_time_eq, expected_csrf_token};
use crate::web::state::AppState;

pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "X-CSRF-Token";

pub async fn protect(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let base_url = req
        .app_data::<Data<AppState>>()
        .map(|s| s.settings.base_url.clone());
    if !same_site(&req, base_url.as_ref()) {
        tracing::warn!(path = req.path(), "cross-site request refused");
        return Ok(req.into_response(forbidden()).map_into_right_body());
    }
    let expected = expected_csrf_token(&req.get_session());
    let mut presented = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if presented.is_none() && is_form(&req) {
        // Read the form to find the token, then put the body back for the handler.
        let body = req.extract::<Bytes>().await?;
        presented = form_token(&body);
        req.set_payload(Payload::from(body));
    }
    let Some(expected) = expected else {
        // No session at all (the cookie expired, was cleared or cannot be read): nobody is
        // signed in, so there is nothing to forge. Send the person to log in, and back to
        // the page they were on, instead of a bare 403 (which htmx would swap into a part
        // of the page). Nothing runs.
        let htmx = crate::web::hx::is_htmx(req.request());
        let next = crate::web::hx::came_from(req.headers(), htmx, "/");
        tracing::info!(
            path = req.path(),
            "request without a session sent to log in"
        );
        let login = AppError::LoginRequired { next, htmx }.error_response();
        return Ok(req.into_response(login).map_into_right_body());
    };
    match (Some(expected), presented) {
        (Some(expected), Some(presented))
            if constant_time_eq(expected.as_bytes(), presented.as_bytes()) =>
        {
            Ok(next.call(req).await?.map_into_left_body())
        }
        _ => {
            tracing::warn!(
                path = req.path(),
                "request without a valid CSRF token refused"
            );
            Ok(req.into_response(forbidden()).map_into_right_body())
        }
    }
}

fn forbidden() -> HttpResponse {
    AppError::Forbidden.error_response()
}

/// `Sec-Fetch-Site` (modern browsers) or `Origin` must say the request came from this site.
fn same_site(req: &ServiceRequest, base_url: Option<&url::Url>) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("Sec-Fetch-Site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Non-browser clients send no Origin; the token still has to match.
        return true;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    let host_matches = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|host| {
            origin
                .host_str()
                .is_some_and(|h| authority(h, origin.port()) == host)
        });
    let base_matches = base_url.is_some_and(|b| b.origin() == origin.origin());
    host_matches || base_matches
}

fn authority(host: &str, port: Option<u16>) -> String {
    match port {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn is_form(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

fn form_token(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == FORM_FIELD)
        .map(|(_, v)| v.into_owned())
}
