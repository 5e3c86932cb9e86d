//! The live stream: other buyers' holds, reconnects, baskets running out, venue edits.

use std::time::Duration;

use chrono::TimeDelta;
use scraper::Html;

use crate::helpers::{TestApp, attrs, spawn_app, spawn_app_configured, texts};

use super::{api_seats, buyer, event_at, htmx_post, user_id};

/// Reads the live stream until an event containing `needle` has arrived whole; answers
/// everything read up to the end of that event.
pub(super) async fn wait_for(stream: &mut reqwest::Response, needle: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(at) = seen.find(needle)
            && let Some(end) = seen[at..].find("\n\n")
        {
            return seen[..at + end + 2].to_owned();
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, stream.chunk()).await {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("no {needle:?} on the stream ({other:?}); saw:\n{seen}"),
        }
    }
}

pub(super) async fn open_stream(
    browser: &reqwest::Client,
    app: &TestApp,
    path: &str,
) -> reqwest::Response {
    let res = browser
        .get(app.url(path))
        .header("Accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    res
}

#[actix_web::test]
async fn viewers_on_the_live_stream_see_another_buyers_hold_and_release() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let map = format!("/events/{event}/seats");
    let mut watcher = open_stream(&app.client, &app, &format!("/events/{event}/live")).await;
    let mut bobs = open_stream(&bob, &app, &format!("/events/{event}/live")).await;
    let seat = api_seats(&app, event)
        .await
        .into_iter()
        .find(|s| s["status"] == "available")
        .unwrap()["id"]
        .to_string();

    // Bob holds it: an anonymous viewer sees it held, Bob's own stream shows it as his, with
    // his basket.
    htmx_post(&bob, &app, &map, &map, &[("hold", &seat)]).await;
    let seen = wait_for(&mut watcher, &format!("id=\"s{seat}\"")).await;
    let update = seen.rsplit("event: update").next().unwrap();
    let html: String = update
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    let doc = Html::parse_fragment(&html);
    assert_eq!(
        attrs(&doc, &format!("#s{seat}"), "data-status"),
        vec!["held"]
    );
    assert_eq!(
        attrs(&doc, &format!("#s{seat}"), "hx-swap-oob"),
        vec!["true"]
    );
    let seen = wait_for(&mut bobs, "id=\"basket\"").await;
    assert!(seen.contains(&format!("id=\"s{seat}\"")));
    assert!(seen.contains("data-status=\"mine\""));

    // Through the JSON API too: the same publishing.
    let _ = ada;
    htmx_post(&bob, &app, &map, &map, &[("release", &seat)]).await;
    let seen = wait_for(&mut watcher, "data-status=\"available\"").await;
    assert!(seen.contains(&format!("id=\"s{seat}\"")));
}

#[actix_web::test]
async fn a_viewer_that_reconnects_is_told_to_refresh_its_map() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let mut res = app
        .client
        .get(app.url(&format!("/events/{event}/live")))
        .header("Last-Event-ID", "41")
        .send()
        .await
        .unwrap();
    let seen = wait_for(&mut res, "event: refresh").await;
    assert!(seen.starts_with("retry: "));
    let res = app.get("/events/999999/live").await;
    assert_eq!(res.status(), 404);
}

#[actix_web::test]
async fn a_basket_that_runs_out_is_shown_expired_and_its_seats_come_back_for_everyone() {
    let app = spawn_app_configured(true, |s| s.hold_seconds = 60).await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let ada = buyer(&app, 1).await;
    let map = format!("/events/{event}/seats");
    let (_, _, answer) = htmx_post(&ada, &app, &map, &map, &[("hold", "0")]).await;
    assert!(texts(&answer, "#messages")[0].contains("could not be read"));
    let seat = api_seats(&app, event)
        .await
        .into_iter()
        .find(|s| s["status"] == "available")
        .unwrap()["id"]
        .to_string();
    let (_, _, answer) = htmx_post(&ada, &app, &map, &map, &[("hold", &seat)]).await;
    assert!(texts(&answer, "#countdown")[0].starts_with("1:00"));
    let mut watcher = open_stream(&app.client, &app, &format!("/events/{event}/live")).await;

    app.clock.advance(TimeDelta::seconds(61));
    // At once, before any sweep: the seat is free for everyone, and the basket says it ran out
    // (the page asks when its countdown reaches zero).
    let (_, public) = app.get_html(&map).await;
    assert_eq!(
        attrs(&public, &format!("#s{seat}"), "data-status"),
        vec!["available"]
    );
    let res = ada
        .get(app.url(&format!("/events/{event}/basket")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    let answer = Html::parse_fragment(&res.text().await.unwrap());
    assert_eq!(texts(&answer, "#basket-expired").len(), 1);
    assert_eq!(
        attrs(&answer, &format!("#s{seat}"), "data-status"),
        vec!["available"]
    );
    // The sweeper ends the booking and every viewer is told.
    app.run_worker();
    let seen = wait_for(&mut watcher, &format!("id=\"s{seat}\"")).await;
    assert!(seen.contains("data-status=\"available\""));
    let (_, mine) = app.get_json("/api/v1/events").await;
    assert!(mine["items"].is_array());
    let status: String = {
        use boxoffice::db::schema::bookings;
        use diesel::prelude::*;
        app.with_conn(|c| {
            bookings::table
                .filter(bookings::user_id.eq(user_id(&app, 1)))
                .select(bookings::status)
                .first(c)
                .unwrap()
        })
    };
    assert_eq!(status, "expired");
    // Ada is told her basket ran out.
    assert_eq!(
        app.deliver_emails_listed(),
        ["hold_expired seatmap1@example.com"]
    );
}

/// The map keeps each venue's layout, and reads it again once the venue has changed.
#[actix_web::test]
async fn a_venue_edit_shows_on_the_map_at_once() {
    use boxoffice::db::schema::{events, seats, venues};
    use diesel::prelude::*;
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let map = format!("/events/{event}/seats");
    let (_, before) = app.get_html(&map).await;
    let seat: i64 = attrs(&before, "#seat-svg .seat", "data-seat-id")[0]
        .parse()
        .unwrap();
    let label = |doc: &Html| attrs(doc, &format!("#s{seat}"), "aria-label")[0].clone();
    assert!(label(&before).contains(", row A, "), "{}", label(&before));
    // The box office renames the row (as a venue edit would, moving the venue's updated_at).
    app.with_conn(|c| {
        let venue: i64 = events::table
            .filter(events::id.eq(event))
            .select(events::venue_id)
            .first(c)
            .unwrap();
        diesel::update(seats::table.filter(seats::id.eq(seat)))
            .set(seats::row_label.eq("AA"))
            .execute(c)
            .unwrap();
        diesel::update(venues::table.filter(venues::id.eq(venue)))
            .set(venues::updated_at.eq(app.clock.now() + TimeDelta::seconds(1)))
            .execute(c)
            .unwrap();
    });
    let (_, after) = app.get_html(&map).await;
    assert!(label(&after).contains(", row AA, "), "{}", label(&after));
}
