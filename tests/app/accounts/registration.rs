//! Registering through the form: signed in after, every bad field explained.

use boxoffice::db::schema::users;
use diesel::prelude::*;

use crate::helpers::{attrs, spawn_app, texts};

use super::{PASSWORD, session_cookie};

#[actix_web::test]
async fn a_visitor_registers_is_signed_in_and_can_log_out_and_in_again() {
    let app = spawn_app().await;
    let res = app
        .register("Ada Lovelace", "Ada@Example.com", PASSWORD)
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let cookie = session_cookie(&res).expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http in tests");

    let (_, home) = app.get_html("/").await;
    assert_eq!(texts(&home, "#signed-in-as"), vec!["Ada Lovelace"]);
    // Pages drawn for a signed-in person are not kept by the browser (the back button after
    // logging out asks again); the same pages for a visitor may be, by the browser only
    // (issue 19: a page carries its session's CSRF token, so no shared cache may keep it).
    for path in ["/", "/account", "/account/bookings"] {
        let res = app.get(path).await;
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    assert!(
        app.new_browser()
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .headers()
            .get("cache-control")
            .is_some_and(|v| v == "private, no-cache")
    );
    let stored: (String, String) = app.with_conn(|c| {
        users::table
            .filter(users::name.eq("Ada Lovelace"))
            .select((users::email, users::password_hash))
            .first(c)
            .unwrap()
    });
    assert_eq!(stored.0, "ada@example.com", "emails are stored lower-cased");
    assert!(stored.1.starts_with("$2") && !stored.1.contains(PASSWORD));

    let token = attrs(
        &home,
        "form[action='/logout'] input[name=csrf_token]",
        "value",
    )[0]
    .clone();
    let res = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), 303);
    let (_, home) = app.get_html("/").await;
    assert!(texts(&home, "#signed-in-as").is_empty());

    // Emails compare case-insensitively.
    let res = app.login("ADA@example.COM", PASSWORD).await;
    assert_eq!(res.status(), 303);
    let (_, home) = app.get_html("/").await;
    assert_eq!(texts(&home, "#signed-in-as"), vec!["Ada Lovelace"]);
}

#[actix_web::test]
async fn registration_explains_every_bad_field_and_keeps_the_input() {
    let app = spawn_app().await;
    let res = app.register("", "not-an-email", "short").await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(texts(&doc, "#name-error"), vec!["Enter your name."]);
    assert_eq!(
        texts(&doc, "#email-error"),
        vec!["Enter an email address like name@example.com."]
    );
    assert_eq!(
        texts(&doc, "#password-error"),
        vec!["Use at least 10 characters."]
    );
    assert_eq!(attrs(&doc, "#email", "value"), vec!["not-an-email"]);
    assert_eq!(
        attrs(&doc, "#password", "value"),
        vec![""],
        "passwords are never echoed"
    );

    let res = app.register("Ada", "ada@example.com", "password123").await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        texts(&doc, "#password-error"),
        vec!["That password is too common; choose another."]
    );

    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let other = app.new_browser();
    let (_, doc) = (
        200,
        scraper::Html::parse_document(
            &other
                .get(app.url("/register"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        ),
    );
    let token = crate::helpers::csrf_in(&doc);
    let res = other
        .post(app.url("/register"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", "Impostor"),
            ("email", "ADA@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    // The same answer as for a new address: nothing says the address has an account, and the
    // impostor is not signed in; its owner gets an email instead.
    assert_eq!(res.status(), 303);
    assert_eq!(crate::helpers::location(&res), "/register/sent");
    let res = other.get(app.url("/register/sent")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let taken = scraper::Html::parse_document(&res.text().await.unwrap());
    assert!(texts(&taken, "#email-error").is_empty());
    assert!(texts(&taken, "#signed-in-as").is_empty());
    let newcomer = app.new_browser();
    let fresh = app
        .submit(
            &newcomer,
            "/register",
            "/register",
            &[
                ("name", "Newcomer"),
                ("email", "new@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(fresh.status(), 303);
    assert_eq!(crate::helpers::location(&fresh), "/register/sent");
    let fresh = newcomer
        .get(app.url("/register/sent"))
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), 200);
    let fresh = scraper::Html::parse_document(&fresh.text().await.unwrap());
    assert_eq!(
        texts(&taken, "#register-sent")[0].replace("ada@example.com", "X"),
        texts(&fresh, "#register-sent")[0].replace("new@example.com", "X")
    );
    // The page knows the address from the registering browser's session only: another
    // browser reaching it is sent to the form.
    let res = app
        .new_browser()
        .get(app.url("/register/sent"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(crate::helpers::location(&res), "/register");
    let notices: Vec<String> = app.with_conn(|c| {
        boxoffice::db::outbox::list(c, None, 100, 0)
            .unwrap()
            .into_iter()
            .filter(|r| r.kind == "registration_attempt")
            .map(|r| r.recipient)
            .collect()
    });
    assert_eq!(notices, vec!["ada@example.com".to_owned()]);
    let count: i64 = app.with_conn(|c| {
        users::table
            .filter(users::email.eq("ada@example.com"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(count, 1);
    // The owner of the taken address is told someone tried it; the newcomer is welcomed.
    assert_eq!(
        app.deliver_emails_listed(),
        [
            "registration_attempt ada@example.com",
            "welcome new@example.com"
        ]
    );
}
