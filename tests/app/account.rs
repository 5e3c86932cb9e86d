//! The account pages: details, email, password, log out everywhere, my bookings.

use boxoffice::db::schema::{audit_log, users};
use diesel::prelude::*;

use crate::helpers::{TestApp, attrs, spawn_app, texts};

const PASSWORD: &str = "correct horse battery";

async fn signed_in_app() -> TestApp {
    let app = spawn_app().await;
    assert_eq!(
        app.register("Ada Lovelace", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    app
}

/// Another browser, logged in as Ada too.
async fn second_browser(app: &TestApp) -> reqwest::Client {
    let browser = app.new_browser();
    let res = app
        .submit(
            &browser,
            "/login",
            "/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303);
    browser
}

async fn is_signed_in(app: &TestApp, browser: &reqwest::Client) -> bool {
    let page = browser.get(app.url("/account")).send().await.unwrap();
    page.status() == 200
}

async fn post_account(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = app.csrf_token("/account").await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all).await
}

#[actix_web::test]
async fn account_pages_send_visitors_to_log_in_and_back() {
    let app = spawn_app().await;
    let res = app.get("/account/bookings").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Faccount%2Fbookings"
    );
    let res = app.get_htmx("/account").await;
    assert_eq!(res.headers()["hx-redirect"], "/login?next=%2Faccount");
    let (_, login) = app.get_html("/login?next=%2Faccount%2Fbookings").await;
    assert_eq!(
        attrs(&login, "input[name=next]", "value"),
        vec!["/account/bookings"]
    );
}

#[actix_web::test]
async fn the_name_and_email_change_and_the_email_needs_the_password() {
    let app = signed_in_app().await;
    let res = post_account(&app, "/account/name", &[("name", "Ada King")]).await;
    assert_eq!(res.status(), 303);
    let (_, doc) = app.get_html("/account").await;
    assert_eq!(texts(&doc, "#flash"), vec!["Your name was saved."]);
    assert_eq!(texts(&doc, "#signed-in-as"), vec!["Ada King"]);
    let (_, doc) = app.get_html("/account").await;
    assert!(texts(&doc, "#flash").is_empty(), "a notice shows once");

    let res = post_account(&app, "/account/name", &[("name", "  ")]).await;
    assert_eq!(res.status(), 422);

    let res = post_account(
        &app,
        "/account/email",
        &[
            ("email", "ada@king.example"),
            ("email_password", "wrong password"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        texts(&doc, "#email_password-error"),
        vec!["That is not your current password."]
    );
    assert_eq!(attrs(&doc, "#email", "value"), vec!["ada@king.example"]);

    // Someone else's address is refused.
    let other = app.new_browser();
    app.submit(
        &other,
        "/register",
        "/register",
        &[
            ("name", "Bob"),
            ("email", "bob@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let res = post_account(
        &app,
        "/account/email",
        &[("email", "BOB@example.com"), ("email_password", PASSWORD)],
    )
    .await;
    assert_eq!(res.status(), 422);

    let res = post_account(
        &app,
        "/account/email",
        &[("email", "Ada@King.example"), ("email_password", PASSWORD)],
    )
    .await;
    assert_eq!(res.status(), 303);
    let email: String = app.with_conn(|c| {
        users::table
            .filter(users::name.eq("Ada King"))
            .select(users::email)
            .first(c)
            .unwrap()
    });
    assert_eq!(email, "ada@king.example");
    // Bob is welcomed; the old address is told of the change and the new one asked to confirm.
    assert_eq!(
        app.deliver_emails_listed(),
        [
            "welcome bob@example.com",
            "email_changed ada@example.com",
            "verify_email ada@king.example"
        ]
    );
}

#[actix_web::test]
async fn a_password_change_ends_other_sessions_but_not_this_one() {
    let app = signed_in_app().await;
    let other = second_browser(&app).await;
    assert!(is_signed_in(&app, &other).await);

    let res = post_account(
        &app,
        "/account/password",
        &[
            ("current_password", "nope nope nope"),
            ("new_password", "a brand new passphrase"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(is_signed_in(&app, &other).await, "nothing changed");
    let res = post_account(
        &app,
        "/account/password",
        &[("current_password", PASSWORD), ("new_password", "short")],
    )
    .await;
    assert_eq!(res.status(), 422);

    let res = post_account(
        &app,
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "a brand new passphrase"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(
        is_signed_in(&app, &app.client).await,
        "this session carries on"
    );
    assert!(
        !is_signed_in(&app, &other).await,
        "the copied cookie of the other device is dead"
    );
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        422,
        "the old password is gone"
    );
    assert_eq!(
        app.login("ada@example.com", "a brand new passphrase")
            .await
            .status(),
        303
    );
    let audited: i64 = app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::action.eq("user.password_changed"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(audited, 1);
    // Ada is told her password changed.
    assert_eq!(
        app.deliver_emails_listed(),
        ["password_changed ada@example.com"]
    );
}

#[actix_web::test]
async fn log_out_everywhere_ends_every_session() {
    let app = signed_in_app().await;
    let other = second_browser(&app).await;
    let res = post_account(&app, "/account/logout-everywhere", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    assert!(!is_signed_in(&app, &app.client).await);
    assert!(!is_signed_in(&app, &other).await);
}

#[actix_web::test]
async fn my_bookings_lists_the_users_bookings_newest_first() {
    let app = signed_in_app().await;
    let (_, doc) = app.get_html("/account/bookings").await;
    assert_eq!(
        texts(&doc, "#no-bookings p").first().map(String::as_str),
        Some("You have no bookings yet.")
    );

    // Two bookings of Ada's (written directly: holds and checkout come with the booking core),
    // and one of somebody else's, which she must not see.
    app.with_conn(|c| {
        let ada: i64 = users::table.filter(users::email.eq("ada@example.com")).select(users::id).first(c).unwrap();
        let someone: i64 = users::table.filter(users::email.ne("ada@example.com")).select(users::id).first(c).unwrap();
        let event: i64 = boxoffice::db::schema::events::table.select(boxoffice::db::schema::events::id).first(c).unwrap();
        // (A buyer has one pending booking per event: the older one has expired.)
        for (reference, user, at, status) in [("ADA00001", ada, "2027-01-10 10:00:00", "expired"), ("ADA00002", ada, "2027-01-20 10:00:00", "pending"), ("NOTADA01", someone, "2027-01-25 10:00:00", "pending")] {
            diesel::sql_query(format!(
                "INSERT INTO bookings (reference, user_id, event_id, status, total_cents, currency, expires_at, created_at, updated_at) \
                 VALUES ('{reference}', {user}, {event}, '{status}', 9000, 'GBP', '{at}', '{at}', '{at}')"
            ))
            .execute(c)
            .unwrap();
        }
    });
    let (_, doc) = app.get_html("/account/bookings").await;
    assert_eq!(
        attrs(&doc, "#bookings tbody tr", "data-reference"),
        vec!["ADA00002", "ADA00001"]
    );
    assert_eq!(texts(&doc, "#bookings td.amount"), vec!["£90.00", "£90.00"]);
}

/// The session cookie a response set, as `name=value`.
fn cookie_of(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("boxoffice_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

#[actix_web::test]
async fn a_copied_cookie_dies_with_log_out_everywhere_and_with_a_password_change() {
    let app = spawn_app().await;
    // Registers, then logs in: the login's answer carries the session cookie.
    let res = app.register("Ada", "ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), 303);
    let copied = cookie_of(&res);
    let replay = |cookie: String| {
        let url = app.url("/account");
        async move {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(url)
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        replay(copied.clone()).await,
        200,
        "the copy works while the session lives"
    );
    assert_eq!(
        post_account(&app, "/account/logout-everywhere", &[])
            .await
            .status(),
        303
    );
    assert_eq!(replay(copied).await, 303, "dead after log out everywhere");

    let res = app.login("ada@example.com", PASSWORD).await;
    let copied = cookie_of(&res);
    assert_eq!(replay(copied.clone()).await, 200);
    let res = post_account(
        &app,
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "a brand new passphrase"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(replay(copied).await, 303, "dead after a password change");
    // Ada is told her password changed.
    assert_eq!(
        app.deliver_emails_listed(),
        ["password_changed ada@example.com"]
    );
}

#[actix_web::test]
async fn a_csrf_token_from_before_logging_in_is_stale() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let signed_in_token = app.csrf_token("/account").await;
    // Log out and in again: the session (and its token) are new.
    app.post_form("/logout", &[("csrf_token", &signed_in_token)])
        .await;
    let anonymous_token = app.csrf_token("/login").await;
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 303);
    for stale in [&anonymous_token, &signed_in_token] {
        let res = app
            .post_form(
                "/account/name",
                &[("csrf_token", stale), ("name", "Mallory")],
            )
            .await;
        assert_eq!(res.status(), 403);
    }
    let name: String = app.with_conn(|c| {
        users::table
            .filter(users::email.eq("ada@example.com"))
            .select(users::name)
            .first(c)
            .unwrap()
    });
    assert_eq!(name, "Ada");
}

#[actix_web::test]
async fn checks_of_the_current_password_are_limited_per_account() {
    let app = signed_in_app().await;
    // Five wrong guesses through either form…
    for i in 0..5 {
        let res = if i % 2 == 0 {
            post_account(
                &app,
                "/account/password",
                &[
                    ("current_password", "a wrong guess"),
                    ("new_password", "a brand new password"),
                ],
            )
            .await
        } else {
            post_account(
                &app,
                "/account/email",
                &[
                    ("email", "ada@king.example"),
                    ("email_password", "a wrong guess"),
                ],
            )
            .await
        };
        assert_eq!(res.status(), 422, "guess {i}");
    }
    // …then even the right password waits, with the form shown again.
    let res = post_account(
        &app,
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "a brand new password"),
        ],
    )
    .await;
    assert_eq!(res.status(), 429);
    let wait: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert!(texts(&doc, "#current_password-error")[0].starts_with("Too many attempts"));
    let res = post_account(
        &app,
        "/account/email",
        &[("email", "ada@king.example"), ("email_password", PASSWORD)],
    )
    .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert!(texts(&doc, "#email_password-error")[0].starts_with("Too many attempts"));
    assert_eq!(attrs(&doc, "#email", "value"), vec!["ada@king.example"]);
    // Nothing changed; after the wait the right password works.
    app.clock.advance(chrono::TimeDelta::seconds(wait));
    let res = post_account(
        &app,
        "/account/email",
        &[("email", "ada@king.example"), ("email_password", PASSWORD)],
    )
    .await;
    assert_eq!(res.status(), 303);
    // Only the change that went through is emailed about.
    assert_eq!(
        app.deliver_emails_listed(),
        [
            "email_changed ada@example.com",
            "verify_email ada@king.example"
        ]
    );
}
