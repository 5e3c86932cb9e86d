//! Two instances of the application on one PostgreSQL database (issue 19, SCALE_OUT.md §3): a
//! change made through one reaches the live viewers of the other through `LISTEN/NOTIFY`, with
//! versions from one sequence; when an instance's listener loses its connection, its viewers
//! are told to refresh and updates resume once it is back. SQLite runs one process (its live
//! path is in process and every other live test covers it), so these run on PostgreSQL only.

use std::time::Duration;

use boxoffice::config::DatabaseUrl;
use boxoffice::startup::Application;
use diesel::{Connection, RunQueryDsl};

use crate::helpers::{TestApp, spawn_app, test_now};

use super::live::wait_for;
use super::shared::free_seats;
use super::{buyer, event_at, htmx_post};

/// A second instance on `app`'s database, as a deployment runs it: its address.
pub(crate) fn second_instance(app: &TestApp) -> String {
    let mut settings = app.settings.clone();
    settings.bind = "127.0.0.1:0".to_owned();
    let clock = boxoffice::clock::Clock::fixed(test_now());
    let mut other = Application::build(settings, clock).expect("a second instance builds");
    drop(other.take_worker());
    let port = other.port();
    actix_web::rt::spawn(other.run_until_stopped());
    format!("http://127.0.0.1:{port}")
}

async fn stream_at(address: &str, path: &str, last_event: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .get(format!("{address}{path}"))
        .header("Accept", "text/event-stream");
    if let Some(id) = last_event {
        req = req.header("Last-Event-ID", id);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    res
}

/// The version a message carries (`id:` of the server-sent event).
fn version_of(message: &str) -> u64 {
    message
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("id: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no id in {message}"))
}

#[actix_web::test]
async fn a_hold_through_one_instance_reaches_the_viewers_of_another_and_survives_a_lost_listener() {
    let app = spawn_app().await;
    if !matches!(app.database_url, DatabaseUrl::Postgres(_)) {
        return;
    }
    let other = second_instance(&app);
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let bob = buyer(&app, 1).await;
    let map = format!("/events/{event}/seats");
    let live = format!("/events/{event}/live");
    let seats = free_seats(&app, event, 2).await;

    // Held through the first instance, seen on the second.
    let mut there = stream_at(&other, &live, None).await;
    htmx_post(&bob, &app, &map, &map, &[("hold", &seats[0])]).await;
    let seen = wait_for(&mut there, &format!("id=\"s{}\"", seats[0])).await;
    let message = seen.rsplit("\n\n").nth(1).unwrap();
    assert!(message.contains("data-status=\"held\""), "{message}");
    let first = version_of(message);

    // Every listener loses its connection: the second instance's viewer is let go (its
    // browser comes back and is told to draw its map again).
    let DatabaseUrl::Postgres(url) = &app.database_url else {
        unreachable!()
    };
    let mut admin = diesel::PgConnection::establish(url).unwrap();
    diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = '{}'",
        boxoffice::services::live::LISTENER_NAME
    ))
    .execute(&mut admin)
    .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = there.chunk().await {}
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream ends when its instance's listener is lost"
    );
    let mut back = stream_at(&other, &live, Some(&first.to_string())).await;
    wait_for(&mut back, "event: refresh").await;

    // Once the listener is back, updates resume, numbered after the first.
    let mut again = stream_at(&other, &live, None).await;
    let seen = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            htmx_post(&bob, &app, &map, &map, &[("hold", &seats[1])]).await;
            let got = tokio::time::timeout(Duration::from_secs(2), async {
                let mut seen = String::new();
                while let Ok(Some(bytes)) = again.chunk().await {
                    seen.push_str(&String::from_utf8_lossy(&bytes));
                    if seen.contains(&format!("id=\"s{}\"", seats[1])) && seen.ends_with("\n\n") {
                        return seen;
                    }
                }
                seen
            })
            .await;
            if let Ok(seen) = got
                && seen.contains(&format!("id=\"s{}\"", seats[1]))
            {
                return seen;
            }
            // Not heard yet (the listener was still away): give the seat back, try again.
            htmx_post(&bob, &app, &map, &map, &[("release", &seats[1])]).await;
        }
    })
    .await
    .expect("updates resume after the listener reconnects");
    let message = seen
        .split("\n\n")
        .find(|m| m.contains(&format!("id=\"s{}\"", seats[1])) && m.contains("held"))
        .unwrap_or_else(|| panic!("the hold on the stream: {seen}"));
    assert!(version_of(message) > first, "{message}");
}
