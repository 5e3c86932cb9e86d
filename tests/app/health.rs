//! Health, headers, and error pages.

use sha2::{Digest, Sha256};

use crate::helpers::{spawn_app, texts};

#[actix_web::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "ok");
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[actix_web::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    let mut responses = Vec::new();
    for path in [
        "/",
        "/events",
        "/nope",
        "/api/v1/events/0",
        "/static/css/app.css",
        "/account",
    ] {
        responses.push((path.to_owned(), app.get(path).await));
    }
    // htmx fragments, and errors rendered as fragments.
    for path in ["/events?category=comedy", "/nope"] {
        responses.push((format!("htmx {path}"), app.get_htmx(path).await));
    }
    // A refused form.
    responses.push((
        "refused POST".to_owned(),
        app.post_form("/logout", &[]).await,
    ));
    for (what, res) in responses {
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{what}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert!(h.contains_key("referrer-policy"), "{what}");
        assert!(!h["x-request-id"].to_str().unwrap().is_empty(), "{what}");
    }
}

#[actix_web::test]
async fn unknown_pages_get_a_styled_404_and_htmx_a_fragment() {
    let app = spawn_app().await;
    let (status, doc) = app.get_html("/no/such/page").await;
    assert_eq!(status, 404);
    assert_eq!(texts(&doc, "#error-title"), vec!["Page not found"]);
    assert_eq!(
        texts(&doc, "header .brand"),
        vec!["boxoffice"],
        "the site layout"
    );

    let res = app.get_htmx("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["hx-retarget"], "#messages");
    let body = res.text().await.unwrap();
    assert!(!body.contains("<html"));
    assert!(body.contains("notice-error"));
}

#[actix_web::test]
async fn vendored_htmx_is_served_locally_with_its_checksum() {
    let app = spawn_app().await;
    let versions = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/static/vendor/VERSIONS"
    ))
    .unwrap();
    let mut checked = 0;
    for line in versions
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (file, sha) = (parts[0], parts[parts.len() - 1]);
        let res = app.get(&format!("/static/vendor/{file}")).await;
        assert_eq!(res.status(), 200, "{file}");
        let bytes = res.bytes().await.unwrap();
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, sha, "{file} matches VERSIONS");
        checked += 1;
    }
    assert_eq!(checked, 2);
}

/// Whether `body` shows the database's error about the renamed `venues` table (SQLite: "no
/// such table: venues"; PostgreSQL: `relation "venues" does not exist`) or the statement. Not
/// the bare word: every page's menu links `/venues`.
fn leaks_sql(body: &str) -> bool {
    [
        "no such table",
        "does not exist",
        "relation",
        "venues_gone",
        "SELECT",
        "\"venues\"",
    ]
    .iter()
    .any(|s| body.contains(s))
}

#[actix_web::test]
async fn a_broken_database_gives_a_styled_500_that_leaks_nothing() {
    use boxoffice::db::DbError;
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    app.db
        .write(|c| {
            diesel::sql_query("ALTER TABLE venues RENAME TO venues_gone")
                .execute(c)
                .map_err(DbError::Query)
        })
        .unwrap();
    let (status, doc) = app.get_html("/events").await;
    assert_eq!(status, 500);
    assert_eq!(texts(&doc, "#error-title"), vec!["Something went wrong"]);
    let body = doc.html();
    assert!(!leaks_sql(&body), "no SQL in the page");

    let res = app.get("/api/v1/events").await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body = res.text().await.unwrap();
    assert!(!leaks_sql(&body), "no SQL in the problem: {body}");

    let res = app.get_htmx("/events?q=x").await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.headers()["hx-retarget"], "#messages");
    // The process itself is fine.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[actix_web::test]
async fn over_https_cookies_are_secure_and_browsers_are_told_to_stay_on_https() {
    let app = crate::helpers::spawn_app_configured(false, |s| {
        s.base_url = url::Url::parse("https://tickets.example").unwrap();
    })
    .await;
    let res = app.get("/login").await;
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    // Redirects carry the headers too.
    let res = app.get("/account").await;
    assert_eq!(res.status(), 303);
    assert!(res.headers().contains_key("strict-transport-security"));
    assert!(res.headers().contains_key("content-security-policy"));
    // Plain http gets no HSTS.
    let plain = spawn_app().await;
    assert!(
        !plain
            .get("/")
            .await
            .headers()
            .contains_key("strict-transport-security")
    );
}
