//! Security headers on every response, errors, redirects and fragments included
//! (ARCHITECTURE §7).

use actix_web::middleware::DefaultHeaders;

/// No inline script or style; htmx is served from `/static`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// `https`: the site is served over TLS (its base URL is https), so browsers are told to
/// insist on it.
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
        .add(("X-Frame-Options", "DENY"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ));
    if https {
        headers.add((
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        headers
    }
}

/// Pages are never kept by a shared cache (a balancer's, a proxy's): every one carries this
/// visitor's session and CSRF token. Anonymous pages are `Cache-Control: private, no-cache`
/// (the browser may keep them but asks again before showing them); pages drawn for a
/// signed-in person (their name in the header, their bookings, an admin's tables) are
/// `no-store`, so after logging out the back button asks the server again instead of showing
/// them from the back/forward cache. A response that set its own `Cache-Control` keeps it.
pub async fn pages_are_private(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
    let mut res = next.call(req).await?;
    if res.headers().contains_key(CACHE_CONTROL) {
        return Ok(res);
    }
    let signed_in = res
        .request()
        .extensions()
        .get::<crate::web::auth::PageContext>()
        .is_some_and(|ctx| ctx.layout.user.is_some());
    let html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let value = match (signed_in, html) {
        (true, _) => "no-store",
        (false, true) => "private, no-cache",
        (false, false) => return Ok(res),
    };
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(value));
    Ok(res)
}

/// Whether an API request may get a cacheable answer: only the public catalogue (reading
/// `/api/v1/events…` or `/api/v1/venues…` without credentials). Everything else (the login
/// token, `/me`, bookings, payments, admin) is private.
fn api_answer_is_public(req: &actix_web::HttpRequest) -> bool {
    use actix_web::http::{Method, header::AUTHORIZATION};
    let path = req.path();
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !req.headers().contains_key(AUTHORIZATION)
        && (path.starts_with("/api/v1/events") || path.starts_with("/api/v1/venues"))
}

/// `Cache-Control: no-store` on every private `/api/v1` answer, so no browser or proxy keeps a
/// bearer token, a user's details or their bookings.
pub async fn no_store_private_api(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
    let public = api_answer_is_public(req.request());
    let mut res = next.call(req).await?;
    if !public {
        res.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
