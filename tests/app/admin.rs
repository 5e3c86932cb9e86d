//! The admin guard in front of /admin and /api/v1/admin.

use crate::helpers::{spawn_app, texts};

const PASSWORD: &str = "correct horse battery";

async fn api_token(app: &crate::helpers::TestApp, email: &str) -> String {
    let res = app
        .client
        .post(app.url("/api/v1/login"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn admin_pages_need_an_admin() {
    let app = spawn_app().await;
    let res = app.get("/admin").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2Fadmin");

    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let (status, doc) = app.get_html("/admin").await;
    assert_eq!(status, 403);
    assert_eq!(texts(&doc, "#error-title"), vec!["Not allowed"]);
    let (_, home) = app.get_html("/").await;
    assert!(texts(&home, "#admin-link").is_empty());

    app.create_admin("boss@example.com", PASSWORD);
    assert_eq!(app.login("boss@example.com", PASSWORD).await.status(), 303);
    let (status, doc) = app.get_html("/admin").await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "[data-count=upcoming]"), vec!["21"]);
    assert_eq!(texts(&doc, "[data-count=drafts]"), vec!["1"]);
    let (_, home) = app.get_html("/").await;
    assert_eq!(texts(&home, "#admin-link"), vec!["Box office"]);
}

#[actix_web::test]
async fn the_admin_api_needs_an_admin_token() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/admin/venues").await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["content-type"], "application/problem+json");

    app.client
        .post(app.url("/api/v1/register"))
        .json(&serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let user = api_token(&app, "ada@example.com").await;
    let res = app
        .client
        .get(app.url("/api/v1/admin/venues"))
        .bearer_auth(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Unknown admin routes are refused before anything else is said about them.
    let res = app
        .client
        .get(app.url("/api/v1/admin/nothing"))
        .bearer_auth(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    app.create_admin("boss@example.com", PASSWORD);
    let admin = api_token(&app, "boss@example.com").await;
    let res = app
        .client
        .get(app.url("/api/v1/admin/venues"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let venues = body["items"].as_array().unwrap();
    assert_eq!(venues.len(), 6);
    let arena = venues
        .iter()
        .find(|v| v["name"] == "Thamesgate Arena")
        .unwrap();
    assert_eq!(arena["capacity"], 20_010);
    assert!(
        arena["sections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["kind"] == "seated")
    );
    let club = venues.iter().find(|v| v["city"] == "Berlin").unwrap();
    assert!(
        club["sections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["kind"] == "standing" && s["capacity"].as_i64().unwrap() > 0)
    );
    for v in venues {
        let total: i64 = v["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["capacity"].as_i64().unwrap())
            .sum();
        assert_eq!(v["capacity"].as_i64().unwrap(), total);
    }
}
