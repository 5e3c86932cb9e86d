//! Issue 19, item 2: the client's address behind a load balancer. `X-Forwarded-For` and
//! `Forwarded` count only when the connection comes from a proxy named in
//! `BOXOFFICE_TRUSTED_PROXIES`; from anyone else they change nothing. (Other client addresses
//! are other loopback addresses: Linux routes all of 127.0.0.0/8 to the loopback interface.)

use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::helpers::{TestApp, spawn_app_configured};

const PASSWORD: &str = "a long enough password";

/// A browser at 127.0.0.`last` whose every request carries `header: value`.
fn browser(last: u8, header: &'static str, value: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(header, HeaderValue::from_str(value).unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Wrong passwords for Ada until refused: how many went through first (at most 30).
async fn failures_until_throttled(app: &TestApp, browser: &reqwest::Client) -> usize {
    for n in 0..30 {
        let res = app
            .submit(
                browser,
                "/login",
                "/login",
                &[
                    ("email", "ada@example.com"),
                    ("password", "not the password"),
                ],
            )
            .await;
        match res.status().as_u16() {
            422 => {}
            429 => return n,
            other => panic!("unexpected {other}"),
        }
    }
    30
}

async fn app_trusting(proxies: &str) -> TestApp {
    let proxies = proxies.to_owned();
    let app = spawn_app_configured(false, move |s| {
        s.login_slowdown_ms = 5;
        s.trusted_proxies = proxies
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| IpAddr::from_str(p).unwrap().into())
            .collect();
    })
    .await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    app
}

#[actix_web::test]
async fn a_forged_forwarded_header_from_an_untrusted_peer_changes_nothing() {
    let app = app_trusting("").await;
    // A guesser that names a new address on every request is still one address.
    let mut throttled_after = Vec::new();
    for header in ["x-forwarded-for", "forwarded"] {
        let value = if header == "forwarded" {
            "for=198.51.100.1"
        } else {
            "198.51.100.1"
        };
        let guesser = browser(if header == "forwarded" { 31 } else { 30 }, header, value);
        throttled_after.push(failures_until_throttled(&app, &guesser).await);
        // Another "client" through the same forged header: refused at once, same address.
        let again = browser(
            if header == "forwarded" { 31 } else { 30 },
            header,
            "198.51.100.2",
        );
        assert_eq!(failures_until_throttled(&app, &again).await, 0, "{header}");
    }
    assert_eq!(throttled_after, [10, 10]);
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limits() {
    let app = app_trusting("127.0.0.40").await;
    // Through the proxy, one client guesses until throttled…
    let first = browser(40, "x-forwarded-for", "198.51.100.1");
    assert_eq!(failures_until_throttled(&app, &first).await, 10);
    // …and another client through the same proxy is not refused for it.
    let second = browser(40, "x-forwarded-for", "198.51.100.2");
    assert_eq!(failures_until_throttled(&app, &second).await, 10);
    // The standard header is read too.
    let third = browser(40, "forwarded", "for=\"[2001:db8::7]:4711\"");
    assert_eq!(failures_until_throttled(&app, &third).await, 10);
    // A client that writes its own header before the proxy's entry is the proxy's entry.
    let forger = browser(40, "x-forwarded-for", "203.0.113.5, 198.51.100.1");
    assert_eq!(failures_until_throttled(&app, &forger).await, 0);
    // A peer not on the list is its own address, whatever it writes.
    let outsider = browser(41, "x-forwarded-for", "198.51.100.3");
    assert_eq!(failures_until_throttled(&app, &outsider).await, 10);
    let same = browser(41, "x-forwarded-for", "198.51.100.4");
    assert_eq!(failures_until_throttled(&app, &same).await, 0);
}

#[actix_web::test]
async fn a_crowd_behind_one_address_signs_up_and_in_while_guessing_stays_limited() {
    let app = app_trusting("").await;
    // A hundred people behind one carrier's address at ten o'clock.
    let crowd: Vec<reqwest::Client> = (0..100).map(|_| browser(50, "x-crowd", "1")).collect();
    for (i, person) in crowd.iter().enumerate() {
        let email = format!("fan{i}@example.com");
        let res = app
            .submit(
                person,
                "/register",
                "/register",
                &[
                    ("name", &format!("Fan {i}")),
                    ("email", &email),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "fan {i} signs up");
    }
    for (i, person) in crowd.iter().enumerate() {
        let email = format!("fan{i}@example.com");
        let res = app
            .submit(
                person,
                "/login",
                "/login",
                &[("email", &email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 303, "fan {i} signs in");
    }
    // Someone at the same address guessing Ada's password is still stopped at ten.
    let guesser = browser(50, "x-crowd", "1");
    assert_eq!(failures_until_throttled(&app, &guesser).await, 10);
    // Every fan was welcomed.
    let welcomed = app.deliver_emails_listed();
    assert_eq!(welcomed.len(), 100);
    assert!(welcomed.contains(&"welcome fan99@example.com".to_owned()));
}

#[actix_web::test]
async fn sign_ups_per_address_are_a_setting() {
    let app = spawn_app_configured(false, |s| s.signups_per_address_per_hour = 3).await;
    let person = browser(60, "x-test", "1");
    let mut statuses = Vec::new();
    for i in 0..4 {
        let res = app
            .submit(
                &person,
                "/register",
                "/register",
                &[
                    ("name", "Someone"),
                    ("email", &format!("someone{i}@example.com")),
                    ("password", PASSWORD),
                ],
            )
            .await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [303, 303, 303, 429]);
    // Another address is not held up by it.
    let other = browser(61, "x-test", "1");
    let res = app
        .submit(
            &other,
            "/register",
            "/register",
            &[
                ("name", "Someone"),
                ("email", "someone9@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let welcomed = app.deliver_emails_listed();
    assert_eq!(welcomed.len(), 4, "{welcomed:?}");
    assert!(welcomed.iter().all(|e| e.starts_with("welcome ")));
}
