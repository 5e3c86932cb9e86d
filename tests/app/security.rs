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
        let (status, body) = app
            .api(
                None,
                reqwest::Method::POST,
                "/api/v1/login",
                Some(&serde_json::json!({"email": "ada@example.com", "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_owned()
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
        let csrf = attrs(&account, "input[name=csrf_token]", "value")[0].clone();
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
        let csrf = attrs(&account, "input[name=csrf_token]", "value")[0].clone();
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
