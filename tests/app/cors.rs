//! Issue 21, item 4: CORS on `/api/v1` only, for the origins `BOXOFFICE_CORS_ORIGINS` lists;
//! never any origin, never credentials.

use reqwest::{Method, Response};

use crate::helpers::{TestApp, spawn_app, spawn_app_configured};

const SHOP: &str = "https://shop.example.org";
const OTHER: &str = "https://evil.example.net";

async fn with_cors() -> TestApp {
    spawn_app_configured(true, |s| {
        s.cors_origins = vec![SHOP.to_owned(), "http://localhost:3000".to_owned()];
    })
    .await
}

async fn preflight(
    app: &TestApp,
    path: &str,
    origin: &str,
    method: &str,
    headers: &str,
) -> Response {
    app.client
        .request(Method::OPTIONS, format!("{}{path}", app.address))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", headers)
        .send()
        .await
        .unwrap()
}

async fn get_from(app: &TestApp, path: &str, origin: &str) -> Response {
    app.client
        .get(format!("{}{path}", app.address))
        .header("Origin", origin)
        .send()
        .await
        .unwrap()
}

fn header<'a>(res: &'a Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).map(|v| v.to_str().unwrap())
}

/// The comma-separated values of a header, lowercased.
fn list(res: &Response, name: &str) -> Vec<String> {
    header(res, name)
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

#[actix_web::test]
async fn a_listed_origin_may_send_the_api_headers_and_read_the_answers() {
    let app = with_cors().await;
    let res = preflight(
        &app,
        "/api/v1/events/1/holds",
        SHOP,
        "POST",
        "authorization, content-type, idempotency-key, queue-token",
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(SHOP));
    assert_eq!(header(&res, "access-control-allow-credentials"), None);
    let allowed = list(&res, "access-control-allow-headers");
    for h in [
        "authorization",
        "content-type",
        "idempotency-key",
        "queue-token",
    ] {
        assert!(
            allowed.contains(&h.to_owned()),
            "{h} not allowed: {allowed:?}"
        );
    }
    let methods = list(&res, "access-control-allow-methods");
    for m in ["get", "post", "put", "patch", "delete"] {
        assert!(
            methods.contains(&m.to_owned()),
            "{m} not allowed: {methods:?}"
        );
    }
    assert!(list(&res, "vary").contains(&"origin".to_owned()));

    let res = get_from(&app, "/api/v1/events", SHOP).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(SHOP));
    assert_eq!(header(&res, "access-control-allow-credentials"), None);
    let exposed = list(&res, "access-control-expose-headers");
    for h in ["retry-after", "location", "etag", "x-request-id"] {
        assert!(
            exposed.contains(&h.to_owned()),
            "{h} not exposed: {exposed:?}"
        );
    }
    // Errors carry the headers too, or the page could not read what went wrong.
    let res = get_from(&app, "/api/v1/me", "http://localhost:3000").await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        header(&res, "access-control-allow-origin"),
        Some("http://localhost:3000")
    );
}

#[actix_web::test]
async fn other_origins_headers_and_the_pages_get_no_cors() {
    let app = with_cors().await;
    // A preflight from an origin not listed is refused, and allows nothing.
    let res = preflight(
        &app,
        "/api/v1/events/1/holds",
        OTHER,
        "POST",
        "authorization",
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    // A simple request from it is answered as without CORS: the browser keeps it from the page.
    let res = get_from(&app, "/api/v1/events", OTHER).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    // A listed origin asking to send a header the API does not take is refused.
    let res = preflight(
        &app,
        "/api/v1/events/1/holds",
        SHOP,
        "POST",
        "x-forwarded-for",
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    // Only the API: the pages and the gateway never answer another origin.
    for path in ["/events", "/login", "/healthz"] {
        let res = get_from(&app, path, SHOP).await;
        assert_eq!(header(&res, "access-control-allow-origin"), None, "{path}");
    }
    let res = preflight(&app, "/login", SHOP, "POST", "content-type").await;
    assert_eq!(header(&res, "access-control-allow-origin"), None);
}

#[actix_web::test]
async fn without_listed_origins_cors_is_off() {
    let app = spawn_app().await;
    let res = preflight(
        &app,
        "/api/v1/events/1/holds",
        SHOP,
        "POST",
        "authorization",
    )
    .await;
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    assert_eq!(header(&res, "access-control-allow-methods"), None);
    let res = get_from(&app, "/api/v1/events", SHOP).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    assert_eq!(header(&res, "access-control-expose-headers"), None);
}
