//! Email verification and password reset: single-use links that expire, answers that never
//! tell whether an address has an account, limits on asking, and a reset that ends every
//! other session.

use boxoffice::db::outbox;
use chrono::TimeDelta;

use crate::helpers::{TestApp, spawn_app_with, texts};
use crate::smtp::{header, link_path, part};

const PASSWORD: &str = "a long enough password";
const NEW_PASSWORD: &str = "another long password";

/// The newest `.eml` of `kind` sent to `to`, as (raw message, text body).
fn latest_email(app: &TestApp, to: &str, kind: &str) -> (String, String) {
    let mut found: Vec<(i64, String)> = std::fs::read_dir(&app.settings.mail_dir)
        .expect("the mail folder")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_stem()?.to_str()?.to_owned();
            let mut parts = name.splitn(3, '-');
            let (_, id, file_kind) = (parts.next()?, parts.next()?, parts.next()?);
            if file_kind != kind {
                return None;
            }
            let raw = std::fs::read_to_string(&path).ok()?;
            let id: i64 = id.parse().ok()?;
            header(&raw, "To")?.contains(to).then_some((id, raw))
        })
        .collect();
    found.sort_by_key(|(id, _)| *id);
    let (_, raw) = found
        .pop()
        .unwrap_or_else(|| panic!("no {kind} email to {to}"));
    let text = part(&raw, "text/plain");
    (raw, text)
}

/// The kinds of every email queued, once the worker has done the queued jobs (reset links are
/// sent by a background job).
fn outbox_kinds(app: &TestApp) -> Vec<String> {
    app.run_worker();
    let mut kinds: Vec<String> = app
        .with_conn(|c| outbox::list(c, None, 1_000, 0).unwrap())
        .into_iter()
        .map(|r| r.kind)
        .collect();
    kinds.sort();
    kinds
}

async fn ask_for_reset(app: &TestApp, browser: &reqwest::Client, email: &str) -> reqwest::Response {
    app.submit(
        browser,
        "/password/forgot",
        "/password/forgot",
        &[("email", email)],
    )
    .await
}

async fn status_of(browser: &reqwest::Client, url: String) -> u16 {
    browser.get(url).send().await.unwrap().status().as_u16()
}

#[actix_web::test]
async fn a_verification_link_works_once_and_a_fresh_one_can_be_asked_for() {
    let app = spawn_app_with(false).await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    app.run_worker();
    let (_, text) = latest_email(&app, "ada@example.com", "welcome");
    let link = link_path(&text, "/account/verify");

    let (status, doc) = app.get_html(&link).await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&doc, "#verify-title"),
        vec!["Email address confirmed"]
    );
    // Used: the second visit changes nothing and says so.
    let (status, doc) = app.get_html(&link).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "#verify-title"), vec!["Already confirmed"]);
    // A made-up token is refused.
    let (status, _) = app.get_html("/account/verify?token=0123abcd").await;
    assert_eq!(status, 410);
    let (status, _) = app.get_html("/account/verify").await;
    assert_eq!(status, 410);
}

#[actix_web::test]
async fn a_verification_link_expires_and_the_account_page_sends_a_new_one() {
    let app = spawn_app_with(false).await;
    app.register("Grace", "grace@example.com", PASSWORD).await;
    app.run_worker();
    let (_, text) = latest_email(&app, "grace@example.com", "welcome");
    let old_link = link_path(&text, "/account/verify");

    app.clock.advance(TimeDelta::hours(49));
    let (status, doc) = app.get_html(&old_link).await;
    assert_eq!(status, 410, "expired after 48 hours");
    assert!(texts(&doc, "#verify-result")[0].contains("used, expired or incomplete"));
    // Two days on, the session has timed out too: Grace logs in again.
    assert_eq!(app.login("grace@example.com", PASSWORD).await.status(), 303);
    let (_, doc) = app.get_html("/account").await;
    assert!(texts(&doc, "#email-status")[0].contains("not confirmed yet"));

    let res = app
        .submit(&app.client, "/account", "/account/verify/resend", &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, doc) = app.get_html("/account").await;
    assert!(texts(&doc, "#messages")[0].contains("We sent a new confirmation link"));
    app.run_worker();
    let (raw, text) = latest_email(&app, "grace@example.com", "verify_email");
    assert!(
        header(&raw, "Subject")
            .unwrap()
            .contains("Confirm your email")
    );
    let new_link = link_path(&text, "/account/verify");
    assert_ne!(new_link, old_link);
    let (status, _) = app.get_html(&new_link).await;
    assert_eq!(status, 200);
    let (_, doc) = app.get_html("/account").await;
    assert!(texts(&doc, "#email-status")[0].starts_with("Confirmed"));

    // Asking again once confirmed sends nothing.
    app.submit(&app.client, "/account", "/account/verify/resend", &[])
        .await;
    assert_eq!(
        outbox_kinds(&app),
        vec!["verify_email".to_owned(), "welcome".to_owned()]
    );
}

#[actix_web::test]
async fn changing_the_email_address_needs_it_confirmed_again() {
    let app = spawn_app_with(false).await;
    app.register("Mary", "mary@example.com", PASSWORD).await;
    app.run_worker();
    let (_, text) = latest_email(&app, "mary@example.com", "welcome");
    app.get_html(&link_path(&text, "/account/verify")).await;

    let res = app
        .submit(
            &app.client,
            "/account",
            "/account/email",
            &[("email", "mary@new.example"), ("email_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, doc) = app.get_html("/account").await;
    assert!(texts(&doc, "#email-status")[0].contains("mary@new.example is not confirmed yet"));
    app.run_worker();
    let (_, text) = latest_email(&app, "mary@new.example", "verify_email");
    let (status, _) = app.get_html(&link_path(&text, "/account/verify")).await;
    assert_eq!(status, 200);
    let (_, doc) = app.get_html("/account").await;
    assert_eq!(
        texts(&doc, "#email-status"),
        vec!["Confirmed mary@new.example"]
    );
}

#[actix_web::test]
async fn a_password_reset_sets_the_password_once_and_ends_every_other_session() {
    let app = spawn_app_with(false).await;
    app.register("Lin", "lin@example.com", PASSWORD).await;
    // Lin is also signed in on a phone, and has an API token.
    let phone = app.new_browser();
    let res = app
        .submit(
            &phone,
            "/login",
            "/login",
            &[("email", "lin@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let api_token = app.api_login("lin@example.com", PASSWORD).await;

    // Lin forgot the password, on a laptop.
    let laptop = app.new_browser();
    let res = ask_for_reset(&app, &laptop, "LIN@example.com").await;
    assert_eq!(res.status(), 200);
    let page = scraper::Html::parse_document(&res.text().await.unwrap());
    assert!(texts(&page, "#forgot-sent")[0].contains("If lin@example.com has an account"));
    app.run_worker();
    let (raw, text) = latest_email(&app, "lin@example.com", "password_reset");
    assert!(
        header(&raw, "Subject")
            .unwrap()
            .contains("Reset your boxoffice password")
    );
    let link = link_path(&text, "/password/reset");

    assert_eq!(status_of(&laptop, app.url(&link)).await, 200);
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // A weak password is refused, and the link still works.
    let res = app
        .submit(
            &laptop,
            &link,
            "/password/reset",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .submit(
            &laptop,
            &link,
            "/password/reset",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/account");
    // The laptop is signed in; the phone and the first browser are not; the API token is dead.
    assert_eq!(status_of(&laptop, app.url("/account")).await, 200);
    assert_eq!(status_of(&phone, app.url("/account")).await, 303);
    assert_eq!(status_of(&app.client, app.url("/account")).await, 303);
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&api_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    // The old password no longer works; the new one does.
    let fresh = app.new_browser();
    let old = app
        .submit(
            &fresh,
            "/login",
            "/login",
            &[("email", "lin@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old.status(), 422);
    let new = app
        .submit(
            &fresh,
            "/login",
            "/login",
            &[("email", "lin@example.com"), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(new.status(), 303);

    // The link was single-use.
    assert_eq!(status_of(&fresh, app.url(&link)).await, 410);
    let again = app
        .submit(
            &fresh,
            "/password/forgot",
            "/password/reset",
            &[("token", &token), ("password", "yet another password")],
        )
        .await;
    assert_eq!(again.status(), 410);
    // Lin is told the password changed, and the address counts as confirmed now.
    app.run_worker();
    let (_, text) = latest_email(&app, "lin@example.com", "password_changed");
    assert!(text.contains("was just changed"));
    let html = laptop
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&html);
    assert!(texts(&doc, "#email-status")[0].starts_with("Confirmed"));
}

#[actix_web::test]
async fn asking_for_a_reset_never_tells_whether_an_address_has_an_account() {
    let app = spawn_app_with(false).await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    let before = outbox_kinds(&app);
    let visitor = app.new_browser();

    let known = ask_for_reset(&app, &visitor, "ada@example.com").await;
    let unknown = ask_for_reset(&app, &visitor, "nobody@example.com").await;
    assert_eq!(
        (known.status().as_u16(), unknown.status().as_u16()),
        (200, 200)
    );
    let known = scraper::Html::parse_document(&known.text().await.unwrap());
    let unknown = scraper::Html::parse_document(&unknown.text().await.unwrap());
    let said_known = texts(&known, "#forgot-sent")[0].replace("ada@example.com", "ADDRESS");
    let said_unknown = texts(&unknown, "#forgot-sent")[0].replace("nobody@example.com", "ADDRESS");
    assert_eq!(said_known, said_unknown);
    // Only the real account got an email.
    let mut expected = before.clone();
    expected.push("password_reset".to_owned());
    expected.sort();
    assert_eq!(outbox_kinds(&app), expected);

    // Not an address at all: the form says so, and nothing is sent.
    let bad = ask_for_reset(&app, &visitor, "not-an-address").await;
    assert_eq!(bad.status(), 422);
    let doc = scraper::Html::parse_document(&bad.text().await.unwrap());
    assert_eq!(texts(&doc, "#email-error").len(), 1);
    assert_eq!(outbox_kinds(&app), expected);
}

#[actix_web::test]
async fn a_reset_link_expires_after_an_hour() {
    let app = spawn_app_with(false).await;
    app.register("Kat", "kat@example.com", PASSWORD).await;
    let visitor = app.new_browser();
    ask_for_reset(&app, &visitor, "kat@example.com").await;
    app.run_worker();
    let (_, text) = latest_email(&app, "kat@example.com", "password_reset");
    let link = link_path(&text, "/password/reset");
    let token = link.split("token=").nth(1).unwrap().to_owned();

    app.clock.advance(TimeDelta::minutes(61));
    assert_eq!(status_of(&visitor, app.url(&link)).await, 410);
    let res = app
        .submit(
            &visitor,
            "/password/forgot",
            "/password/reset",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 410);
    // The password is unchanged.
    let res = app
        .submit(
            &visitor,
            "/login",
            "/login",
            &[("email", "kat@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303);
}

#[actix_web::test]
async fn two_racing_uses_of_one_reset_link_set_one_password() {
    let app = spawn_app_with(false).await;
    app.register("Eve", "eve@example.com", PASSWORD).await;
    let visitor = app.new_browser();
    ask_for_reset(&app, &visitor, "eve@example.com").await;
    app.run_worker();
    let (_, text) = latest_email(&app, "eve@example.com", "password_reset");
    let link = link_path(&text, "/password/reset");
    let token = link.split("token=").nth(1).unwrap().to_owned();

    // Both browsers open the link first (a page opened after the other's reset would show
    // the link as used, with no form), then submit at the same moment.
    let (a, b) = (app.new_browser(), app.new_browser());
    let (csrf_a, csrf_b) = (
        page_csrf(&app, &a, &link).await,
        page_csrf(&app, &b, &link).await,
    );
    let post = |browser: &reqwest::Client, csrf: String, password: &'static str| {
        browser
            .post(app.url("/password/reset"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("token", token.as_str()),
                ("password", password),
            ])
            .send()
    };
    let (ra, rb) = futures_join(
        post(&a, csrf_a, "first racer password"),
        post(&b, csrf_b, "second racer password"),
    )
    .await;
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let mut statuses = vec![ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![303, 410]);
    let winner = if ra.status() == 303 {
        "first racer password"
    } else {
        "second racer password"
    };
    let res = app
        .submit(
            &app.new_browser(),
            "/login",
            "/login",
            &[("email", "eve@example.com"), ("password", winner)],
        )
        .await;
    assert_eq!(res.status(), 303);
    // One password was set: Eve is told once.
    assert_eq!(
        app.deliver_emails_listed(),
        ["password_changed eve@example.com"]
    );
}

/// The CSRF token of the form on `page`, as `browser` sees it.
async fn page_csrf(app: &TestApp, browser: &reqwest::Client, page: &str) -> String {
    let html = browser
        .get(app.url(page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&html);
    crate::helpers::csrf_in(&doc)
}

async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    tokio::join!(a, b)
}

#[actix_web::test]
async fn reset_requests_are_limited_per_address() {
    let app = spawn_app_with(false).await;
    app.register("Bob", "bob@example.com", PASSWORD).await;
    let visitor = app.new_browser();
    for _ in 0..3 {
        assert_eq!(
            ask_for_reset(&app, &visitor, "bob@example.com")
                .await
                .status(),
            200
        );
    }
    let res = ask_for_reset(&app, &visitor, "Bob@Example.com").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let resets = outbox_kinds(&app)
        .iter()
        .filter(|k| *k == "password_reset")
        .count();
    assert_eq!(resets, 3, "a mailbox cannot be flooded");
    // Another address is not affected; Bob can ask again later.
    assert_eq!(
        ask_for_reset(&app, &visitor, "other@example.com")
            .await
            .status(),
        200
    );
    app.clock.advance(TimeDelta::minutes(16));
    assert_eq!(
        ask_for_reset(&app, &visitor, "bob@example.com")
            .await
            .status(),
        200
    );
    // The requests let through are carried out: Bob gets a fourth link, the address with no
    // account gets nothing.
    app.run_worker();
    let resets = outbox_kinds(&app)
        .iter()
        .filter(|k| *k == "password_reset")
        .count();
    assert_eq!(resets, 4);
}

#[actix_web::test]
async fn after_an_email_change_links_sent_to_the_old_address_are_dead_and_it_is_told() {
    let app = spawn_app_with(false).await;
    app.register("Nina", "nina@example.com", PASSWORD).await;
    // A reset asked for (say by whoever reads the old mailbox) before the change…
    let stranger = app.new_browser();
    assert_eq!(
        ask_for_reset(&app, &stranger, "nina@example.com")
            .await
            .status(),
        200
    );
    app.run_worker();
    let (_, text) = latest_email(&app, "nina@example.com", "welcome");
    let welcome_link = link_path(&text, "/account/verify");
    let (_, text) = latest_email(&app, "nina@example.com", "password_reset");
    let reset_link = link_path(&text, "/password/reset");

    let res = app
        .submit(
            &app.client,
            "/account",
            "/account/email",
            &[("email", "nina@new.example"), ("email_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303);
    app.run_worker();

    // The old address is told, with the new one masked.
    let (raw, text) = latest_email(&app, "nina@example.com", "email_changed");
    assert!(header(&raw, "Subject").unwrap().contains("address"));
    assert!(text.contains("n***@new.example"), "{text}");
    assert!(!raw.contains("nina@new.example"));

    // The reset link sent to the old address no longer works…
    assert_eq!(status_of(&stranger, app.url(&reset_link)).await, 410);
    let token = reset_link.split("token=").nth(1).unwrap().to_owned();
    let res = app
        .submit(
            &stranger,
            "/password/forgot",
            "/password/reset",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 410);
    // …and the welcome link for the old address does not confirm the new one.
    let (status, _) = app.get_html(&welcome_link).await;
    assert_eq!(status, 410);
    let (_, doc) = app.get_html("/account").await;
    assert!(texts(&doc, "#email-status")[0].contains("nina@new.example is not confirmed yet"));
    // The password is unchanged; the new address's own link works.
    assert_eq!(app.login("nina@new.example", PASSWORD).await.status(), 303);
    let (_, text) = latest_email(&app, "nina@new.example", "verify_email");
    let (status, _) = app.get_html(&link_path(&text, "/account/verify")).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn asking_for_a_reset_does_the_same_work_for_known_and_unknown_addresses() {
    use boxoffice::db::schema::jobs;
    use diesel::prelude::*;
    let app = spawn_app_with(false).await;
    app.register("Ada", "ada@example.com", PASSWORD).await;
    app.run_worker();
    let visitor = app.new_browser();
    let emails = |app: &TestApp| -> usize {
        app.with_conn(|c| outbox::list(c, None, 1_000, 0).unwrap())
            .len()
    };
    let before = emails(&app);
    for address in ["ada@example.com", "nobody@example.com"] {
        assert_eq!(ask_for_reset(&app, &visitor, address).await.status(), 200);
    }
    // The request only queued a job, one per request, whichever the address; no token and
    // no email yet.
    let queued: Vec<(String, String)> = app.with_conn(|c| {
        jobs::table
            .filter(jobs::kind.eq("accounts.password_reset"))
            .order(jobs::id.asc())
            .select((jobs::kind, jobs::payload))
            .load(c)
            .unwrap()
    });
    assert_eq!(queued.len(), 2);
    assert!(queued[0].1.contains("ada@example.com"));
    assert!(queued[1].1.contains("nobody@example.com"));
    assert_eq!(emails(&app), before);
    // The worker sends the one link there is to send.
    app.run_worker();
    assert_eq!(emails(&app), before + 1);
    let (_, text) = latest_email(&app, "ada@example.com", "password_reset");
    assert!(text.contains("/password/reset?token="));
}
