//! The public venues (issue 22, item 5): `GET /api/v1/venues` and `/api/v1/venues/{id}`, the
//! pages `/venues` and `/venues/{id}`, and the venue links on event pages and cards.

use serde_json::{Value, json};

use crate::helpers::{TestApp, attrs, spawn_app, spawn_app_with, texts};

/// The demo's venues, as the list orders them (by name).
const DEMO_VENUES: [&str; 6] = [
    "Cowgate Studio",
    "Kesselhaus Nord",
    "Marlowe Music Hall",
    "Tagus Congress Centre",
    "Thamesgate Arena",
    "The Alderman Theatre",
];

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| v["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// The demo venue called `name`, as the public list gives it.
async fn demo_venue(app: &TestApp, name: &str) -> Value {
    let (status, list) = app.get_json("/api/v1/venues").await;
    assert_eq!(status, 200);
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no venue {name}"))
        .clone()
}

/// A venue with two seated sections (12 seats, one blocked, and 10) and a standing one (250).
fn hall() -> Value {
    json!({
        "name": "Riverside Hall",
        "city": "Bristol",
        "country": "gb",
        "address": "1 Quay Street",
        "timezone": "Europe/London",
        "sections": [
            {"name": "Stalls", "kind": "seated", "rows": 3, "seats_per_row": 4, "blocked": ["C-2"]},
            {"name": "Balcony", "kind": "seated", "rows": 2, "seats_per_row": 5, "first_row": "1"},
            {"name": "Floor", "kind": "standing", "capacity": 250}
        ]
    })
}

/// Creates [`hall`] through the admin API; its id.
async fn create_hall(app: &TestApp) -> i64 {
    let admin = app.admin_token().await;
    let (status, venue) = app
        .api(
            Some(&admin),
            reqwest::Method::POST,
            "/api/v1/admin/venues",
            Some(&hall()),
        )
        .await;
    assert_eq!(status, 201, "{venue}");
    venue["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn the_venue_list_is_by_name_with_capacities_and_upcoming_published_events() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/venues").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("etag"));
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=5, stale-while-revalidate=30"
    );
    let list: Value = res.json().await.unwrap();
    assert_eq!(
        (list["page"].clone(), list["per_page"].clone()),
        (json!(1), json!(20))
    );
    assert_eq!(list["total"], 6);
    assert_eq!(names(&list), DEMO_VENUES);
    for v in list["items"].as_array().unwrap() {
        for key in ["id", "name", "city", "country", "address", "timezone"] {
            assert!(v.get(key).is_some(), "venue lacks {key}: {v}");
        }
        let sections = v["sections"].as_array().unwrap();
        assert!(!sections.is_empty(), "{v}");
        let sum: i64 = sections
            .iter()
            .map(|s| {
                assert!(s["id"].is_i64() && s["name"].is_string(), "{s}");
                assert!(s["kind"] == "seated" || s["kind"] == "standing", "{s}");
                s["capacity"].as_i64().unwrap()
            })
            .sum();
        assert_eq!(v["capacity"], sum, "{}", v["name"]);
    }
    let upcoming: Vec<(String, i64)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_owned(),
                v["upcoming_events"].as_i64().unwrap(),
            )
        })
        .collect();
    // Drafts (Hollow Pines), cancelled events (Copperline Revival) and past ones (one each at
    // the Alderman, Kesselhaus and Cowgate) are not counted.
    let expected = [
        ("Cowgate Studio", 2),
        ("Kesselhaus Nord", 3),
        ("Marlowe Music Hall", 3),
        ("Tagus Congress Centre", 3),
        ("Thamesgate Arena", 5),
        ("The Alderman Theatre", 5),
    ];
    assert_eq!(
        upcoming,
        expected.map(|(n, c)| (n.to_owned(), c)).to_vec(),
        "upcoming published events per venue"
    );
    // The same events the catalogue lists.
    let (_, events) = app.get_json("/api/v1/events").await;
    assert_eq!(
        events["total"],
        upcoming.iter().map(|(_, n)| n).sum::<i64>()
    );

    // The standing-only club: its two standing areas.
    let club = demo_venue(&app, "Kesselhaus Nord").await;
    assert_eq!(club["city"], "Berlin");
    assert_eq!(club["country"], "DE");
    assert_eq!(club["timezone"], "Europe/Berlin");
    assert_eq!(club["capacity"], 450 + 80);
}

#[actix_web::test]
async fn the_list_filters_by_city_and_pages_as_the_event_list_does() {
    let app = spawn_app().await;
    for city in ["london", "LONDON", "  London "] {
        let (status, list) = app
            .get_json(&format!("/api/v1/venues?city={}", city.replace(' ', "+")))
            .await;
        assert_eq!(status, 200);
        assert_eq!(names(&list), ["Thamesgate Arena"], "{city}");
        assert_eq!(list["total"], 1);
    }
    let (_, none) = app.get_json("/api/v1/venues?city=Atlantis").await;
    assert_eq!(
        (none["total"].clone(), none["items"].clone()),
        (json!(0), json!([]))
    );

    let (status, page2) = app.get_json("/api/v1/venues?per_page=2&page=2").await;
    assert_eq!(status, 200);
    assert_eq!(names(&page2), DEMO_VENUES[2..4]);
    assert_eq!(
        (&page2["page"], &page2["per_page"], &page2["total"]),
        (&json!(2), &json!(2), &json!(6))
    );
    // A page past the end is empty, not an error.
    let (status, past) = app.get_json("/api/v1/venues?page=99").await;
    assert_eq!(status, 200);
    assert_eq!(
        (past["items"].clone(), past["total"].clone()),
        (json!([]), json!(6))
    );

    for (query, fields) in [
        ("page=0&per_page=101", vec!["page", "per_page"]),
        ("page=abc", vec!["page"]),
        ("per_page=0&city=London", vec!["per_page"]),
        ("page=10001", vec!["page"]),
    ] {
        let res = app.get(&format!("/api/v1/venues?{query}")).await;
        assert_eq!(res.status(), 422, "{query}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let body: Value = res.json().await.unwrap();
        let mut named: Vec<&str> = body["errors"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        named.sort_unstable();
        assert_eq!(named, fields, "{query}");
    }
}

#[actix_web::test]
async fn a_venue_carries_its_sections_and_their_capacities_summed() {
    let app = spawn_app_with(false).await;
    let (_, empty) = app.get_json("/api/v1/venues").await;
    assert_eq!(empty["total"], 0);
    let id = create_hall(&app).await;

    // A venue made through the app is listed at once (the list just read is not kept).
    let (_, list) = app.get_json("/api/v1/venues").await;
    assert_eq!(names(&list), ["Riverside Hall"]);

    let res = app.get(&format!("/api/v1/venues/{id}")).await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let venue: Value = res.json().await.unwrap();
    assert_eq!(
        venue,
        json!({
            "id": id,
            "name": "Riverside Hall",
            "city": "Bristol",
            "country": "GB",
            "address": "1 Quay Street",
            "timezone": "Europe/London",
            // Every seat counts, the blocked one too (as the venue editor counts them).
            "capacity": 12 + 10 + 250,
            "sections": [
                {"id": venue["sections"][0]["id"], "name": "Stalls", "kind": "seated", "capacity": 12},
                {"id": venue["sections"][1]["id"], "name": "Balcony", "kind": "seated", "capacity": 10},
                {"id": venue["sections"][2]["id"], "name": "Floor", "kind": "standing", "capacity": 250},
            ],
            "upcoming_events": 0,
        })
    );
    assert_eq!(list["items"][0], venue, "the list gives each venue whole");

    // Conditional GET: the same tag answers 304 with no body.
    let again = app
        .client
        .get(app.url(&format!("/api/v1/venues/{id}")))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    // Its page: no sections lost, no events.
    let (status, doc) = app.get_html(&format!("/venues/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "#venue-name"), ["Riverside Hall"]);
    assert_eq!(texts(&doc, "#venue-capacity"), ["272"]);
    assert_eq!(
        texts(&doc, "#venue-sections tbody th"),
        ["Stalls", "Balcony", "Floor"]
    );
    assert_eq!(
        texts(&doc, "#venue-sections td.kind"),
        ["Seated", "Seated", "Standing"]
    );
    assert_eq!(texts(&doc, "#venue-sections td.left"), ["12", "10", "250"]);
    assert_eq!(texts(&doc, "#no-upcoming"), ["No upcoming events"]);
    assert!(texts(&doc, ".card").is_empty());
}

#[actix_web::test]
async fn unknown_and_malformed_venue_ids_are_404s() {
    let app = spawn_app().await;
    for id in ["999999", "abc", "-1", "99999999999999999999", "1.5"] {
        let res = app.get(&format!("/api/v1/venues/{id}")).await;
        assert_eq!(res.status(), 404, "{id}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], 404);
        for key in ["type", "title", "detail"] {
            assert!(body[key].is_string(), "problem lacks {key}");
        }

        let (status, doc) = app.get_html(&format!("/venues/{id}")).await;
        assert_eq!(status, 404, "{id}");
        assert_eq!(texts(&doc, "#error-title"), ["Page not found"], "{id}");
    }
}

#[actix_web::test]
async fn only_published_upcoming_events_are_counted_and_listed() {
    let app = spawn_app().await;
    // The music hall has a cancelled event (Copperline Revival) and a draft (Hollow Pines).
    let hall = demo_venue(&app, "Marlowe Music Hall").await;
    let (status, doc) = app.get_html(&format!("/venues/{}", hall["id"])).await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&doc, "#venue-events .card-title"),
        [
            "The Ashgrove Quartet: Midnight Standards",
            "Friday Night Fights: Delgado vs. Okafor",
            "The Brass Menagerie: New Orleans Nights",
        ],
        "soonest first"
    );
    assert_eq!(texts(&doc, "#upcoming-count"), ["3 events"]);

    // The club's completed night (33 days ago) is neither listed nor counted.
    let club = demo_venue(&app, "Kesselhaus Nord").await;
    let (_, doc) = app.get_html(&format!("/venues/{}", club["id"])).await;
    let titles = texts(&doc, "#venue-events .card-title");
    assert_eq!(titles.len(), 3);
    assert!(!titles.iter().any(|t| t == "Kollektiv Ostwind Live"));

    // A published event that has started is no longer upcoming: the studio's comedy is six
    // days out; a week later only the play is left.
    let studio = demo_venue(&app, "Cowgate Studio").await;
    assert_eq!(studio["upcoming_events"], 2);
    app.clock.advance(chrono::TimeDelta::days(7));
    let studio = demo_venue(&app, "Cowgate Studio").await;
    assert_eq!(studio["upcoming_events"], 1);
    let (_, doc) = app.get_html(&format!("/venues/{}", studio["id"])).await;
    assert_eq!(
        texts(&doc, "#venue-events .card-title"),
        ["Two Rooms, One Kettle"]
    );
    assert_eq!(texts(&doc, "#upcoming-count"), ["1 event"]);
}

#[actix_web::test]
async fn the_venue_page_shows_the_address_time_zone_sections_and_event_cards() {
    let app = spawn_app().await;
    let club = demo_venue(&app, "Kesselhaus Nord").await;
    let id = club["id"].as_i64().unwrap();
    let (status, doc) = app.get_html(&format!("/venues/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "#venue-name"), ["Kesselhaus Nord"]);
    assert_eq!(texts(&doc, "#venue-city"), ["Berlin, DE"]);
    assert_eq!(
        texts(&doc, "#venue-address"),
        ["Gerichtstraße 47, 13347 Berlin, Berlin"]
    );
    assert_eq!(texts(&doc, "#venue-timezone"), ["Europe/Berlin"]);
    assert_eq!(texts(&doc, "#venue-capacity"), ["530"]);
    assert_eq!(
        texts(&doc, "#venue-sections tbody th"),
        ["Floor", "Gallery"]
    );
    assert_eq!(texts(&doc, "#venue-sections td.left"), ["450", "80"]);
    assert!(texts(&doc, "#no-upcoming").is_empty());
    // The cards are the event list's: each links its event first, then its venue (here).
    let cards = texts(&doc, "#venue-events .card-title");
    assert_eq!(
        cards,
        [
            "Vanta Skyline: Album Release Night",
            "Late Laughs Berlin: English Stand-Up Night",
            "Tiefgarage: Techno All-Nighter",
        ]
    );
    let event_links = attrs(&doc, "#venue-events .card .card-link", "href");
    assert_eq!(event_links.len(), 3);
    assert!(event_links.iter().all(|h| h.starts_with("/events/")));
    assert_eq!(
        attrs(&doc, "#venue-events .card .card-venue", "href"),
        vec![format!("/venues/{id}"); 3]
    );
    assert_eq!(texts(&doc, "nav.site-nav a[aria-current=page]"), ["Venues"]);
}

#[actix_web::test]
async fn the_venues_page_lists_each_venue_with_its_city_and_upcoming_events() {
    let app = spawn_app().await;
    let (status, doc) = app.get_html("/venues").await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "#venues .venue-name"), DEMO_VENUES);
    assert_eq!(texts(&doc, "#venues-count"), ["6 venues"]);
    assert_eq!(
        texts(&doc, "#venues .venue-city"),
        [
            "Edinburgh, GB",
            "Berlin, DE",
            "New York, US",
            "Lisbon, PT",
            "London, GB",
            "Manchester, GB",
        ]
    );
    assert_eq!(
        texts(&doc, "#venues .venue-upcoming"),
        [
            "2 upcoming events",
            "3 upcoming events",
            "3 upcoming events",
            "3 upcoming events",
            "5 upcoming events",
            "5 upcoming events",
        ]
    );
    let club = demo_venue(&app, "Kesselhaus Nord").await;
    let links = attrs(&doc, "#venues .venue-name a", "href");
    assert_eq!(links[1], format!("/venues/{}", club["id"]));

    // A city's venues, from the city's link.
    let city = attrs(&doc, "#venues .venue-city a", "href");
    assert_eq!(city[4], "/venues?city=London");
    let (status, doc) = app.get_html("/venues?city=New%20York").await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "h1"), ["Venues in New York"]);
    assert_eq!(texts(&doc, "#venues .venue-name"), ["Marlowe Music Hall"]);

    // Pages of two: the second has a link each way.
    let (_, doc) = app.get_html("/venues?per_page=2&page=2").await;
    assert_eq!(
        texts(&doc, "#venues .venue-name"),
        ["Marlowe Music Hall", "Tagus Congress Centre"]
    );
    assert_eq!(
        attrs(&doc, ".pager a[rel=prev]", "href"),
        ["/venues?per_page=2"]
    );
    assert_eq!(
        attrs(&doc, ".pager a[rel=next]", "href"),
        ["/venues?per_page=2&page=3"]
    );
    // A bad page is said, and the first page shown.
    let (status, doc) = app.get_html("/venues?page=nope").await;
    assert_eq!(status, 422);
    assert_eq!(texts(&doc, "#venues .venue-name").len(), 6);
    assert!(texts(&doc, ".notice-error li").join(" ").contains("page"));
}

#[actix_web::test]
async fn event_pages_and_cards_link_their_venue() {
    let app = spawn_app().await;
    let club = demo_venue(&app, "Kesselhaus Nord").await;
    let (_, list) = app.get_json("/api/v1/events?q=techno").await;
    let event = list["items"][0]["id"].as_i64().unwrap();
    let (_, doc) = app.get_html(&format!("/events/{event}")).await;
    assert_eq!(texts(&doc, "#venue-link"), ["Kesselhaus Nord"]);
    assert_eq!(
        attrs(&doc, "#venue-link", "href"),
        [format!("/venues/{}", club["id"])]
    );

    // Every card of the event list: its event's link first, then its venue's.
    let (_, doc) = app.get_html("/events").await;
    let cards = scraper::Selector::parse("#results .card").unwrap();
    let links = scraper::Selector::parse("a").unwrap();
    let mut seen = 0;
    for card in doc.select(&cards) {
        let hrefs: Vec<&str> = card
            .select(&links)
            .filter_map(|a| a.value().attr("href"))
            .collect();
        let id = card.value().attr("data-event-id").unwrap();
        assert_eq!(hrefs.len(), 2, "{hrefs:?}");
        assert_eq!(hrefs[0], format!("/events/{id}"));
        assert!(hrefs[1].starts_with("/venues/"), "{hrefs:?}");
        seen += 1;
    }
    assert_eq!(seen, 12);
    // The home page's cards too.
    let (_, home) = app.get_html("/").await;
    assert!(!attrs(&home, ".card .card-venue", "href").is_empty());
}
