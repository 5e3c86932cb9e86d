//! The public pages: home, search, filters, pagination, time zones, drafts.

use crate::helpers::{attrs, spawn_app, texts};

#[actix_web::test]
async fn the_home_page_shows_featured_and_upcoming_events() {
    let app = spawn_app().await;
    let (status, doc) = app.get_html("/").await;
    assert_eq!(status, 200);
    let featured = texts(&doc, "#featured-heading + .grid .card-title");
    assert!(featured.len() >= 3 && featured.len() <= 4, "{featured:?}");
    assert!(featured.contains(&"Halcyon Tide: The Lanterns Tour".to_owned()));
    let upcoming = texts(
        &doc,
        "section[aria-labelledby=upcoming-heading] .card-title",
    );
    assert_eq!(upcoming.len(), 8);
    // Soonest first: the studio comedy is 6 days out, the club's sold-out night 9.
    assert_eq!(upcoming[0], "Fergus Lamont: Half a Haggis");
    assert_eq!(upcoming[1], "Vanta Skyline: Album Release Night");
}

#[actix_web::test]
async fn the_event_list_pages_through_published_upcoming_events_only() {
    let app = spawn_app().await;
    let (status, page1) = app.get_html("/events").await;
    assert_eq!(status, 200);
    let titles1 = texts(&page1, "#results .card-title");
    assert_eq!(titles1.len(), 12);
    assert_eq!(texts(&page1, "#results-count"), vec!["21 events"]);
    let next = attrs(&page1, ".pager a[rel=next]", "href");
    assert_eq!(next, vec!["/events?page=2"]);

    let (_, page2) = app.get_html("/events?page=2").await;
    let titles2 = texts(&page2, "#results .card-title");
    assert_eq!(titles2.len(), 9);
    assert!(
        titles1.iter().all(|t| !titles2.contains(t)),
        "pages overlap"
    );
    let all: Vec<&String> = titles1.iter().chain(&titles2).collect();
    for hidden in [
        "Hollow Pines: Winter Homecoming", // draft
        "Copperline Revival: Spring Tour", // cancelled
        "Rain on Canal Street",            // completed (past)
        "Kollektiv Ostwind Live",          // completed (past)
    ] {
        assert!(!all.iter().any(|t| *t == hidden), "{hidden} is listed");
    }
    // A page past the end is empty, not an error.
    let (status, page9) = app.get_html("/events?page=9").await;
    assert_eq!(status, 200);
    assert!(texts(&page9, "#results .card-title").is_empty());
}

#[actix_web::test]
async fn search_matches_every_word_across_title_description_venue_and_city() {
    let app = spawn_app().await;
    // "jazz" appears only in the Ashgrove Quartet's description.
    let (_, doc) = app.get_html("/events?q=JAZZ").await;
    assert_eq!(
        texts(&doc, "#results .card-title"),
        vec!["The Ashgrove Quartet: Midnight Standards"]
    );
    // A city name matches every event there; a second word narrows it down.
    let (_, doc) = app.get_html("/events?q=berlin").await;
    assert_eq!(texts(&doc, "#results .card-title").len(), 3);
    let (_, doc) = app.get_html("/events?q=berlin+techno").await;
    assert_eq!(
        texts(&doc, "#results .card-title"),
        vec!["Tiefgarage: Techno All-Nighter"]
    );
    // A venue name.
    let (_, doc) = app.get_html("/events?q=cowgate").await;
    assert_eq!(texts(&doc, "#results .card-title").len(), 2);
    // LIKE wildcards are literal.
    let (_, doc) = app.get_html("/events?q=%25").await;
    assert!(texts(&doc, "#results .card-title").is_empty());
    assert!(texts(&doc, ".empty").join(" ").contains("No events match"));
}

#[actix_web::test]
async fn filters_combine_and_are_kept_in_the_pager_links() {
    let app = spawn_app().await;
    let (_, doc) = app.get_html("/events?category=concert").await;
    let concerts = texts(&doc, "#results .card-title");
    assert_eq!(concerts.len(), 6, "{concerts:?}");
    let (_, doc) = app.get_html("/events?category=concert&city=London").await;
    assert_eq!(texts(&doc, "#results .card-title").len(), 2);
    // The form keeps what was chosen.
    assert_eq!(
        attrs(&doc, "#category option[selected]", "value"),
        vec!["concert"]
    );
    assert_eq!(
        attrs(&doc, "#city option[selected]", "value"),
        vec!["London"]
    );

    let (_, doc) = app
        .get_html("/events?per_page=2&category=concert&sort=title")
        .await;
    assert_eq!(
        attrs(&doc, ".pager a[rel=next]", "href"),
        vec!["/events?category=concert&sort=title&page=2"]
    );
}

#[actix_web::test]
async fn only_events_with_tickets_left_hides_sold_out_ones() {
    let app = spawn_app().await;
    let (_, all) = app.get_html("/events?q=vanta").await;
    assert_eq!(texts(&all, "#results [data-sale]"), vec!["Sold out"]);
    let (_, available) = app.get_html("/events?q=vanta&available=1").await;
    assert!(texts(&available, "#results .card-title").is_empty());
    let (_, doc) = app.get_html("/events?available=1").await;
    assert_eq!(
        texts(&doc, "#results-count"),
        vec!["20 events match your search"]
    );
}

#[actix_web::test]
async fn dates_filter_on_the_venue_local_day() {
    let app = spawn_app().await;
    // Test "today" is 2027-02-01; the Ashgrove Quartet plays New York on day +40 at 20:00 local
    // (01:00 UTC the next day): it belongs to the local date.
    let (_, body) = app.get_json("/api/v1/events?q=ashgrove").await;
    let starts_at = body["items"][0]["starts_at"].as_str().unwrap().to_owned();
    let (_, doc) = app.get_html("/events?q=ashgrove").await;
    let iso = attrs(&doc, "#results time", "datetime")[0].clone();
    let local_date = &iso[..10];
    assert_eq!(local_date, "2027-03-13");
    assert!(starts_at.starts_with("2027-03-14"), "{starts_at}");
    let (_, doc) = app
        .get_html(&format!(
            "/events?q=ashgrove&from={local_date}&to={local_date}"
        ))
        .await;
    assert_eq!(
        texts(&doc, "#results .card-title").len(),
        1,
        "{starts_at} / {iso}"
    );
    let (_, doc) = app.get_html("/events?from=2027-06-01").await;
    let late = texts(&doc, "#results .card-title");
    assert!(late.contains(&"Margo Pennington: Not Now, Darling".to_owned()));
    assert!(!late.contains(&"Fergus Lamont: Half a Haggis".to_owned()));
}

#[actix_web::test]
async fn sorting_by_price_and_title_orders_the_results() {
    let app = spawn_app().await;
    let (_, cheap) = app.get_json("/api/v1/events?sort=price&per_page=100").await;
    let prices: Vec<i64> = cheap["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["min_price_cents"].as_i64().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let (_, dear) = app
        .get_json("/api/v1/events?sort=price_desc&per_page=100")
        .await;
    let prices: Vec<i64> = dear["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["min_price_cents"].as_i64().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{prices:?}");
    let (_, doc) = app.get_html("/events?sort=title&per_page=100").await;
    let titles = texts(&doc, "#results .card-title");
    let mut sorted = titles.clone();
    sorted.sort_by_key(|t| t.to_lowercase());
    assert_eq!(titles, sorted);
}

#[actix_web::test]
async fn htmx_requests_get_just_the_results_fragment() {
    let app = spawn_app().await;
    let res = app
        .get_htmx("/events?q=&city=&category=comedy&from=&to=&sort=date")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["hx-push-url"],
        "/events?category=comedy",
        "the canonical URL"
    );
    let body = res.text().await.unwrap();
    assert!(!body.contains("<html"), "a fragment, not a page");
    let doc = scraper::Html::parse_fragment(&body);
    assert_eq!(texts(&doc, ".card-title").len(), 3);
    // The screen-reader status outside the results is updated out of band.
    assert_eq!(attrs(&doc, "#results-status", "hx-swap-oob"), vec!["true"]);
    assert_eq!(texts(&doc, "#results-status"), vec!["3 events found"]);
    // The full page carries the htmx wiring and works without it (a plain GET form).
    let (_, page) = app.get_html("/events").await;
    assert_eq!(attrs(&page, "form#filters", "hx-get"), vec!["/events"]);
    assert_eq!(attrs(&page, "form#filters", "hx-push-url"), vec!["true"]);
    assert_eq!(attrs(&page, "form#filters", "method"), vec!["get"]);
    assert_eq!(texts(&page, "#results-status"), vec!["21 events found"]);
    assert!(attrs(&page, "#results-status", "hx-swap-oob").is_empty());
    assert_eq!(
        attrs(&page, "script[src^='/static/vendor/htmx']", "src").len(),
        1
    );
}

#[actix_web::test]
async fn bad_filters_are_explained_not_fatal() {
    let app = spawn_app().await;
    let (status, doc) = app
        .get_html("/events?category=opera&from=soon&page=0&sort=random&per_page=x")
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        texts(&doc, "#category-error"),
        vec!["Unknown category “opera”."]
    );
    assert_eq!(
        texts(&doc, "#from-error"),
        vec!["Use a date like 2027-03-20."]
    );
    assert_eq!(attrs(&doc, "#category", "aria-invalid"), vec!["true"]);
    // The other filters still work and results still show.
    assert_eq!(texts(&doc, "#results .card-title").len(), 12);
    let res = app.get_htmx("/events?category=opera").await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Some filters were ignored"));
}

#[actix_web::test]
async fn the_event_page_shows_the_venue_local_time_and_tiers() {
    let app = spawn_app().await;
    let (_, list) = app.get_json("/api/v1/events?q=ashgrove").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (status, doc) = app.get_html(&format!("/events/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&doc, "h1"),
        vec!["The Ashgrove Quartet: Midnight Standards"]
    );
    // 2027-03-13 20:00 in New York is EST (before the DST switch on 14 March), 01:00 UTC on
    // the 14th.
    let time = texts(&doc, "#event-time")[0].clone();
    assert_eq!(time, "Sat 13 Mar 2027, 20:00 EST");
    assert_eq!(list["items"][0]["starts_at"], "2027-03-14T01:00:00Z");
    assert!(attrs(&doc, "#event-time", "datetime")[0].ends_with("-05:00"));
    assert!(texts(&doc, "#venue-address")[0].contains("New York"));
    let tiers = texts(&doc, "table.tiers tbody th");
    assert!(tiers.len() >= 2, "{tiers:?}");
    assert_eq!(texts(&doc, "#sale-state"), vec!["On sale"]);
}

#[actix_web::test]
async fn london_events_switch_between_gmt_and_bst() {
    let app = spawn_app().await;
    let (_, list) = app
        .get_json("/api/v1/events?city=london&per_page=100")
        .await;
    let mut zones = std::collections::BTreeSet::new();
    for e in list["items"].as_array().unwrap() {
        let (_, doc) = app.get_html(&format!("/events/{}", e["id"])).await;
        let time = texts(&doc, "#event-time")[0].clone();
        zones.insert(time.rsplit(' ').next().unwrap().to_owned());
    }
    // Events from March to May in London straddle the clocks going forward.
    assert_eq!(zones.into_iter().collect::<Vec<_>>(), vec!["BST", "GMT"]);
}

#[actix_web::test]
async fn drafts_are_never_public_but_cancelled_and_past_events_have_pages() {
    let app = spawn_app().await;
    let (draft_id, cancelled_id, past_id) = app.with_conn(|conn| {
        use boxoffice::db::schema::events::dsl::*;
        use diesel::prelude::*;
        let id_of = |conn: &mut boxoffice::db::DbConnection, t: &str| -> i64 {
            events
                .filter(title.eq(t))
                .select(id)
                .first::<i64>(conn)
                .unwrap()
        };
        (
            id_of(conn, "Hollow Pines: Winter Homecoming"),
            id_of(conn, "Copperline Revival: Spring Tour"),
            id_of(conn, "Rain on Canal Street"),
        )
    });
    assert_eq!(app.get(&format!("/events/{draft_id}")).await.status(), 404);
    assert_eq!(
        app.get(&format!("/api/v1/events/{draft_id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/events/{draft_id}/seats"))
            .await
            .status(),
        404
    );
    let (_, draft_search) = app.get_html("/events?q=hollow").await;
    assert!(texts(&draft_search, "#results .card-title").is_empty());

    let (status, doc) = app.get_html(&format!("/events/{cancelled_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "#sale-state"), vec!["Cancelled"]);
    assert!(texts(&doc, ".notice-error").join(" ").contains("cancelled"));
    let (_, doc) = app.get_html(&format!("/events/{past_id}")).await;
    assert_eq!(texts(&doc, "#sale-state"), vec!["Past event"]);
}

#[actix_web::test]
async fn badges_tell_few_left_sold_out_and_sales_opening_soon() {
    let app = spawn_app().await;
    let (_, doc) = app.get_html("/events?per_page=100").await;
    let sale = |title: &str| {
        let sel = scraper::Selector::parse("#results .card").unwrap();
        let card = doc
            .select(&sel)
            .find(|c| c.text().collect::<String>().contains(title))
            .unwrap();
        let badge = scraper::Selector::parse("[data-sale]").unwrap();
        card.select(&badge)
            .next()
            .map(|b| b.value().attr("data-sale").unwrap().to_owned())
    };
    assert_eq!(sale("Vanta Skyline").as_deref(), Some("sold-out"));
    assert_eq!(sale("The Lighthouse Keeper").as_deref(), Some("few-left"));
    assert_eq!(sale("Margo Pennington").as_deref(), Some("not-yet-on-sale"));
    assert_eq!(
        sale("Halcyon Tide"),
        None,
        "plain on-sale cards carry no extra badge"
    );
}

#[actix_web::test]
async fn unknown_and_malformed_event_ids_are_404_pages() {
    let app = spawn_app().await;
    for path in [
        "/events/999999",
        "/events/abc",
        "/events/-1",
        "/events/99999999999999999999",
    ] {
        let (status, doc) = app.get_html(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            texts(&doc, "#error-title"),
            vec!["Page not found"],
            "{path}"
        );
    }
}

#[actix_web::test]
async fn events_leave_the_catalogue_once_they_start() {
    let app = spawn_app().await;
    let (_, list) = app.get_json("/api/v1/events?q=haggis").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    // The studio comedy is six days out; a week later it has happened.
    app.clock.advance(chrono::TimeDelta::days(7));
    let (_, list) = app.get_json("/api/v1/events?q=haggis").await;
    assert_eq!(list["total"], 0);
    let (status, doc) = app.get_html(&format!("/events/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "#sale-state"), vec!["Past event"]);
}
