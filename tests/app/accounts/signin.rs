//! Signing in: the same answer for a wrong password and an unknown email, safe next paths, throttling.

use boxoffice::db::schema::audit_log;
use diesel::prelude::*;

use crate::helpers::{attrs, spawn_app, texts};

use super::api::post_json;
use super::{PASSWORD, session_cookie};

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let browser = app.new_browser();
    let mut bodies = Vec::new();
    for (email, password) in [
        ("ada@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
    ] {
        let res = app
            .submit(
                &browser,
                "/login",
                "/login",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert!(!res.headers().contains_key("location"));
        let doc = scraper::Html::parse_document(&res.text().await.unwrap());
        bodies.push(texts(&doc, "#login-error"));
    }
    assert_eq!(bodies[0], vec!["Wrong email or password."]);
    assert_eq!(bodies[0], bodies[1]);
    // Neither attempt signed the browser in.
    let account = browser.get(app.url("/account")).send().await.unwrap();
    assert_eq!(account.status(), 303);
    assert!(crate::helpers::location(&account).starts_with("/login"));
    // Both attempts are audited, without the password.
    let failures: Vec<String> = app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::action.eq("login.failed"))
            .select(audit_log::detail)
            .load(c)
            .unwrap()
    });
    assert_eq!(failures.len(), 2);
    assert!(
        failures
            .iter()
            .all(|d| !d.contains("wrong password") && !d.contains("example.com"))
    );
}

#[actix_web::test]
async fn logging_in_renews_the_session_cookie_and_follows_only_safe_next_paths() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let browser = app.new_browser();
    let res = browser
        .get(app.url("/login?next=/events/3"))
        .send()
        .await
        .unwrap();
    let before = session_cookie(&res).expect("an anonymous session with a CSRF token");
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    let token = crate::helpers::csrf_in(&doc);
    assert_eq!(attrs(&doc, "input[name=next]", "value"), vec!["/events/3"]);
    let res = browser
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("next", "/events/3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/events/3");
    let after = session_cookie(&res).expect("a new cookie");
    assert_ne!(before.split(';').next(), after.split(';').next());

    let (_, doc) = app.get_html("/login?next=https://evil.example/").await;
    assert_eq!(attrs(&doc, "input[name=next]", "value"), vec![""]);
}

#[actix_web::test]
async fn repeated_failures_are_throttled_and_the_owner_gets_back_in_after_the_window() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let guesser = app.new_browser();
    let page = guesser
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = crate::helpers::csrf_in(&scraper::Html::parse_document(&page));
    let guess = |password: &'static str| {
        let (guesser, token) = (guesser.clone(), token.clone());
        let url = app.url("/login");
        async move {
            guesser
                .post(url)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("email", "ada@example.com"),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // The account's burst is 10 attempts.
    for _ in 0..10 {
        assert_eq!(guess("not the password").await.status(), 422);
    }
    let res = guess("not the password").await;
    assert_eq!(res.status(), 429);
    let wait: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=90).contains(&wait), "{wait}");
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert!(texts(&doc, "#login-error")[0].starts_with("Too many attempts"));
    // Even the right password waits: the check comes before the password is looked at.
    assert_eq!(guess(PASSWORD).await.status(), 429);
    // The API shares the limit.
    let res = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(res.headers()["content-type"], "application/problem+json");

    app.clock.advance(chrono::TimeDelta::seconds(wait));
    assert_eq!(
        guess(PASSWORD).await.status(),
        303,
        "back in after the window"
    );
}
