//! What the editor refuses: invalid events, and everyone who is not an admin.

use boxoffice::db::schema::events;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{attrs, spawn_app, texts};

use super::{PASSWORD, admin, api, create_draft, layout, new_event, row_counts};

#[actix_web::test]
async fn invalid_events_are_refused_with_field_errors_and_change_nothing() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let l = layout(&app, &token).await;
    let before = row_counts(&app);
    let mut bad = new_event(&l);
    bad["title"] = json!("");
    bad["category"] = json!("opera");
    bad["currency"] = json!("eu");
    bad["starts_at"] = json!("2026-01-01T10:00:00Z");
    bad["max_tickets_per_order"] = json!(51);
    bad["section_tiers"] = json!({l.foreign_section.to_string(): 0});
    bad["tiers"] = json!([{"name": "A", "price_cents": -1}]);
    let (status, body) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(bad),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    for field in [
        "title",
        "category",
        "currency",
        "starts_at",
        "max_tickets_per_order",
        "section_tiers",
        "tiers",
    ] {
        assert!(body["errors"][field].is_string(), "{field}: {body}");
    }
    let mut window = new_event(&l);
    window["sales_start_at"] = json!("2027-03-01T10:00:00Z");
    window["sales_end_at"] = json!("2027-05-01T10:00:00Z");
    window["ends_at"] = json!("2027-04-10T18:00:00Z");
    let (status, body) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(window),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["sales_end_at"].is_string(), "{body}");
    assert!(body["errors"]["ends_at"].is_string(), "{body}");
    let mut unmapped = new_event(&l);
    unmapped["section_tiers"] = json!({});
    let (status, body) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(unmapped),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["section_tiers"].is_string());
    assert_eq!(row_counts(&app), before);

    // The form re-renders with the messages beside the fields and the values kept.
    let csrf = app.csrf_token("/admin/events/new").await;
    let venue = l.venue.to_string();
    let res = app
        .post_form(
            "/admin/events",
            &[
                ("csrf_token", &csrf),
                ("title", "Kept title"),
                ("category", "concert"),
                ("venue_id", &venue),
                ("starts_at", "yesterday"),
                ("currency", "EUR"),
                ("max_tickets_per_order", "6"),
                ("tier_name_0", "Front"),
                ("tier_price_0", "abc"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(attrs(&doc, "input#title", "value"), vec!["Kept title"]);
    assert_eq!(texts(&doc, "#starts_at-error").len(), 1);
    assert_eq!(texts(&doc, "#tiers-error").len(), 1);
    assert_eq!(texts(&doc, "#section_tiers-error").len(), 1);
    assert_eq!(row_counts(&app), before);
}

#[actix_web::test]
async fn non_admins_get_403_on_every_editor_page_and_endpoint_and_signed_out_calls_401() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let l = layout(&app, &token).await;
    let id = create_draft(&app, &token, &l).await;

    // A signed-in buyer, in a browser of their own and with a token.
    let user = app.new_browser();
    let csrf_page = user
        .get(app.url("/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_in(&scraper::Html::parse_document(&csrf_page));
    let res = user
        .post(app.url("/register"))
        .header("Origin", &app.address)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    // Registering answers "check your inbox"; the new account then logs in.
    assert_eq!(res.status(), 303);
    assert_eq!(crate::helpers::location(&res), "/register/sent");
    let res = user
        .post(app.url("/login"))
        .header("Origin", &app.address)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let pages = [
        "/admin/events".to_owned(),
        "/admin/events/new".to_owned(),
        format!("/admin/events/sections?venue_id={}", l.venue),
        format!("/admin/events/{id}/edit"),
    ];
    for page in &pages {
        let res = user.get(app.url(page)).send().await.unwrap();
        assert_eq!(res.status(), 403, "{page}");
    }
    let csrf_page = user
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_in(&scraper::Html::parse_document(&csrf_page));
    for action in [
        "/admin/events".to_owned(),
        format!("/admin/events/{id}/edit"),
        format!("/admin/events/{id}/publish"),
        format!("/admin/events/{id}/close"),
        format!("/admin/events/{id}/duplicate"),
    ] {
        let res = user
            .post(app.url(&action))
            .header("Origin", &app.address)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("version", "1"),
                ("title", "Hijacked"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{action}");
    }

    let user_token = {
        let login: Value = app
            .client
            .post(app.url("/api/v1/login"))
            .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        login["token"].as_str().unwrap().to_owned()
    };
    let endpoints = [
        (
            reqwest::Method::GET,
            "/api/v1/admin/events".to_owned(),
            None,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/admin/events".to_owned(),
            Some(new_event(&l)),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/admin/events/{id}"),
            None,
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/admin/events/{id}"),
            Some(json!({"version": 1, "title": "Hijacked"})),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/admin/events/{id}/duplicate"),
            None,
        ),
    ];
    for (method, path, body) in &endpoints {
        let (status, _) = api(&app, Some(&user_token), method.clone(), path, body.clone()).await;
        assert_eq!(status, 403, "{method} {path}");
        let (status, _) = api(&app, None, method.clone(), path, body.clone()).await;
        assert_eq!(status, 401, "{method} {path}");
    }
    let (events_now, title): (i64, String) = app.with_conn(|c| {
        (
            events::table.count().get_result(c).unwrap(),
            events::table
                .filter(events::id.eq(id))
                .select(events::title)
                .first(c)
                .unwrap(),
        )
    });
    assert_eq!(title, "Night of Tests");
    let (_, list) = api(
        &app,
        Some(&token),
        reqwest::Method::GET,
        "/api/v1/admin/events",
        None,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len() as i64, events_now);
    // The refusals sent nothing; Ada's welcome is the only email.
    assert_eq!(app.deliver_emails_listed(), ["welcome ada@example.com"]);
}
