//! A NUL character in any input is refused with a 422 before a handler runs, and changes
//! nothing (PostgreSQL cannot store one in text: before, these requests were 500s there,
//! found by schemathesis). The same answers on SQLite.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn the_api_refuses_a_nul_in_a_query_or_a_body_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for path in [
        "/api/v1/admin/events?q=a%00b",
        "/api/v1/admin/bookings?q=%00",
        "/api/v1/events?q=%00",
    ] {
        let (status, body) = app.api(Some(&admin), Method::GET, path, None).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert!(body["errors"]["query"].is_string(), "{path}: {body}");
    }
    let (status, body) = app
        .api(
            None,
            Method::POST,
            "/api/v1/login",
            Some(&json!({"email": "a\u{0}@example.com", "password": "whatever it is"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["body"].is_string(), "{body}");

    let (_, list) = app
        .api(Some(&admin), Method::GET, "/api/v1/admin/events", None)
        .await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let before = app
        .api(
            Some(&admin),
            Method::GET,
            &format!("/api/v1/admin/events/{id}"),
            None,
        )
        .await
        .1;
    let (status, _) = app
        .api(
            Some(&admin),
            Method::POST,
            &format!("/api/v1/admin/events/{id}/cancel"),
            Some(&json!({"reason": "storm\u{0}"})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .api(
            Some(&admin),
            Method::PUT,
            &format!("/api/v1/admin/events/{id}/waiting-room"),
            Some(&json!({"enabled": true, "message": "soon\u{0}"})),
        )
        .await;
    assert_eq!(status, 422);
    let after = app
        .api(
            Some(&admin),
            Method::GET,
            &format!("/api/v1/admin/events/{id}"),
            None,
        )
        .await
        .1;
    assert_eq!(before, after, "nothing changed");
    let (_, room) = app
        .api(
            Some(&admin),
            Method::GET,
            &format!("/api/v1/admin/events/{id}/waiting-room"),
            None,
        )
        .await;
    assert_eq!(room["enabled"], false, "{room}");

    // The text `\u0000` (an escaped backslash, then "u0000") is no NUL: a plain 401 here.
    let (status, _) = app
        .api(
            None,
            Method::POST,
            "/api/v1/login",
            Some(&json!({"email": "a\\u0000@example.com", "password": "whatever it is"})),
        )
        .await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn pages_refuse_a_nul_with_a_page_not_a_500() {
    let app = spawn_app().await;
    let browser = &app.client;
    let res = app
        .submit(
            browser,
            "/login",
            "/login",
            &[
                ("email", "a\u{0}@example.com"),
                ("password", "whatever it is"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/html"), "{kind}");
    let res = browser
        .get(format!("{}/events?q=%00", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}
