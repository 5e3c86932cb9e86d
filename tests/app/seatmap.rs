//! The live seat map page as a browser uses it: drawn from the venue layout with every seat's
//! state, price and label; clicks that hold and give back seats (htmx swaps, or plain forms
//! without JavaScript); best available and standing from the page; the basket; the booking
//! page; and the live stream that tells every viewer what changed.

use std::time::Duration;

use chrono::TimeDelta;
use scraper::{Html, Selector};
use serde_json::Value;

use crate::helpers::{TestApp, attrs, spawn_app, spawn_app_configured, texts};

const PASSWORD: &str = "a long enough password";

/// A signed-in browser of a new account `n`.
async fn buyer(app: &TestApp, n: usize) -> reqwest::Client {
    use boxoffice::services::accounts::{self, Registration};
    let email = format!("seatmap{n}@example.com");
    let r = Registration::parse(&format!("Buyer {n}"), &email, PASSWORD).unwrap();
    accounts::register(&app.db, &r, 4, app.clock.now()).unwrap();
    // Verified: these buyers hold more than an unverified account may.
    app.verify(&email);
    let browser = app.new_browser();
    let res = app
        .submit(
            &browser,
            "/login",
            "/login",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303, "signed in");
    browser
}

/// An on-sale event at `venue` with at least `free` available seats (or places).
async fn event_at(app: &TestApp, venue: &str, free: i64) -> i64 {
    let (_, list) = app.get_json("/api/v1/events?per_page=50").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["venue"]["name"] == venue && e["available"].as_i64().unwrap() >= free)
        .unwrap_or_else(|| panic!("an on-sale event at {venue}"))["id"]
        .as_i64()
        .unwrap()
}

pub(crate) async fn page(browser: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Html) {
    let res = browser.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, Html::parse_document(&res.text().await.unwrap()))
}

/// The CSRF token htmx sends, from the page's `<body hx-headers>`.
fn htmx_token(doc: &Html) -> String {
    let headers = attrs(doc, "body", "hx-headers").pop().expect("hx-headers");
    let v: Value = serde_json::from_str(&headers).unwrap();
    v["X-CSRF-Token"].as_str().unwrap().to_owned()
}

/// A POST as htmx sends it from the map page `from`.
pub(crate) async fn htmx_post(
    browser: &reqwest::Client,
    app: &TestApp,
    from: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Html) {
    let (_, doc) = page(browser, app, from).await;
    let res = browser
        .post(app.url(action))
        .header("HX-Request", "true")
        .header("HX-Current-URL", app.url(from))
        .header("X-CSRF-Token", htmx_token(&doc))
        .header("Origin", &app.address)
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (
        status,
        headers,
        Html::parse_fragment(&res.text().await.unwrap()),
    )
}

fn select<'a>(doc: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel).collect()
}

/// The seats of the event as the JSON API gives them: id → (status, section, row, number, price).
async fn api_seats(app: &TestApp, event: i64) -> Vec<Value> {
    let (_, map) = app.get_json(&format!("/api/v1/events/{event}/seats")).await;
    map["seats"].as_array().unwrap().clone()
}

/// Status of one seat in the database, and the user whose booking holds it.
fn seat_row(app: &TestApp, event: i64, seat: i64) -> (String, Option<i64>) {
    use boxoffice::db::schema::{bookings, event_seats};
    use diesel::prelude::*;
    app.with_conn(|c| {
        event_seats::table
            .left_join(bookings::table.on(bookings::id.nullable().eq(event_seats::booking_id)))
            .filter(event_seats::event_id.eq(event))
            .filter(event_seats::seat_id.eq(seat))
            .select((event_seats::status, bookings::user_id.nullable()))
            .first::<(String, Option<i64>)>(c)
            .unwrap()
    })
}

fn user_id(app: &TestApp, n: usize) -> i64 {
    use boxoffice::db::schema::users;
    use diesel::prelude::*;
    app.with_conn(|c| {
        users::table
            .filter(users::email.eq(format!("seatmap{n}@example.com")))
            .select(users::id)
            .first::<i64>(c)
            .unwrap()
    })
}

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
    // The page subscribes to its live stream.
    assert_eq!(
        attrs(&doc, "#live", "sse-connect"),
        vec![format!("/events/{event}/live?section=all")]
    );
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

#[actix_web::test]
async fn a_click_holds_a_seat_at_once_and_a_second_click_gives_it_back() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let ada = buyer(&app, 1).await;
    let map = format!("/events/{event}/seats");
    let free = api_seats(&app, event)
        .await
        .into_iter()
        .find(|s| s["status"] == "available")
        .unwrap();
    let seat = free["id"].as_i64().unwrap().to_string();
    // Every drawn seat carries the live version it was drawn at (data-v), so the page can
    // refuse an answer that arrives after a newer one.
    let version = |doc: &Html| -> u64 {
        let found = attrs(doc, &format!("#s{seat}"), "data-v");
        assert_eq!(found.len(), 1, "one seat #s{seat} with a version");
        found[0].parse().unwrap()
    };
    let (_, before) = page(&ada, &app, &map).await;
    let drawn_at = version(&before);

    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &map,
        &map,
        &[("hold", &seat), ("section", ""), ("view", "map")],
    )
    .await;
    assert_eq!(status, 200);
    let held_at = version(&answer);
    assert!(
        held_at > drawn_at,
        "the hold's answer is newer ({held_at} > {drawn_at})"
    );
    assert_eq!(
        attrs(&answer, "#basket", "data-v"),
        vec![held_at.to_string()]
    );
    // The seat comes back as the buyer's, swapped out of band, with the basket and a message.
    let swapped = select(&answer, &format!("#s{seat}"));
    assert_eq!(swapped.len(), 1);
    assert_eq!(swapped[0].value().attr("data-status"), Some("mine"));
    assert_eq!(swapped[0].value().attr("hx-swap-oob"), Some("true"));
    assert_eq!(swapped[0].value().attr("aria-pressed"), Some("true"));
    assert!(
        swapped[0]
            .value()
            .attr("hx-vals")
            .unwrap()
            .contains("release")
    );
    assert_eq!(texts(&answer, "#basket .basket-lines li").len(), 1);
    assert!(texts(&answer, "#basket #countdown")[0].starts_with("15:00"));
    assert!(texts(&answer, "#messages")[0].contains("is in your basket"));
    assert_eq!(
        seat_row(&app, event, seat.parse().unwrap()),
        ("held".to_owned(), Some(user_id(&app, 1)))
    );
    // Everyone else sees it held; its owner sees it as theirs.
    let (_, public) = app.get_html(&map).await;
    assert_eq!(
        attrs(&public, &format!("#s{seat}"), "data-status"),
        vec!["held"]
    );
    let (_, own) = page(&ada, &app, &map).await;
    assert_eq!(
        attrs(&own, &format!("#s{seat}"), "data-status"),
        vec!["mine"]
    );

    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &map,
        &map,
        &[("release", &seat), ("section", ""), ("view", "map")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        attrs(&answer, &format!("#s{seat}"), "data-status"),
        vec!["available"]
    );
    assert!(
        version(&answer) > held_at,
        "the release's answer is newer still"
    );
    assert_eq!(texts(&answer, "#basket-empty").len(), 1);
    assert_eq!(seat_row(&app, event, seat.parse().unwrap()).0, "available");
}

#[actix_web::test]
async fn a_signed_out_click_leads_to_the_login_page_and_back_to_the_map() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let map = format!("/events/{event}/seats?section=all");
    let seat = api_seats(&app, event).await[0]["id"].to_string();
    let browser = app.new_browser();
    let (status, headers, _) = htmx_post(
        &browser,
        &app,
        &map,
        &format!("/events/{event}/seats"),
        &[("hold", &seat), ("section", "all"), ("view", "map")],
    )
    .await;
    assert_eq!(status, 200);
    let to = headers.get("HX-Redirect").unwrap().to_str().unwrap();
    assert_eq!(
        to,
        format!("/login?next=%2Fevents%2F{event}%2Fseats%3Fsection%3Dall")
    );
    assert_eq!(seat_row(&app, event, seat.parse().unwrap()).0, "available");
}

#[actix_web::test]
async fn a_seat_just_taken_is_refused_with_a_message_and_redrawn_as_held() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let map = format!("/events/{event}/seats");
    let seat = api_seats(&app, event)
        .await
        .into_iter()
        .find(|s| s["status"] == "available")
        .unwrap()["id"]
        .to_string();
    // Bob's page still shows the seat free when Ada takes it.
    let (_, bobs_page) = page(&bob, &app, &map).await;
    let token = htmx_token(&bobs_page);
    let (status, _, _) = htmx_post(&ada, &app, &map, &map, &[("hold", &seat)]).await;
    assert_eq!(status, 200);

    let res = bob
        .post(app.url(&map))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(&[("hold", seat.as_str()), ("view", "map")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let answer = Html::parse_fragment(&res.text().await.unwrap());
    assert!(
        texts(&answer, "#messages")[0].contains("was just taken"),
        "{:?}",
        texts(&answer, "#messages")
    );
    assert_eq!(
        attrs(&answer, &format!("#s{seat}"), "data-status"),
        vec!["held"]
    );
    assert!(
        attrs(&answer, &format!("#s{seat}"), "hx-post").is_empty(),
        "no longer clickable"
    );
    assert_eq!(
        seat_row(&app, event, seat.parse().unwrap()).1,
        Some(user_id(&app, 1))
    );
}

#[actix_web::test]
async fn the_list_view_holds_seats_without_javascript() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let ada = buyer(&app, 1).await;
    let list = format!("/events/{event}/seats?view=list");
    let (_, doc) = page(&ada, &app, &list).await;
    let hold_buttons = attrs(&doc, "#seat-list button[name=hold]", "value");
    assert!(!hold_buttons.is_empty());
    let seat = hold_buttons[0].clone();
    // A plain form post (no htmx): back to the same page, which now shows the seat as Ada's.
    let res = app
        .submit(
            &ada,
            &list,
            &format!("/events/{event}/seats"),
            &[("hold", &seat), ("view", "list"), ("section", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers().get("location").unwrap(),
        &format!("/events/{event}/seats?view=list")
    );
    let (_, after) = page(&ada, &app, &list).await;
    assert_eq!(
        attrs(&after, &format!("#r{seat}"), "data-status"),
        vec!["mine"]
    );
    assert_eq!(
        attrs(&after, &format!("#r{seat} button"), "name"),
        vec!["release"]
    );
    assert!(texts(&after, "#flash")[0].contains("is in your basket"));
    // A seat id that isn't a number is a message, not a crash, and changes nothing.
    let res = app
        .submit(
            &ada,
            &list,
            &format!("/events/{event}/seats"),
            &[("hold", "twelve"), ("view", "list")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, after) = page(&ada, &app, &list).await;
    assert!(texts(&after, "#flash")[0].contains("could not be read"));
    assert_eq!(texts(&after, "#basket .basket-lines li").len(), 1);
}

#[actix_web::test]
async fn best_available_and_standing_places_are_held_from_the_page() {
    let app = spawn_app().await;
    let theatre = event_at(&app, "The Alderman Theatre", 20).await;
    let ada = buyer(&app, 1).await;
    let map = format!("/events/{theatre}/seats");
    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &map,
        &format!("/events/{theatre}/best"),
        &[("quantity", "3"), ("tier_id", ""), ("view", "map")],
    )
    .await;
    assert_eq!(status, 200);
    let mine = attrs(&answer, ".seat[data-status=mine]", "data-seat-id");
    assert_eq!(mine.len(), 3, "the three seats are redrawn as Ada's");
    assert_eq!(texts(&answer, "#basket .basket-lines li").len(), 3);
    assert!(texts(&answer, "#messages")[0].contains("3 seats together"));
    // Asking for more than an order may have is explained, and holds nothing more.
    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &map,
        &format!("/events/{theatre}/best"),
        &[("quantity", "40"), ("view", "map")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(texts(&answer, "#messages")[0].contains("at most"));
    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &map,
        &format!("/events/{theatre}/best"),
        &[("quantity", "lots"), ("view", "map")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(texts(&answer, "#messages")[0].contains("how many"));

    // Standing: the club's floor.
    let club = event_at(&app, "Kesselhaus Nord", 10).await;
    let club_map = format!("/events/{club}/seats");
    let (_, doc) = page(&ada, &app, &club_map).await;
    let section = attrs(&doc, ".standing-area input[name=section_id]", "value")[0].clone();
    let before: i64 = attrs(&doc, &format!("#left-{section}"), "data-available")[0]
        .parse()
        .unwrap();
    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &club_map,
        &format!("/events/{club}/standing"),
        &[("section_id", &section), ("quantity", "2")],
    )
    .await;
    assert_eq!(status, 200);
    let after: i64 = attrs(&answer, &format!("#left-{section}"), "data-available")[0]
        .parse()
        .unwrap();
    assert_eq!(after, before - 2);
    let lines = texts(&answer, "#basket .basket-lines li");
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("standing × 2"), "{lines:?}");
    // The standing line can be taken out again.
    let item = attrs(&answer, "#basket button[name=remove_line]", "value")[0].clone();
    let (status, _, answer) =
        htmx_post(&ada, &app, &club_map, &club_map, &[("remove_line", &item)]).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&answer, "#basket-empty").len(), 1);
    let (_, doc) = page(&ada, &app, &club_map).await;
    assert_eq!(
        attrs(&doc, &format!("#left-{section}"), "data-available")[0],
        before.to_string()
    );
}

#[actix_web::test]
async fn the_booking_page_is_its_owners_and_cancelling_frees_the_seats() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let map = format!("/events/{event}/seats");
    htmx_post(
        &ada,
        &app,
        &map,
        &format!("/events/{event}/best"),
        &[("quantity", "2")],
    )
    .await;
    let (_, doc) = page(&ada, &app, &map).await;
    let href = attrs(&doc, "#checkout", "href")[0].clone();
    let reference = href.trim_start_matches("/bookings/").to_owned();
    let seats = attrs(&doc, ".seat[data-status=mine]", "data-seat-id");
    assert_eq!(seats.len(), 2);

    let (status, booking) = page(&ada, &app, &href).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&booking, "#booking-status"), vec!["Awaiting payment"]);
    assert_eq!(texts(&booking, "#booking-lines li").len(), 2);
    assert!(texts(&booking, "#countdown")[0].starts_with("15:00"));
    // Someone else gets a 404 (not a hint that it exists); a signed-out visitor logs in first.
    let (status, _) = page(&bob, &app, &href).await;
    assert_eq!(status, 404);
    let res = app.new_browser().get(app.url(&href)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    // An admin may look.
    app.create_admin("boss@example.com", PASSWORD);
    let admin = app.new_browser();
    app.submit(
        &admin,
        "/login",
        "/login",
        &[("email", "boss@example.com"), ("password", PASSWORD)],
    )
    .await;
    let (status, _) = page(&admin, &app, &href).await;
    assert_eq!(status, 200);

    // Taking one seat out from the booking page, then cancelling the rest.
    let res = app
        .submit(
            &ada,
            &href,
            &format!("{href}/remove"),
            &[("release", &seats[0])],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, booking) = page(&ada, &app, &href).await;
    assert_eq!(texts(&booking, "#booking-lines li").len(), 1);
    let res = app.submit(&bob, &map, &format!("{href}/cancel"), &[]).await;
    assert_eq!(res.status(), 404, "Bob cannot cancel Ada's booking");
    let res = app
        .submit(&ada, &href, &format!("{href}/cancel"), &[])
        .await;
    assert_eq!(res.status(), 303);
    for seat in &seats {
        assert_eq!(seat_row(&app, event, seat.parse().unwrap()).0, "available");
    }
    let (_, booking) = page(&ada, &app, &href).await;
    assert_eq!(texts(&booking, "#booking-status"), vec!["Cancelled"]);
    let (_, json) = app.get_json(&format!("/api/v1/events/{event}/seats")).await;
    assert!(json["seats"].is_array());
    assert!(!reference.is_empty());
}

/// Reads the live stream until an event containing `needle` has arrived whole; answers
/// everything read up to the end of that event.
async fn wait_for(stream: &mut reqwest::Response, needle: &str) -> String {
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

async fn open_stream(browser: &reqwest::Client, app: &TestApp, path: &str) -> reqwest::Response {
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
