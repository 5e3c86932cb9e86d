//! Cross-origin calls to `/api/v1` from the browser pages of other sites (issue 21), off unless
//! `BOXOFFICE_CORS_ORIGINS` lists origins.
//!
//! Only the listed origins are answered, never "any origin", and never with credentials: the
//! API authenticates with `Authorization: Bearer`, which a page of another site can only send
//! if it holds the token, so cookies have no part in it and `Access-Control-Allow-Credentials`
//! is never sent. A request from an origin not listed is served as if CORS were off (no
//! `Access-Control-*` header; the browser keeps the answer from the page); a preflight from one
//! is refused with a 400.

use actix_cors::Cors;
use actix_web::http::{Method, header};

/// Request headers a cross-origin page may send, besides the CORS-safelisted ones.
pub const ALLOWED_HEADERS: [&str; 5] = [
    "authorization",
    "content-type",
    "idempotency-key",
    "queue-token",
    "if-none-match",
];

/// Response headers a cross-origin page may read, besides the CORS-safelisted ones.
pub const EXPOSED_HEADERS: [&str; 4] = ["retry-after", "location", "etag", "x-request-id"];

/// How long a browser may keep a preflight's answer (seconds).
const PREFLIGHT_MAX_AGE: usize = 3600;

/// The middleware for `/api/v1`, or `None` when no origin is listed.
pub fn for_api(origins: &[String]) -> Option<Cors> {
    if origins.is_empty() {
        return None;
    }
    let cors = origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers(ALLOWED_HEADERS.map(header::HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(header::HeaderName::from_static))
        .max_age(PREFLIGHT_MAX_AGE);
    Some(cors)
}
