//! Security regression tests for issue 16 (one module per area).

mod accounts {
    use crate::helpers::{TestApp, attrs, spawn_app, texts};

    const PASSWORD: &str = "correct horse battery";

    fn session_cookie(res: &reqwest::Response) -> Option<String> {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.contains("boxoffice_session="))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
    }

    /// A bare client that sends exactly this cookie (a stolen copy), following no redirects.
    async fn signed_in_name(app: &TestApp, cookie: &str) -> Vec<String> {
        let html = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url("/"))
            .header("Cookie", cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        texts(&scraper::Html::parse_document(&html), "#signed-in-as")
    }

    async fn sign_up_and_in(app: &TestApp) -> String {
        app.register("Ada", "ada@example.com", PASSWORD).await;
        let res = app.login("ada@example.com", PASSWORD).await;
        assert_eq!(res.status(), 303);
        session_cookie(&res).expect("a session cookie")
    }

    async fn api_token(app: &TestApp) -> String {
        app.api_login("ada@example.com", PASSWORD).await
    }

    async fn me(app: &TestApp, token: &str) -> u16 {
        app.api(Some(token), reqwest::Method::GET, "/api/v1/me", None)
            .await
            .0
    }

    #[actix_web::test]
    async fn a_cookie_copied_before_logout_no_longer_works() {
        let app = spawn_app().await;
        let stolen = sign_up_and_in(&app).await;
        assert_eq!(signed_in_name(&app, &stolen).await, vec!["Ada"]);
        let (_, home) = app.get_html("/").await;
        let token = attrs(
            &home,
            "form[action='/logout'] input[name=csrf_token]",
            "value",
        )[0]
        .clone();
        let res = app.post_form("/logout", &[("csrf_token", &token)]).await;
        assert_eq!(res.status(), 303);
        assert!(
            signed_in_name(&app, &stolen).await.is_empty(),
            "the copy ended with the session"
        );
        // The session row says so in the database too.
        let revoked: i64 = app.with_conn(|c| {
            use boxoffice::db::schema::user_sessions::dsl::*;
            use diesel::prelude::*;
            user_sessions
                .filter(revoked_at.is_not_null())
                .count()
                .get_result(c)
                .unwrap()
        });
        assert_eq!(revoked, 1);
    }

    #[actix_web::test]
    async fn logging_out_everywhere_ends_sessions_and_api_tokens() {
        let app = spawn_app().await;
        let stolen = sign_up_and_in(&app).await;
        let token = api_token(&app).await;
        assert_eq!(me(&app, &token).await, 200);
        let (_, account) = app.get_html("/account").await;
        let csrf = crate::helpers::csrf_in(&account);
        let res = app
            .post_form("/account/logout-everywhere", &[("csrf_token", &csrf)])
            .await;
        assert_eq!(res.status(), 303);
        assert!(signed_in_name(&app, &stolen).await.is_empty());
        assert_eq!(me(&app, &token).await, 401, "the API token ended too");
    }

    #[actix_web::test]
    async fn a_password_change_ends_other_sessions_and_api_tokens_but_not_this_one() {
        let app = spawn_app().await;
        let stolen = sign_up_and_in(&app).await;
        let token = api_token(&app).await;
        let (_, account) = app.get_html("/account").await;
        let csrf = crate::helpers::csrf_in(&account);
        let res = app
            .post_form(
                "/account/password",
                &[
                    ("csrf_token", &csrf),
                    ("current_password", PASSWORD),
                    ("new_password", "a brand new passphrase"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let (_, home) = app.get_html("/").await;
        assert_eq!(texts(&home, "#signed-in-as"), vec!["Ada"], "this one stays");
        assert!(signed_in_name(&app, &stolen).await.is_empty());
        assert_eq!(me(&app, &token).await, 401);
        // Ada is told her password changed.
        assert_eq!(
            app.deliver_emails_listed(),
            ["password_changed ada@example.com"]
        );
    }

    #[actix_web::test]
    async fn disabling_an_account_revokes_its_api_tokens_for_good() {
        let app = spawn_app().await;
        sign_up_and_in(&app).await;
        let token = api_token(&app).await;
        let id: i64 = app.with_conn(|c| {
            use boxoffice::db::schema::users::dsl::*;
            use diesel::prelude::*;
            users
                .filter(email.eq("ada@example.com"))
                .select(id)
                .first(c)
                .unwrap()
        });
        let now = app.clock.now();
        app.with_conn(|c| {
            use boxoffice::domain::ids::UserId;
            boxoffice::db::users::set_disabled(c, UserId(id), true, now).unwrap();
            boxoffice::db::users::set_disabled(c, UserId(id), false, now).unwrap();
        });
        assert_eq!(me(&app, &token).await, 401, "re-enabling revives nothing");
    }
}

mod api_caching {
    use crate::helpers::spawn_app;

    const PASSWORD: &str = "correct horse battery";

    async fn cache_control(
        app: &crate::helpers::TestApp,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, Option<String>) {
        let mut req = app.client.request(method, app.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let value = res
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_owned());
        (res.status().as_u16(), value)
    }

    async fn token_of(app: &crate::helpers::TestApp, email: &str) -> String {
        let (status, body) = app
            .api(
                None,
                reqwest::Method::POST,
                "/api/v1/login",
                Some(&serde_json::json!({"email": email, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    #[actix_web::test]
    async fn private_api_answers_are_never_stored() {
        let app = spawn_app().await;
        let no_store = Some("no-store".to_owned());
        let (status, cc) = cache_control(
            &app,
            reqwest::Method::POST,
            "/api/v1/register",
            None,
            Some(serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD})),
        )
        .await;
        assert_eq!((status, cc), (201, no_store.clone()));
        let (status, cc) = cache_control(
            &app,
            reqwest::Method::POST,
            "/api/v1/login",
            None,
            Some(serde_json::json!({"email": "ada@example.com", "password": PASSWORD})),
        )
        .await;
        assert_eq!((status, cc), (200, no_store.clone()), "the token answer");
        let token = token_of(&app, "ada@example.com").await;
        for path in ["/api/v1/me", "/api/v1/me/bookings"] {
            let (status, cc) =
                cache_control(&app, reqwest::Method::GET, path, Some(&token), None).await;
            assert_eq!((status, cc), (200, no_store.clone()), "{path}");
        }
        let (status, cc) =
            cache_control(&app, reqwest::Method::GET, "/api/v1/me", None, None).await;
        assert_eq!((status, cc), (401, no_store.clone()));
        app.create_admin("root@example.com", PASSWORD);
        let admin = token_of(&app, "root@example.com").await;
        for path in [
            "/api/v1/admin/venues",
            "/api/v1/admin/events",
            "/api/v1/admin/bookings",
        ] {
            let (status, cc) =
                cache_control(&app, reqwest::Method::GET, path, Some(&admin), None).await;
            assert_eq!((status, cc), (200, no_store.clone()), "{path}");
        }
        // The public catalogue may be cached.
        let (status, cc) =
            cache_control(&app, reqwest::Method::GET, "/api/v1/events", None, None).await;
        assert_eq!(status, 200);
        assert_ne!(cc, no_store);
        // Signing up welcomed Ada.
        assert_eq!(app.deliver_emails_listed(), ["welcome ada@example.com"]);
    }
}

mod cookies {
    use crate::helpers::{spawn_app_configured, spawn_app_with};

    fn set_cookies(res: &reqwest::Response) -> Vec<String> {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    #[actix_web::test]
    async fn on_https_the_session_cookie_is_a_host_cookie() {
        let app = spawn_app_configured(false, |s| {
            s.base_url = url::Url::parse("https://tickets.example.org/").unwrap();
        })
        .await;
        let res = app.get("/login").await;
        let cookies = set_cookies(&res);
        let session = cookies
            .iter()
            .find(|c| c.starts_with("__Host-boxoffice_session="))
            .unwrap_or_else(|| panic!("a __Host- session cookie in {cookies:?}"));
        let attributes: Vec<String> = session
            .split(';')
            .skip(1)
            .map(|a| a.trim().to_lowercase())
            .collect();
        assert!(attributes.contains(&"secure".to_owned()), "{session}");
        assert!(attributes.contains(&"path=/".to_owned()), "{session}");
        assert!(attributes.contains(&"httponly".to_owned()), "{session}");
        assert!(
            !attributes.iter().any(|a| a.starts_with("domain")),
            "{session}"
        );
        assert!(!cookies.iter().any(|c| c.starts_with("boxoffice_session=")));
    }

    #[actix_web::test]
    async fn on_plain_http_the_session_cookie_keeps_its_name() {
        let app = spawn_app_with(false).await;
        let res = app.get("/login").await;
        let cookies = set_cookies(&res);
        assert!(
            cookies.iter().any(|c| c.starts_with("boxoffice_session=")),
            "{cookies:?}"
        );
    }
}

mod session_purge {
    use boxoffice::db::schema::user_sessions;
    use diesel::prelude::*;

    use crate::helpers::{TestApp, spawn_app_with};

    const PASSWORD: &str = "correct horse battery";

    fn sessions(app: &TestApp) -> i64 {
        app.with_conn(|c| user_sessions::table.count().get_result(c).unwrap())
    }

    #[actix_web::test]
    async fn the_worker_deletes_ended_sessions_and_keeps_live_ones() {
        let app = spawn_app_with(false).await;
        app.register("Ada", "ada@example.com", PASSWORD).await;
        // One session logged out, one left to time out.
        let token = app.csrf_token("/account").await;
        let res = app
            .post_form("/logout", &[("csrf_token", token.as_str())])
            .await;
        assert_eq!(res.status(), 303);
        let phone = app.new_browser();
        let res = app
            .submit(
                &phone,
                "/login",
                "/login",
                &[("email", "ada@example.com"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(sessions(&app), 2);
        app.run_worker();
        assert_eq!(sessions(&app), 1, "the logged-out session went at once");

        // A day later the phone's session has sat idle past its timeout; a new one is live.
        app.clock.advance(chrono::TimeDelta::days(1));
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 303);
        assert_eq!(sessions(&app), 2);
        app.run_worker();
        assert_eq!(sessions(&app), 1, "only the live session is left");
        let (status, _) = app.get_html("/account").await;
        assert_eq!(status, 200, "and it still works");
    }
}
