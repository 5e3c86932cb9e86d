//! Issue 16: nobody can lock an account's owner out by guessing its password. Guesses are
//! throttled per address and per (address, account); the owner's known browser skips the
//! address limits; an account under a wide attack slows unknown browsers down, then sends them
//! to an emailed one-time sign-in link.
//!
//! Other client addresses are other loopback addresses (127.0.0.2…): Linux routes all of
//! 127.0.0.0/8 to the loopback interface.

use std::net::{IpAddr, Ipv4Addr};

use boxoffice::db::schema::email_outbox;
use chrono::TimeDelta;
use diesel::prelude::*;

use crate::helpers::{TestApp, attrs, spawn_app_configured, texts};

const PASSWORD: &str = "a long enough password";

/// A browser whose requests come from 127.0.0.`last`.
fn browser_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .expect("http client")
}

async fn login(
    app: &TestApp,
    browser: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.submit(
        browser,
        "/login",
        "/login",
        &[("email", email), ("password", password)],
    )
    .await
}

/// Slowdowns of at most 5 ms keep the tests quick (the pause itself is unit-tested). Sign-in
/// attempts per address are set low (20 an hour) so that an address gets throttled here; the
/// default is generous (`proxies.rs` has a crowd behind one address).
async fn app_with_accounts() -> TestApp {
    let app = spawn_app_configured(false, |s| {
        s.login_slowdown_ms = 5;
        s.logins_per_address_per_hour = 20;
    })
    .await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    app.create_admin("admin@example.com", PASSWORD);
    app
}

/// The newest email of `kind` to `to`: its token. (Links are sent by a background job: the
/// worker runs first.)
fn latest_token(app: &TestApp, to: &str, kind: &str) -> String {
    app.run_worker();
    let payload: String = app.with_conn(|c| {
        email_outbox::table
            .filter(email_outbox::kind.eq(kind))
            .filter(email_outbox::recipient.eq(to))
            .order(email_outbox::id.desc())
            .select(email_outbox::payload)
            .first(c)
            .unwrap_or_else(|_| panic!("no {kind} email to {to}"))
    });
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    payload["token"].as_str().expect("a token").to_owned()
}

fn emails_of_kind(app: &TestApp, kind: &str) -> i64 {
    app.run_worker();
    app.with_conn(|c| {
        email_outbox::table
            .filter(email_outbox::kind.eq(kind))
            .count()
            .get_result(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn thirty_failures_from_elsewhere_never_lock_the_owner_or_the_admin_out() {
    let app = app_with_accounts().await;
    for (account, first) in [("ada@example.com", 2), ("admin@example.com", 5)] {
        // Three addresses, ten wrong passwords each: 30 failures on the account.
        for last in first..first + 3 {
            let attacker = browser_from(last);
            for _ in 0..10 {
                let res = login(&app, &attacker, account, "not the password").await;
                assert_eq!(res.status(), 422, "{account} from 127.0.0.{last}");
            }
            // Each attacking address is throttled on the account…
            let res = login(&app, &attacker, account, "not the password").await;
            assert_eq!(res.status(), 429);
            assert!(res.headers().contains_key("retry-after"));
        }
        // …but the owner, from their own address in a browser never used before, gets in.
        let owner = browser_from(1);
        let res = login(&app, &owner, account, PASSWORD).await;
        assert_eq!(res.status(), 303, "{account} is not locked out");
        assert_eq!(res.headers()["location"], "/");
    }
}

#[actix_web::test]
async fn the_owners_known_browser_gets_in_while_its_address_is_throttled() {
    let app = app_with_accounts().await;
    // The owner signed in once from this browser: it is a known device of the account.
    let owner = browser_from(1);
    assert_eq!(
        login(&app, &owner, "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    // A known device of another account.
    let bobs = browser_from(1);
    assert_eq!(
        app.submit(
            &bobs,
            "/register",
            "/register",
            &[
                ("name", "Bob"),
                ("email", "bob@example.com"),
                ("password", PASSWORD)
            ],
        )
        .await
        .status(),
        303
    );
    assert_eq!(
        login(&app, &bobs, "bob@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    // Someone behind the same address (a shared network) guesses until the address is
    // throttled (20 attempts from it, some of which the sign-ins above took).
    let attacker = browser_from(1);
    let mut failures = 0;
    loop {
        let account = format!("someone{failures}@example.com");
        let status = login(&app, &attacker, &account, "not the password")
            .await
            .status();
        if status == 429 {
            break;
        }
        assert_eq!(status, 422);
        failures += 1;
        assert!(
            failures <= 20,
            "the address is throttled within 20 attempts"
        );
    }
    assert!(failures >= 15, "{failures}");
    assert_eq!(
        login(&app, &attacker, "ada@example.com", PASSWORD)
            .await
            .status(),
        429,
        "an unknown browser at the throttled address waits, right password or not"
    );
    assert_eq!(
        login(&app, &bobs, "ada@example.com", PASSWORD)
            .await
            .status(),
        429,
        "a browser known for another account is not known for this one"
    );
    let res = login(&app, &owner, "ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), 303, "the owner's known browser gets in");
    // A forged device cookie is worth nothing.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(
        &format!(
            "boxoffice_device={}.{}; Path=/",
            "a".repeat(32),
            "b".repeat(64)
        ),
        &app.url("/").parse().unwrap(),
    );
    let forger = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar)
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)))
        .build()
        .unwrap();
    assert_eq!(
        login(&app, &forger, "ada@example.com", PASSWORD)
            .await
            .status(),
        429
    );
    // Bob was welcomed when he signed up.
    assert_eq!(app.deliver_emails_listed(), ["welcome bob@example.com"]);
}

#[actix_web::test]
async fn a_wide_attack_sends_unknown_browsers_to_a_one_time_link_that_works_once() {
    let app = spawn_app_configured(false, |s| s.login_slowdown_ms = 0).await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    // A hundred failures from ten addresses.
    for last in 10..20 {
        let attacker = browser_from(last);
        for _ in 0..10 {
            assert_eq!(
                login(&app, &attacker, "ada@example.com", "not the password")
                    .await
                    .status(),
                422
            );
        }
    }
    // Unknown browsers are now refused, and offered a sign-in link.
    let owner = browser_from(1);
    let res = login(&app, &owner, "ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        attrs(&doc, "#login-link-offer input[name=email]", "value"),
        vec!["ada@example.com"]
    );

    // Asking for a link answers the same for an address without an account.
    let asked = app
        .submit(
            &owner,
            "/login/link",
            "/login/link",
            &[("email", "ada@example.com")],
        )
        .await;
    let unknown = app
        .submit(
            &owner,
            "/login/link",
            "/login/link",
            &[("email", "nobody@example.com")],
        )
        .await;
    assert_eq!(
        (asked.status().as_u16(), unknown.status().as_u16()),
        (200, 200)
    );
    let asked = scraper::Html::parse_document(&asked.text().await.unwrap());
    let unknown = scraper::Html::parse_document(&unknown.text().await.unwrap());
    assert_eq!(
        texts(&asked, "#login-link-sent")[0].replace("ada@example.com", "X"),
        texts(&unknown, "#login-link-sent")[0].replace("nobody@example.com", "X")
    );
    assert_eq!(emails_of_kind(&app, "login_link"), 1, "only Ada got one");

    // A forged link does nothing.
    let forged = format!("/login/link/{}", "0".repeat(64));
    assert_eq!(
        owner.get(app.url(&forged)).send().await.unwrap().status(),
        410
    );
    let token = latest_token(&app, "ada@example.com", "login_link");
    let link = format!("/login/link/{token}");
    assert_eq!(
        app.submit(&owner, &link, &forged, &[]).await.status(),
        410,
        "a forged link cannot be used"
    );

    // The real one signs in once…
    let res = app.submit(&owner, &link, &link, &[]).await;
    assert_eq!(res.status(), 303);
    let (status, doc) = {
        let res = owner.get(app.url("/account")).send().await.unwrap();
        (
            res.status(),
            scraper::Html::parse_document(&res.text().await.unwrap()),
        )
    };
    assert_eq!(status, 200, "signed in");
    assert!(!texts(&doc, "main").is_empty());
    // …and only once.
    let other = browser_from(2);
    assert_eq!(
        other.get(app.url(&link)).send().await.unwrap().status(),
        410
    );
    // The browser it was used in is now known: it signs in with the password despite the
    // attack, while other unknown browsers are still refused.
    assert_eq!(
        login(&app, &owner, "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    assert_eq!(
        login(&app, &browser_from(3), "ada@example.com", PASSWORD)
            .await
            .status(),
        429
    );

    // A link expires after 15 minutes.
    let late = browser_from(4);
    assert_eq!(
        app.submit(
            &late,
            "/login/link",
            "/login/link",
            &[("email", "ada@example.com")]
        )
        .await
        .status(),
        200
    );
    let token = latest_token(&app, "ada@example.com", "login_link");
    let link = format!("/login/link/{token}");
    let html = late.get(app.url(&link)).send().await.unwrap();
    assert_eq!(html.status(), 200);
    app.clock.advance(TimeDelta::minutes(16));
    assert_eq!(app.submit(&late, "/login", &link, &[]).await.status(), 410);
}

#[actix_web::test]
async fn sign_in_links_are_limited_per_address() {
    let app = app_with_accounts().await;
    let visitor = browser_from(5);
    for _ in 0..3 {
        assert_eq!(
            app.submit(
                &visitor,
                "/login/link",
                "/login/link",
                &[("email", "ada@example.com")]
            )
            .await
            .status(),
            200
        );
    }
    let res = app
        .submit(
            &visitor,
            "/login/link",
            "/login/link",
            &[("email", "ADA@example.com")],
        )
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(emails_of_kind(&app, "login_link"), 3);
    let bad = app
        .submit(
            &visitor,
            "/login/link",
            "/login/link",
            &[("email", "not-an-address")],
        )
        .await;
    assert_eq!(bad.status(), 422);
}

#[actix_web::test]
async fn a_sign_in_link_used_by_many_browsers_at_once_signs_in_exactly_one() {
    let app = app_with_accounts().await;
    let asker = browser_from(6);
    assert_eq!(
        app.submit(
            &asker,
            "/login/link",
            "/login/link",
            &[("email", "ada@example.com")]
        )
        .await
        .status(),
        200
    );
    let link = format!(
        "/login/link/{}",
        latest_token(&app, "ada@example.com", "login_link")
    );
    // Twelve browsers open the page (each gets its form and token), then all press at once.
    let mut ready = Vec::new();
    for i in 0..12u8 {
        let browser = browser_from(20 + i);
        let page = browser
            .get(app.url(&link))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = crate::helpers::csrf_in(&scraper::Html::parse_document(&page));
        ready.push((browser, token));
    }
    let presses = ready.iter().map(|(browser, token)| {
        browser
            .post(app.url(&link))
            .form(&[("csrf_token", token.as_str())])
            .send()
    });
    let statuses: Vec<u16> = futures_util::future::join_all(presses)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 410).count(),
        11,
        "{statuses:?}"
    );
}
