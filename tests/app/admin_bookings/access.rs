//! Only admins reach the bookings pages and API.

use serde_json::json;

use crate::helpers::spawn_app;

use super::{PASSWORD, api, booking_status, buyer_named, emails_about, paid, two_events};

#[actix_web::test]
async fn only_admins_reach_the_bookings_pages_and_api() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (_, reference) = paid(&app, &ada, event).await;
    let api_paths = [
        (reqwest::Method::GET, "/api/v1/admin/bookings".to_owned()),
        (
            reqwest::Method::GET,
            format!("/api/v1/admin/bookings/{reference}"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/admin/bookings/{reference}/refund"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/admin/bookings/{reference}/resend"),
        ),
    ];
    for (method, path) in &api_paths {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .json(&json!({"reason": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{method} {path} signed out");
        let (status, _) = api(
            &app,
            &ada.token,
            method.clone(),
            path,
            Some(json!({"reason": "x"})),
        )
        .await;
        assert_eq!(status, 403, "{method} {path} as a buyer");
    }
    let pages = [
        "/admin/bookings".to_owned(),
        format!("/admin/bookings/{reference}"),
        format!("/admin/events/{event}/attendees.csv"),
    ];
    let posts = [
        format!("/admin/bookings/{reference}/refund"),
        format!("/admin/bookings/{reference}/resend"),
    ];
    // Signed out: sent to log in (pages have no 401; the guard redirects).
    let browser = app.new_browser();
    for path in &pages {
        let res = browser.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );
    }
    for path in &posts {
        let res = app
            .submit(
                &browser,
                "/login",
                path,
                &[("reason", "x"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(res.status(), 303, "{path}");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );
    }
    // Signed in as a buyer: refused.
    let token = browser
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&token);
    let csrf = crate::helpers::csrf_in(&doc);
    let res = browser
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    for path in &pages {
        assert_eq!(
            browser.get(app.url(path)).send().await.unwrap().status(),
            403,
            "{path}"
        );
    }
    for path in &posts {
        let res = app
            .submit(
                &browser,
                "/account",
                path,
                &[("reason", "x"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(res.status(), 403, "{path}");
    }
    assert_eq!(booking_status(&app, &reference), "paid");
    assert_eq!(emails_about(&app, &reference, "booking_confirmed"), 1);
}
