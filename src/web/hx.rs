//! htmx requests: a page handler returns the whole page, or just the fragment htmx asked for.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};

pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers()
        .get("HX-Request")
        .is_some_and(|v| v.as_bytes() == b"true")
        && req.headers().get("HX-History-Restore-Request").is_none()
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
