//! The admin guard in front of /admin and /api/v1/admin.

use crate::helpers::{spawn_app, texts};

const PASSWORD: &str = "correct horse battery";

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

    let user = app.api_buyer("Ada", "ada@example.com").await;
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
    let admin = app.api_login("boss@example.com", PASSWORD).await;
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

fn user_id(app: &crate::helpers::TestApp, email: &str) -> i64 {
    use boxoffice::db::schema::users;
    use diesel::prelude::*;
    app.with_conn(|c| {
        users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .first(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn an_admin_disables_an_account_and_its_sessions_and_tokens_end() {
    use boxoffice::db::schema::audit_log;
    use diesel::prelude::*;
    let app = spawn_app().await;
    // Ada, signed in in her own browser and holding an API token.
    let ada = app.new_browser();
    let res = app
        .submit(
            &ada,
            "/register",
            "/register",
            &[
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "check your inbox");
    assert_eq!(crate::helpers::location(&res), "/register/sent");
    let res = app
        .submit(
            &ada,
            "/login",
            "/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        ada.get(app.url("/account")).send().await.unwrap().status(),
        200
    );
    let token = app.api_login("ada@example.com", PASSWORD).await;

    app.create_admin("boss@example.com", PASSWORD);
    assert_eq!(app.login("boss@example.com", PASSWORD).await.status(), 303);
    let (_, doc) = app.get_html("/admin/users?q=ADA@").await;
    assert_eq!(
        texts(&doc, "#users tbody td:nth-child(2)"),
        vec!["ada@example.com"]
    );
    let admin_csrf = app.csrf_token("/admin/users").await;
    let ada_id = user_id(&app, "ada@example.com");

    // Without a CSRF token nothing happens.
    let res = app
        .post_form(&format!("/admin/users/{ada_id}/disable"), &[])
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        ada.get(app.url("/account")).send().await.unwrap().status(),
        200
    );

    let res = app
        .post_form(
            &format!("/admin/users/{ada_id}/disable"),
            &[("csrf_token", &admin_csrf), ("q", "ada")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/admin/users?q=ada",
        "back to the same search"
    );
    assert_eq!(
        ada.get(app.url("/account")).send().await.unwrap().status(),
        303,
        "her session ended"
    );
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401, "her token stopped working");
    assert_eq!(
        app.new_browser()
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let (_, doc) = app.get_html("/admin/users?q=ada").await;
    assert_eq!(
        texts(&doc, "#flash"),
        vec!["The account was disabled; its sessions and tokens have ended."]
    );
    assert_eq!(texts(&doc, "#users .status"), vec!["Disabled"]);

    // Re-enabled, she can log in again (her old session stays ended).
    app.post_form(
        &format!("/admin/users/{ada_id}/enable"),
        &[("csrf_token", &admin_csrf)],
    )
    .await;
    assert_eq!(
        ada.get(app.url("/account")).send().await.unwrap().status(),
        303
    );
    app.api_login("ada@example.com", PASSWORD).await;

    // Roles change, and admins can't lock themselves out.
    app.post_form(
        &format!("/admin/users/{ada_id}/role"),
        &[("csrf_token", &admin_csrf), ("role", "admin")],
    )
    .await;
    let (_, doc) = app.get_html("/admin/users?q=ada").await;
    assert_eq!(texts(&doc, "#users .role"), vec!["admin"]);
    let boss_id = user_id(&app, "boss@example.com");
    app.post_form(
        &format!("/admin/users/{boss_id}/disable"),
        &[("csrf_token", &admin_csrf)],
    )
    .await;
    let (status, doc) = app.get_html("/admin/users").await;
    assert_eq!(status, 200, "still signed in");
    assert_eq!(
        texts(&doc, "#flash"),
        vec!["You can't disable or demote your own account."]
    );
    let res = app
        .post_form(
            &format!("/admin/users/{ada_id}/role"),
            &[("csrf_token", &admin_csrf), ("role", "owner")],
        )
        .await;
    assert_eq!(res.status(), 422);

    let actions: Vec<(Option<i64>, String, Option<i64>)> = app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::action.like("user.%"))
            .filter(audit_log::actor_user_id.eq(boss_id))
            .order(audit_log::id)
            .select((
                audit_log::actor_user_id,
                audit_log::action,
                audit_log::subject_id,
            ))
            .load(c)
            .unwrap()
    });
    let names: Vec<&str> = actions.iter().map(|a| a.1.as_str()).collect();
    assert_eq!(
        names,
        ["user.disabled", "user.enabled", "user.role_changed"]
    );
    assert!(actions.iter().all(|a| a.2 == Some(ada_id)));
    // Ada was welcomed when she signed up (disabling her sends nothing).
    assert_eq!(app.deliver_emails_listed(), ["welcome ada@example.com"]);
}

#[actix_web::test]
async fn the_start_up_admin_is_applied_once_and_restarts_end_no_sessions() {
    use boxoffice::db::schema::audit_log;
    use boxoffice::services::setup;
    use diesel::prelude::*;
    let app = spawn_app().await;
    let mut settings =
        crate::helpers::test_settings(app.database_url.clone(), std::env::temp_dir());
    settings.demo_data = false;
    settings.admin_email = Some("ops@example.com".to_owned());
    settings.admin_password = Some(PASSWORD.to_owned());
    setup::prepare(&app.db, &settings, &app.clock).unwrap();
    assert_eq!(app.login("ops@example.com", PASSWORD).await.status(), 303);
    assert_eq!(app.get("/admin").await.status(), 200);
    // A restart with the same variables changes nothing: the admin stays signed in.
    let report = setup::prepare(&app.db, &settings, &app.clock).unwrap();
    assert!(matches!(
        report.admin,
        Some(boxoffice::services::admins::AdminOutcome::Unchanged(_))
    ));
    assert_eq!(app.get("/admin").await.status(), 200);
    // A new password is applied, and ends the old sessions.
    settings.admin_password = Some("a different long secret".to_owned());
    setup::prepare(&app.db, &settings, &app.clock).unwrap();
    assert_eq!(app.get("/admin").await.status(), 303);
    let audited: Vec<String> = app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::action.eq_any(["admin.created", "user.made_admin"]))
            .filter(audit_log::subject_id.eq(user_id(&app, "ops@example.com")))
            .order(audit_log::id)
            .select(audit_log::action)
            .load(c)
            .unwrap()
    });
    assert_eq!(audited, ["admin.created", "user.made_admin"]);
}

#[actix_web::test]
async fn the_outbox_and_job_views_are_for_admins_and_a_dead_job_can_be_retried() {
    use boxoffice::jobs::Turn;
    use chrono::TimeDelta;

    let app = crate::helpers::spawn_app_with(false).await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    for path in ["/admin/emails", "/admin/jobs"] {
        assert_eq!(app.get(path).await.status(), 403, "{path}");
    }
    let res = app
        .submit(&app.client, "/account", "/admin/jobs/1/retry", &[])
        .await;
    assert_eq!(res.status(), 403);

    // A job nobody can run: retried with backoff, then dead with the reason.
    let now = app.clock.now();
    app.db
        .write(|c| {
            boxoffice::jobs::enqueue(c, "mystery", &serde_json::json!({}), Some("mystery:1"), now)
        })
        .unwrap();
    let mut last = Vec::new();
    for _ in 0..boxoffice::jobs::DEFAULT_MAX_ATTEMPTS {
        last = app.run_worker().jobs;
        app.clock.advance(TimeDelta::hours(2));
    }
    let [Turn::Dead { id, error }] = last.as_slice() else {
        panic!("expected the job to die, got {last:?}");
    };
    assert!(
        error.contains("no handler for job kind `mystery`"),
        "{error}"
    );

    app.create_admin("boss@example.com", PASSWORD);
    let admin = app.new_browser();
    app.submit(
        &admin,
        "/login",
        "/login",
        &[("email", "boss@example.com"), ("password", PASSWORD)],
    )
    .await;
    let html = |path: &'static str| {
        let admin = admin.clone();
        let url = app.url(path);
        async move {
            let res = admin.get(url).send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            scraper::Html::parse_document(&res.text().await.unwrap())
        }
    };
    // The welcome email went out (to the .eml folder) when the worker ran above.
    let doc = html("/admin/emails").await;
    assert_eq!(
        texts(&doc, "#emails tbody tr td:nth-child(2)"),
        vec!["welcome"]
    );
    assert_eq!(
        texts(&doc, ".status-filter [data-status=sent] .count"),
        vec!["1"]
    );

    let doc = html("/admin/jobs?status=dead").await;
    let row = format!("tr[data-job-id='{id}']");
    assert!(texts(&doc, &format!("{row} .last-error"))[0].contains("no handler"));
    assert_eq!(texts(&doc, &format!("{row} .attempts")), vec!["8 / 8"]);

    let res = app
        .submit(
            &admin,
            "/admin/jobs?status=dead",
            &format!("/admin/jobs/{id}/retry"),
            &[("status", "dead")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/jobs?status=dead");
    let doc = html("/admin/jobs").await;
    assert_eq!(texts(&doc, &format!("{row} .status")), vec!["queued"]);
    assert_eq!(texts(&doc, &format!("{row} .attempts")), vec!["0 / 8"]);
    assert!(texts(&doc, "#messages")[0].contains("queued to run again"));

    // A job that is not dead or waiting cannot be retried; an unknown email is a 404.
    let job = *id;
    app.db
        .write(|c| {
            use boxoffice::db::schema::jobs::dsl::*;
            use diesel::prelude::*;
            diesel::update(jobs.find(job))
                .set(status.eq("done"))
                .execute(c)
                .map_err(boxoffice::db::DbError::from)
        })
        .unwrap();
    app.submit(
        &admin,
        "/admin/jobs",
        &format!("/admin/jobs/{id}/retry"),
        &[],
    )
    .await;
    let doc = html("/admin/jobs").await;
    assert_eq!(texts(&doc, &format!("{row} .status")), vec!["done"]);
    assert!(texts(&doc, "#messages")[0].contains("Only a dead or waiting job"));
    let res = app
        .submit(&admin, "/admin/emails", "/admin/emails/999999/resend", &[])
        .await;
    assert_eq!(res.status(), 404);
}
