//! One drawing for everyone (issue 18): the map page drawn once per state and compressed once,
//! each buyer's own seats drawn as theirs on top; live changes gathered for a tick and sent as
//! one message per part of the venue, a basket only to the buyer it belongs to; a stream that
//! opens after its page first gets what the page missed.

use std::io::Read;

use scraper::Html;

use crate::helpers::{TestApp, attrs, spawn_app, spawn_app_configured};

use super::live::{open_stream, wait_for};
use super::{api_seats, buyer, event_at, htmx_post, page};

pub(super) async fn free_seats(app: &TestApp, event: i64, n: usize) -> Vec<String> {
    api_seats(app, event)
        .await
        .into_iter()
        .filter(|s| s["status"] == "available")
        .take(n)
        .map(|s| s["id"].to_string())
        .collect()
}

/// The page's body as sent with `Accept-Encoding: encoding`, decoded here.
async fn fetched(browser: &reqwest::Client, app: &TestApp, path: &str, encoding: &str) -> String {
    let res = browser
        .get(app.url(path))
        .header("Accept-Encoding", encoding)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let coding = res
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.bytes().await.unwrap();
    let mut text = String::new();
    match coding.as_deref() {
        Some("br") => {
            brotli::Decompressor::new(&bytes[..], 4096)
                .read_to_string(&mut text)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .unwrap();
        }
        None => text = String::from_utf8(bytes.to_vec()).unwrap(),
        Some(other) => panic!("unexpected encoding {other}"),
    }
    text
}

#[actix_web::test]
async fn the_map_is_drawn_for_everyone_and_a_buyers_own_seats_show_as_theirs_in_every_encoding() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let bob = buyer(&app, 1).await;
    let map = format!("/events/{event}/seats");
    let seat = free_seats(&app, event, 1).await.remove(0);
    // Drawn (and kept) before Bob holds.
    let (_, before) = page(&app.client, &app, &map).await;
    assert_eq!(
        attrs(&before, &format!("#s{seat}"), "data-status"),
        vec!["available"]
    );
    htmx_post(&bob, &app, &map, &map, &[("hold", &seat)]).await;
    for (path, id) in [
        (map.clone(), format!("#s{seat}")),
        (format!("{map}?view=list"), format!("#r{seat}")),
    ] {
        let (_, anyone) = page(&app.client, &app, &path).await;
        assert_eq!(attrs(&anyone, &id, "data-status"), vec!["held"], "{path}");
        let (_, his) = page(&bob, &app, &path).await;
        assert_eq!(attrs(&his, &id, "data-status"), vec!["mine"], "{path}");
        // Every other seat as everyone sees it.
        let others = |doc: &Html| {
            attrs(doc, "[data-seat-id]", "data-status")
                .into_iter()
                .filter(|s| s != "mine")
                .count()
        };
        assert_eq!(others(&anyone), others(&his) + 1, "{path}");
        // The same page whatever the encoding: the shared part compressed once, the rest
        // for this visitor, joined into one stream.
        let plain = fetched(&bob, &app, &path, "identity").await;
        assert!(plain.contains("data-status=\"mine\""));
        for encoding in ["gzip, deflate, br, zstd", "gzip"] {
            assert_eq!(
                fetched(&bob, &app, &path, encoding).await,
                plain,
                "{path} {encoding}"
            );
        }
        let plain = fetched(&app.client, &app, &path, "identity").await;
        for encoding in ["br", "gzip"] {
            assert_eq!(
                fetched(&app.client, &app, &path, encoding).await,
                plain,
                "{path} {encoding}"
            );
        }
    }
    // Bob's basket lets go: everyone sees the seat free again at once.
    htmx_post(&bob, &app, &map, &map, &[("release", &seat)]).await;
    let (_, after) = page(&app.client, &app, &map).await;
    assert_eq!(
        attrs(&after, &format!("#s{seat}"), "data-status"),
        vec!["available"]
    );
}

#[actix_web::test]
async fn changes_within_a_tick_reach_every_viewer_as_one_message_and_a_basket_only_its_buyer() {
    let app = spawn_app_configured(true, |s| s.live_tick_ms = 1_000).await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let (bob, carol) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let map = format!("/events/{event}/seats");
    let live = format!("/events/{event}/live");
    let mut anyone = open_stream(&app.client, &app, &live).await;
    let mut bobs = open_stream(&bob, &app, &live).await;
    let mut carols = open_stream(&carol, &app, &live).await;
    let seats = free_seats(&app, event, 2).await;
    for seat in &seats {
        htmx_post(&bob, &app, &map, &map, &[("hold", seat)]).await;
    }
    // One message names both seats, as held, for everyone.
    let seen = wait_for(&mut anyone, &format!("id=\"s{}\"", seats[1])).await;
    let message = seen.rsplit("\n\n").nth(1).unwrap();
    for seat in &seats {
        assert!(message.contains(&format!("id=\"s{seat}\"")), "{message}");
    }
    assert!(!message.contains("data-status=\"mine\""), "{message}");
    assert!(!seen.contains("id=\"basket\""));
    // Bob also gets his basket, with his seats drawn as his.
    let his = wait_for(&mut bobs, "id=\"basket\"").await;
    let basket = his.rsplit("\n\n").nth(1).unwrap();
    for seat in &seats {
        assert!(
            basket.contains(&format!("data-seat-id=\"{seat}\"")),
            "{basket}"
        );
    }
    assert_eq!(
        basket.matches("data-status=\"mine\"").count(),
        2,
        "{basket}"
    );
    // Carol sees the seats go, and no basket: the change was not hers.
    let hers = wait_for(&mut carols, &format!("id=\"s{}\"", seats[1])).await;
    assert!(!hers.contains("id=\"basket\""), "{hers}");
    // The same bytes for every viewer of the same part of the venue.
    let shared = |seen: &str| {
        seen.split("\n\n")
            .find(|m| m.contains(&format!("id=\"s{}\"", seats[1])))
            .unwrap()
            .to_owned()
    };
    assert_eq!(shared(&seen), shared(&hers));
    assert_eq!(shared(&seen), shared(&his));
}

#[actix_web::test]
async fn a_stream_opened_after_its_page_was_drawn_first_sends_what_the_page_missed() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let bob = buyer(&app, 1).await;
    let map = format!("/events/{event}/seats");
    let (_, doc) = page(&app.client, &app, &map).await;
    let stream = attrs(&doc, "#live", "sse-connect").remove(0);
    let seat = free_seats(&app, event, 1).await.remove(0);
    // Bob holds after the page was drawn, and the change has gone out before its stream opens.
    htmx_post(&bob, &app, &map, &map, &[("hold", &seat)]).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let mut late = open_stream(&app.client, &app, &stream).await;
    let seen = wait_for(&mut late, &format!("id=\"s{seat}\"")).await;
    assert!(seen.contains("data-status=\"held\""), "{seen}");
    // A stream that says nothing of its page hears only what comes next.
    let mut plain = open_stream(&app.client, &app, &format!("/events/{event}/live")).await;
    htmx_post(&bob, &app, &map, &map, &[("release", &seat)]).await;
    let seen = wait_for(&mut plain, &format!("id=\"s{seat}\"")).await;
    assert!(seen.contains("data-status=\"available\""), "{seen}");
    assert!(!seen.contains("data-status=\"held\""), "{seen}");
}

/// Each seat's (id, status, data-v) on a drawn page.
fn seats_drawn(doc: &Html) -> Vec<(String, String, u64)> {
    let sel = scraper::Selector::parse("[data-seat-id]").unwrap();
    doc.select(&sel)
        .map(|e| {
            let attr = |name: &str| e.value().attr(name).unwrap().to_owned();
            (
                attr("data-seat-id"),
                attr("data-status"),
                attr("data-v").parse().unwrap(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn a_change_draws_again_only_the_part_of_the_map_it_touched() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let bob = buyer(&app, 1).await;
    let map = format!("/events/{event}/seats");
    let seat = free_seats(&app, event, 1).await.remove(0);
    for path in [map.clone(), format!("{map}?view=list")] {
        let (_, doc) = page(&app.client, &app, &path).await;
        let before = seats_drawn(&doc);
        htmx_post(&bob, &app, &map, &map, &[("hold", &seat)]).await;
        let (_, doc) = page(&app.client, &app, &path).await;
        let after = seats_drawn(&doc);
        assert_eq!(before.len(), after.len(), "{path}");
        assert!(
            after.len() > 800,
            "{path}: the theatre has {} seats",
            after.len()
        );
        // Drawn again: the seat that changed and the seats drawn beside it, not the rest,
        // which keep the version they were drawn at.
        let redrawn: Vec<&String> = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| b.2 != a.2)
            .map(|(_, a)| &a.0)
            .collect();
        assert!(redrawn.contains(&&seat), "{path}");
        assert!(
            redrawn.len() * 2 < after.len(),
            "{path}: {} of {} seats drawn again",
            redrawn.len(),
            after.len()
        );
        // And the page as a whole is the seats as they are.
        let truth: std::collections::HashMap<String, String> = api_seats(&app, event)
            .await
            .into_iter()
            .map(|s| {
                (
                    s["id"].to_string(),
                    s["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (id, status, _) in &after {
            assert_eq!(Some(status), truth.get(id), "{path}: seat {id}");
        }
        assert_eq!(
            after.iter().find(|s| s.0 == seat).map(|s| s.1.as_str()),
            Some("held")
        );
        htmx_post(&bob, &app, &map, &map, &[("release", &seat)]).await;
    }
}
