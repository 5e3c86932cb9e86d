//! How the map is drawn: every seat with its state and label, big venues by section.

use serde_json::Value;

use crate::helpers::{attrs, spawn_app, texts};

use super::{api_seats, event_at, page, select};

#[actix_web::test]
async fn the_map_draws_every_seat_with_its_state_price_and_a_spoken_label() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let (status, doc) = page(&app.client, &app, &format!("/events/{event}/seats")).await;
    assert_eq!(status, 200);

    let api: std::collections::HashMap<String, Value> = api_seats(&app, event)
        .await
        .into_iter()
        .map(|s| (s["id"].to_string(), s))
        .collect();
    let seats = select(&doc, "#seat-svg .seat");
    assert_eq!(seats.len(), api.len(), "every seat of the event is drawn");
    for drawn in &seats {
        let el = drawn.value();
        let listed = &api[el.attr("data-seat-id").unwrap()];
        assert_eq!(el.attr("data-status").unwrap(), listed["status"]);
        assert_eq!(el.attr("role"), Some("button"));
        assert!(el.attr("tabindex").is_some(), "focusable");
        let label = el.attr("aria-label").unwrap();
        let price = format!(
            "£{}.{:02}",
            listed["price_cents"].as_i64().unwrap() / 100,
            listed["price_cents"].as_i64().unwrap() % 100
        );
        let expected_start = format!(
            "{}, row {}, seat {}, {price}, ",
            listed["section"].as_str().unwrap(),
            listed["row"].as_str().unwrap(),
            listed["number"]
        );
        assert!(
            label.starts_with(&expected_start),
            "{label} / {expected_start}"
        );
        // Only free seats can be clicked by someone signed out... who is asked to log in.
        let clickable = el.attr("hx-post").is_some();
        assert_eq!(clickable, listed["status"] == "available", "{label}");
    }
    // Wheelchair spaces are squares and say so; the legend names every tier with its price.
    let squares = select(&doc, "#seat-svg rect.seat");
    assert!(!squares.is_empty());
    assert!(squares.iter().all(|s| {
        s.value()
            .attr("aria-label")
            .unwrap()
            .ends_with("wheelchair space")
    }));
    let (_, detail) = app.get_json(&format!("/api/v1/events/{event}")).await;
    let legend = texts(&doc, ".legend li[data-tier-id]");
    assert_eq!(legend.len(), detail["tiers"].as_array().unwrap().len());
    assert!(legend.iter().any(|t| t.contains('£')));
    // The page subscribes to its live stream, saying which version it was drawn at (the
    // stream first sends what came after).
    let stream = attrs(&doc, "#live", "sse-connect");
    let since = stream[0]
        .strip_prefix(&format!("/events/{event}/live?section=all&v="))
        .unwrap_or_else(|| panic!("{stream:?}"));
    assert!(since.parse::<u64>().is_ok(), "{stream:?}");
    // And the event page leads here.
    let (_, show) = app.get_html(&format!("/events/{event}")).await;
    assert_eq!(
        attrs(&show, "#choose-seats", "href"),
        vec![format!("/events/{event}/seats")]
    );
}

#[actix_web::test]
async fn a_big_venue_opens_on_its_sections_and_zooms_into_one() {
    let app = spawn_app().await;
    let event = event_at(&app, "Thamesgate Arena", 100).await;
    let (_, overview) = app.get_html(&format!("/events/{event}/seats")).await;
    assert!(select(&overview, "#seat-svg .seat").is_empty());
    let sections = select(&overview, "#seat-svg .map-section");
    assert!(sections.len() >= 20, "the arena's blocks");
    let first = sections[0].value();
    let href = first.attr("href").unwrap().to_owned();
    let section_id = first.attr("data-section-id").unwrap().to_owned();
    assert!(first.attr("aria-label").unwrap().contains("left"));

    let (status, zoomed) = app.get_html(&href).await;
    assert_eq!(status, 200);
    let name = first
        .attr("aria-label")
        .unwrap()
        .split(": ")
        .next()
        .unwrap()
        .to_owned();
    let seats = select(&zoomed, "#seat-svg .seat");
    let in_section = api_seats(&app, event)
        .await
        .iter()
        .filter(|s| s["section"] == name.as_str())
        .count();
    assert_eq!(seats.len(), in_section, "only that section's seats");
    assert!(in_section > 0);
    // Actions from this page say which section they came from.
    assert!(attrs(&zoomed, "#seat-area", "hx-vals")[0].contains(&section_id));

    let (_, all) = app
        .get_html(&format!("/events/{event}/seats?section=all"))
        .await;
    assert_eq!(
        select(&all, "#seat-svg .seat").len(),
        api_seats(&app, event).await.len()
    );
    // A section that is not this event's shows the overview, not an error.
    let (status, _) = app
        .get_html(&format!("/events/{event}/seats?section=999999"))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.get_html("/events/999999/seats").await;
    assert_eq!(status, 404);
}
