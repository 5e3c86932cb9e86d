//! Registering, logging in and out, and the CSRF guard on every form.

use boxoffice::db::schema::{audit_log, users};
use diesel::prelude::*;

use crate::helpers::{attrs, spawn_app, texts};

const PASSWORD: &str = "correct horse battery";

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("boxoffice_session="))
        .map(str::to_owned)
}

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
    // logging out asks again); the same pages for a visitor may be.
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
            .is_none()
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
}

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
async fn forms_without_a_valid_token_or_from_another_site_are_refused() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let token = app.csrf_token("/").await;
    let signed_in = |doc: &scraper::Html| !texts(doc, "#signed-in-as").is_empty();

    // No token, a wrong token, and a token from another session.
    let other = app.new_browser();
    let other_page = other
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let other_token = crate::helpers::csrf_in(&scraper::Html::parse_document(&other_page));
    for fields in [
        vec![],
        vec![("csrf_token", "0".repeat(64))],
        vec![("csrf_token", other_token)],
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app.post_form("/logout", &fields).await;
        assert_eq!(res.status(), 403);
        let doc = scraper::Html::parse_document(&res.text().await.unwrap());
        assert_eq!(texts(&doc, "#error-title"), vec!["Not allowed"]);
        let (_, home) = app.get_html("/").await;
        assert!(signed_in(&home), "still signed in");
    }
    // The right token from another site.
    let res = app
        .client
        .post(app.url("/logout"))
        .header("Origin", "https://evil.example")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .post(app.url("/logout"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (_, home) = app.get_html("/").await;
    assert!(signed_in(&home));
    // htmx sends the token as a header.
    let res = app
        .client
        .post(app.url("/logout"))
        .header("X-CSRF-Token", &token)
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, home) = app.get_html("/").await;
    assert!(!signed_in(&home));
    // A registration without a token creates nothing.
    let res = app
        .post_form(
            "/register",
            &[
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let eve: i64 = app.with_conn(|c| {
        users::table
            .filter(users::email.eq("eve@example.com"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(eve, 0);
}

#[actix_web::test]
async fn a_request_whose_session_is_gone_is_sent_to_log_in_and_changes_nothing() {
    let app = spawn_app().await;
    // A browser whose cookie expired or was cleared while a page was open: it still sends
    // the page's token, but no session comes with it.
    let gone = app.new_browser();
    let stale = app.csrf_token("/register").await;
    let form = [
        ("csrf_token", stale.as_str()),
        ("name", "Eve"),
        ("email", "eve@example.com"),
        ("password", PASSWORD),
    ];
    // htmx: HX-Redirect to the login page, back to the page the action was sent from; a 200
    // with no body, so htmx navigates instead of swapping anything.
    let res = gone
        .post(app.url("/register"))
        .header("HX-Request", "true")
        .header("HX-Current-URL", app.url("/events/7/seats?section=3"))
        .header("X-CSRF-Token", &stale)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["HX-Redirect"],
        "/login?next=%2Fevents%2F7%2Fseats%3Fsection%3D3"
    );
    assert!(res.text().await.unwrap().is_empty());
    // A plain form: 303 to the login page, back to the page it came from.
    let res = gone
        .post(app.url("/register"))
        .header("Referer", app.url("/register"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["Location"], "/login?next=%2Fregister");
    let eve: i64 = app.with_conn(|c| {
        users::table
            .filter(users::email.eq("eve@example.com"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(eve, 0, "nothing ran");
    // From another site it is still refused outright.
    let res = gone
        .post(app.url("/register"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[actix_web::test]
async fn a_session_ends_when_the_account_epoch_moves_on_or_it_sits_idle() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let (_, home) = app.get_html("/").await;
    assert_eq!(texts(&home, "#signed-in-as"), vec!["Ada"]);
    // Server-side revocation: "log out everywhere" and password changes bump the epoch.
    app.with_conn(|c| {
        diesel::update(users::table.filter(users::email.eq("ada@example.com")))
            .set(users::session_epoch.eq(users::session_epoch + 1))
            .execute(c)
            .unwrap()
    });
    let (_, home) = app.get_html("/").await;
    assert!(texts(&home, "#signed-in-as").is_empty());

    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 303);
    app.clock.advance(chrono::TimeDelta::hours(13));
    let (_, home) = app.get_html("/").await;
    assert!(texts(&home, "#signed-in-as").is_empty(), "idle timeout");
}

async fn post_json(
    app: &crate::helpers::TestApp,
    path: &str,
    body: serde_json::Value,
    token: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

async fn me(app: &crate::helpers::TestApp, token: &str) -> reqwest::StatusCode {
    app.client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[actix_web::test]
async fn the_api_registers_logs_in_with_a_bearer_token_and_revokes_it() {
    let app = spawn_app().await;
    let res = post_json(
        &app,
        "/api/v1/register",
        serde_json::json!({"name": "Ada", "email": "Ada@Example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(res.status(), 201);
    let user: serde_json::Value = res.json().await.unwrap();
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["role"], "user");
    assert!(user.get("password_hash").is_none());

    let res = post_json(
        &app,
        "/api/v1/register",
        serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(res.status(), 409);
    let res = post_json(
        &app,
        "/api/v1/register",
        serde_json::json!({"name": "", "email": "x", "password": "short"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    let mut fields: Vec<&String> = problem["errors"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["email", "name", "password"]);

    let res = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": "ada@example.com", "password": "not the password"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 401);
    let res = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": "ADA@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("set-cookie").is_none(),
        "the API sets no cookie"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(body["user"]["name"], "Ada");
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
    // Only a hash of the token is stored.
    let stored: Vec<String> = app.with_conn(|c| {
        boxoffice::db::schema::api_tokens::table
            .select(boxoffice::db::schema::api_tokens::token_hash)
            .load(c)
            .unwrap()
    });
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert!(!stored[0].contains(&token[3..]));

    assert_eq!(me(&app, &token).await, 200);
    let res = app.get("/api/v1/me").await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(me(&app, "bo_not-a-token").await, 401);

    let res = post_json(&app, "/api/v1/logout", serde_json::json!({}), Some(&token)).await;
    assert_eq!(res.status(), 204);
    assert_eq!(me(&app, &token).await, 401, "revoked at logout");
}

#[actix_web::test]
async fn api_tokens_expire_and_die_with_a_disabled_account() {
    let app = spawn_app().await;
    post_json(
        &app,
        "/api/v1/register",
        serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    let login = || async {
        let res = post_json(
            &app,
            "/api/v1/login",
            serde_json::json!({"email": "ada@example.com", "password": PASSWORD}),
            None,
        )
        .await;
        res.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let token = login().await;
    app.clock.advance(chrono::TimeDelta::days(29));
    assert_eq!(me(&app, &token).await, 200);
    app.clock.advance(chrono::TimeDelta::days(2));
    assert_eq!(me(&app, &token).await, 401, "expired after 30 days");

    let token = login().await;
    assert_eq!(me(&app, &token).await, 200);
    let now = app.clock.now();
    app.with_conn(|c| {
        diesel::update(users::table.filter(users::email.eq("ada@example.com")))
            .set(users::disabled_at.eq(Some(now)))
            .execute(c)
            .unwrap()
    });
    assert_eq!(
        me(&app, &token).await,
        401,
        "a disabled account's token stops working"
    );
    let res = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(res.status(), 401, "and it can't log in");
}

#[actix_web::test]
async fn bad_json_is_a_problem_document_not_a_crash() {
    let app = spawn_app().await;
    for body in ["{", "\"text\"", "{\"email\": 5}"] {
        let res = app
            .client
            .post(app.url("/api/v1/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{body}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
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

#[actix_web::test]
async fn my_bookings_in_the_api_have_the_documented_shape_with_tickets_once_paid() {
    let app = spawn_app().await;
    // A demo buyer owns paid bookings with tickets; give them a password to log in with.
    let hash = bcrypt::non_truncating_hash(PASSWORD, 4).unwrap();
    let buyer = "buyer01@demo.boxoffice.test";
    app.with_conn(|c| {
        diesel::update(users::table.filter(users::email.eq(buyer)))
            .set(users::password_hash.eq(&hash))
            .execute(c)
            .unwrap()
    });
    let login = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": buyer, "password": PASSWORD}),
        None,
    )
    .await;
    let token = login.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .get(app.url("/api/v1/me/bookings"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    let owned: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::bookings;
        bookings::table
            .inner_join(users::table)
            .filter(users::email.eq(buyer))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(items.len() as i64, owned);
    assert!(owned > 10);
    let mut saw_seat = false;
    let mut saw_standing = false;
    for b in items {
        for key in [
            "reference",
            "event_id",
            "status",
            "expires_at",
            "total_cents",
            "currency",
            "items",
            "tickets",
        ] {
            assert!(b.get(key).is_some(), "booking lacks {key}");
        }
        assert_eq!(b["status"], "paid");
        let lines = b["items"].as_array().unwrap();
        let places: i64 = lines.iter().map(|i| i["quantity"].as_i64().unwrap()).sum();
        let total: i64 = lines
            .iter()
            .map(|i| i["quantity"].as_i64().unwrap() * i["price_cents"].as_i64().unwrap())
            .sum();
        assert_eq!(total, b["total_cents"].as_i64().unwrap());
        assert_eq!(
            b["tickets"].as_array().unwrap().len() as i64,
            places,
            "one ticket per place"
        );
        for line in lines {
            if line.get("seat_id").is_some() {
                saw_seat = true;
                assert!(
                    line["row"].is_string() && line["number"].is_i64() && line["quantity"] == 1
                );
            } else {
                saw_standing = true;
                assert!(line.get("row").is_none());
            }
        }
    }
    assert!(saw_seat && saw_standing, "the demo buyer has both kinds");

    // Someone with no bookings sees none of them.
    post_json(
        &app,
        "/api/v1/register",
        serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    let login = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    let token = login.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = app
        .client
        .get(app.url("/api/v1/me/bookings"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["items"], serde_json::json!([]));
    assert_eq!(app.get("/api/v1/me/bookings").await.status(), 401);
}
