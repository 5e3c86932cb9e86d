//! htmx requests: a page handler returns the whole page, or just the fragment htmx asked for.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};

pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers()
        .get("HX-Request")
        .is_some_and(|v| v.as_bytes() == b"true")
        && req.headers().get("HX-History-Restore-Request").is_none()
}

/// The page (path and query) a request was made from: for htmx, the page it was sent from
/// (`HX-Current-URL`), else the `Referer`, else `fallback`. Where to come back to after logging
/// in; [`crate::domain::redirect::safe_next`] still vets it there.
pub fn came_from(
    headers: &actix_web::http::header::HeaderMap,
    htmx: bool,
    fallback: &str,
) -> String {
    let name = if htmx { "HX-Current-URL" } else { "Referer" };
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|raw| url::Url::parse(raw).ok())
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
        .unwrap_or_else(|| fallback.to_owned())
}

/// Whether the request came from htmx (and so wants a fragment), not a history restore.
#[derive(Debug, Clone, Copy)]
pub struct HxRequest(pub bool);

impl FromRequest for HxRequest {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(HxRequest(is_htmx(req))))
    }
}
