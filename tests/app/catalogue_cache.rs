//! The catalogue kept per instance (issue 19, item 3): the listing, the home page and event
//! pages are read once per TTL (on the app's clock), and a change to an event made through the
//! app is shown at once, on this instance and (PostgreSQL) on every other.

use std::time::{Duration, Instant};

use boxoffice::config::DatabaseUrl;
use boxoffice::startup::Application;
use chrono::TimeDelta;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, test_now};

/// The first event of the public listing: its id and title.
async fn listed(app: &TestApp) -> (i64, String) {
    let (status, body) = app.get_json("/api/v1/events").await;
    assert_eq!(status, 200, "{body}");
    let first = &body["items"][0];
    (
        first["id"].as_i64().unwrap(),
        first["title"].as_str().unwrap().to_owned(),
    )
}

/// What `address` shows of event `id`: the listing's title for it (if listed), the event
/// JSON's title, and whether its HTML page and the listing page name `title`.
async fn shown(address: &str, id: i64, title: &str) -> (Option<String>, String, bool, bool) {
    let client = reqwest::Client::new();
    let get = |path: String| client.get(format!("{address}{path}")).send();
    let list: Value = get("/api/v1/events".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let in_list = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .map(|e| e["title"].as_str().unwrap().to_owned());
    let one: Value = get(format!("/api/v1/events/{id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = get(format!("/events/{id}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let listing = get("/events".into()).await.unwrap().text().await.unwrap();
    (
        in_list,
        one["title"].as_str().unwrap_or_default().to_owned(),
        page.contains(title),
        listing.contains(title),
    )
}

fn address(app: &TestApp) -> String {
    app.url("").trim_end_matches('/').to_owned()
}

async fn edit_title(app: &TestApp, token: &str, id: i64, title: &str) {
    let path = format!("/api/v1/admin/events/{id}");
    let (status, event) = app
        .api(Some(token), reqwest::Method::GET, &path, None)
        .await;
    assert_eq!(status, 200, "{event}");
    let body = json!({"version": event["version"], "title": title});
    let (status, edited) = app
        .api(Some(token), reqwest::Method::PATCH, &path, Some(&body))
        .await;
    assert_eq!(status, 200, "{edited}");
}

#[actix_web::test]
async fn the_catalogue_is_kept_for_its_ttl_and_an_edit_through_the_app_shows_at_once() {
    let app = spawn_app().await;
    let (id, title) = listed(&app).await;
    let here = address(&app);
    assert_eq!(
        shown(&here, id, &title).await,
        (Some(title.clone()), title.clone(), true, true)
    );

    // Changed behind the app's back (as a script on the database would): the kept answers
    // are shown until the TTL (5 s of app time) has passed…
    let renamed = "Renamed Behind The Apps Back";
    app.with_conn(|c| {
        diesel::sql_query(format!(
            "UPDATE events SET title = '{renamed}' WHERE id = {id}"
        ))
        .execute(c)
        .unwrap()
    });
    assert_eq!(
        shown(&here, id, renamed).await,
        (Some(title.clone()), title.clone(), false, false),
        "kept within the TTL"
    );
    app.clock.advance(TimeDelta::milliseconds(4_900));
    assert_eq!(
        shown(&here, id, renamed).await.1,
        title,
        "still kept at 4.9 s"
    );
    app.clock.advance(TimeDelta::milliseconds(100));
    assert_eq!(
        shown(&here, id, renamed).await,
        (Some(renamed.to_owned()), renamed.to_owned(), true, true),
        "read again after the TTL"
    );

    // …while an edit through the app is shown at once, everywhere it appears.
    let token = app.admin_token().await;
    let edited = "Edited Through The Admin API";
    edit_title(&app, &token, id, edited).await;
    assert_eq!(
        shown(&here, id, edited).await,
        (Some(edited.to_owned()), edited.to_owned(), true, true)
    );

    // Cancelled: gone from the listing at once, its page says so.
    let (status, body) = app
        .api(
            Some(&token),
            reqwest::Method::POST,
            &format!("/api/v1/admin/events/{id}/cancel"),
            Some(&json!({"reason": "The venue flooded."})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let (in_list, _, _, _) = shown(&here, id, edited).await;
    assert_eq!(in_list, None, "a cancelled event is not listed");
    let (_, one) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!(one["status"], "cancelled", "{one}");
    // The cancellation's refunds (none are due: nobody bought) run in the background.
    app.run_worker();
}

#[actix_web::test]
async fn an_edit_through_one_instance_shows_at_once_on_another() {
    let app = spawn_app().await;
    if !matches!(app.database_url, DatabaseUrl::Postgres(_)) {
        // One process on SQLite: the test above covers it.
        return;
    }
    // A second instance on the same database; its clock never moves, so only the
    // invalidation it hears can make it read the catalogue again.
    let mut settings = app.settings.clone();
    settings.bind = "127.0.0.1:0".to_owned();
    let mut other =
        Application::build(settings, boxoffice::clock::Clock::fixed(test_now())).unwrap();
    drop(other.take_worker());
    let there = format!("http://127.0.0.1:{}", other.port());
    actix_web::rt::spawn(other.run_until_stopped());

    let (id, title) = listed(&app).await;
    assert_eq!(shown(&there, id, &title).await.1, title, "kept there");
    let token = app.admin_token().await;
    let edited = "Edited On The First Instance";
    let started = Instant::now();
    edit_title(&app, &token, id, edited).await;
    loop {
        let seen = shown(&there, id, edited).await;
        if seen == (Some(edited.to_owned()), edited.to_owned(), true, true) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the second instance still shows {seen:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn html_pages_are_never_shared_cacheable_while_the_public_json_is() {
    let app = spawn_app().await;
    let (id, _) = listed(&app).await;
    let cache_control = |res: &reqwest::Response| {
        res.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    // Anonymous pages carry a session's CSRF token: a browser may keep them, a shared cache
    // may not.
    for path in [
        "/".to_owned(),
        "/events".to_owned(),
        format!("/events/{id}"),
        "/login".to_owned(),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            cache_control(&res).as_deref(),
            Some("private, no-cache"),
            "{path}"
        );
    }
    let res = app.get("/api/v1/events").await;
    let public = cache_control(&res).unwrap_or_default();
    assert!(public.starts_with("public, max-age=5"), "{public}");
}
