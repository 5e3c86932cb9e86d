//! The venue editor: the JSON API and the pages create and reshape venues; seats events use
//! are never lost; the preview draws what the form says; only admins get in.

use std::collections::BTreeMap;

use boxoffice::db::schema::{audit_log, seats, sections, venues};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, attrs, spawn_app, spawn_app_with, texts};

const PASSWORD: &str = "a long enough password";

async fn send(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    app.api(Some(token), method, path, body).await
}

fn hall() -> Value {
    json!({
        "name": "Riverside Hall",
        "city": "Bristol",
        "country": "gb",
        "address": "1 Quay Street",
        "timezone": "Europe/London",
        "sections": [
            {"name": "Stalls", "kind": "seated", "rows": 3, "seats_per_row": 4,
             "shape": "curved", "numbering": "right_to_left",
             "accessible": ["A-1", "A-4"], "blocked": ["C-2"]},
            {"name": "Balcony", "kind": "seated", "rows": 2, "seats_per_row": 5, "first_row": "1"},
            {"name": "Floor", "kind": "standing", "capacity": 250}
        ]
    })
}

/// Seats of a venue by section name: (row label, number) → (id, accessible, blocked).
type SeatRows = BTreeMap<String, BTreeMap<(String, i32), (i64, bool, bool)>>;

fn seats_of(app: &TestApp, venue: i64) -> SeatRows {
    app.with_conn(|c| {
        let rows: Vec<(String, String, i32, i64, bool, bool)> = seats::table
            .inner_join(sections::table)
            .filter(sections::venue_id.eq(venue))
            .select((
                sections::name,
                seats::row_label,
                seats::number,
                seats::id,
                seats::accessible,
                seats::blocked,
            ))
            .load(c)
            .unwrap();
        let mut out = SeatRows::new();
        for (section, row, number, id, accessible, blocked) in rows {
            out.entry(section)
                .or_default()
                .insert((row, number), (id, accessible, blocked));
        }
        out
    })
}

fn venue_count(app: &TestApp) -> i64 {
    app.with_conn(|c| venues::table.count().get_result(c).unwrap())
}

fn flagged(rows: &SeatRows, section: &str, pick: fn(&(i64, bool, bool)) -> bool) -> Vec<String> {
    rows[section]
        .iter()
        .filter(|(_, v)| pick(v))
        .map(|((r, n), _)| format!("{r}-{n}"))
        .collect()
}

#[actix_web::test]
async fn a_venue_is_created_through_the_json_api_with_its_sections_and_seats() {
    let app = spawn_app_with(false).await;
    let admin = app.admin_token().await;
    let (status, venue) = send(
        &app,
        &admin,
        reqwest::Method::POST,
        "/api/v1/admin/venues",
        Some(&hall()),
    )
    .await;
    assert_eq!(status, 201, "{venue}");
    assert_eq!(venue["name"], "Riverside Hall");
    assert_eq!(venue["capacity"], 12 + 10 + 250);
    let kinds: Vec<(String, String, i64)> = venue["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["kind"].as_str().unwrap().to_owned(),
                s["capacity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("Stalls".into(), "seated".into(), 12),
            ("Balcony".into(), "seated".into(), 10),
            ("Floor".into(), "standing".into(), 250)
        ]
    );
    let id = venue["id"].as_i64().unwrap();

    let rows = seats_of(&app, id);
    assert_eq!(rows["Stalls"].len(), 12);
    assert_eq!(rows["Balcony"].len(), 10);
    assert!(!rows.contains_key("Floor"), "a standing area has no seats");
    let labels: std::collections::BTreeSet<&str> =
        rows["Balcony"].keys().map(|(r, _)| r.as_str()).collect();
    assert_eq!(labels.into_iter().collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(flagged(&rows, "Stalls", |v| v.1), ["A-1", "A-4"]);
    assert_eq!(flagged(&rows, "Stalls", |v| v.2), ["C-2"]);
    assert!(flagged(&rows, "Balcony", |v| v.1 || v.2).is_empty());
    let (country, slug, tz): (String, String, String) = app.with_conn(|c| {
        venues::table
            .find(id)
            .select((venues::country, venues::slug, venues::timezone))
            .first(c)
            .unwrap()
    });
    assert_eq!(
        (country.as_str(), slug.as_str(), tz.as_str()),
        ("GB", "riverside-hall", "Europe/London")
    );
    let audits: i64 = app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::action.eq("venue.create"))
            .filter(audit_log::subject_id.eq(id))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(audits, 1);

    // The editor can reopen it: the specs come back as they were sent.
    let (status, detail) = send(
        &app,
        &admin,
        reqwest::Method::GET,
        &format!("/api/v1/admin/venues/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let stalls = &detail["sections"][0];
    assert_eq!(
        (
            &stalls["rows"],
            &stalls["seats_per_row"],
            &stalls["shape"],
            &stalls["numbering"],
            &stalls["first_row"]
        ),
        (
            &json!(3),
            &json!(4),
            &json!("curved"),
            &json!("right_to_left"),
            &json!("A")
        )
    );
    assert_eq!(stalls["accessible"], json!(["A-1", "A-4"]));
    assert_eq!(detail["sections"][2]["capacity"], 250);
    assert_eq!(detail["timezone"], "Europe/London");

    // The list has it, and a second venue of the same name gets its own slug.
    let (_, list) = send(
        &app,
        &admin,
        reqwest::Method::GET,
        "/api/v1/admin/venues",
        None,
    )
    .await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["id"] == id)
    );
    let (status, again) = send(
        &app,
        &admin,
        reqwest::Method::POST,
        "/api/v1/admin/venues",
        Some(&hall()),
    )
    .await;
    assert_eq!(status, 201);
    let slug2: String = app.with_conn(|c| {
        venues::table
            .find(again["id"].as_i64().unwrap())
            .select(venues::slug)
            .first(c)
            .unwrap()
    });
    assert_eq!(slug2, "riverside-hall-2");
}

#[actix_web::test]
async fn invalid_venues_are_422_with_every_problem_named_and_change_nothing() {
    let app = spawn_app_with(false).await;
    let admin = app.admin_token().await;
    let mut bad = hall();
    bad["timezone"] = json!("Mars/Olympus");
    bad["country"] = json!("Britain");
    bad["sections"][0]["rows"] = json!(201);
    bad["sections"][1]["name"] = json!("stalls");
    bad["sections"][1]["blocked"] = json!(["Z-9"]);
    let (status, problem) = send(
        &app,
        &admin,
        reqwest::Method::POST,
        "/api/v1/admin/venues",
        Some(&bad),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let errors = problem["errors"].as_object().unwrap();
    assert!(errors["timezone"].as_str().unwrap().contains("IANA"));
    assert!(errors.contains_key("country"));
    let sections = errors["sections"].as_str().unwrap();
    assert!(sections.contains("sections[0].rows"), "{sections}");
    assert!(sections.contains("sections[1].name"), "{sections}");
    assert!(sections.contains("Z-9"), "{sections}");

    // Too many seats in all; a body that isn't a venue.
    let huge = json!({"name": "Huge", "city": "X", "country": "GB", "timezone": "UTC",
        "sections": [{"name": "A", "kind": "seated", "rows": 200, "seats_per_row": 200}]});
    let (status, problem) = send(
        &app,
        &admin,
        reqwest::Method::POST,
        "/api/v1/admin/venues",
        Some(&huge),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        problem["errors"]["sections"]
            .as_str()
            .unwrap()
            .contains("30000")
    );
    let (status, _) = send(
        &app,
        &admin,
        reqwest::Method::POST,
        "/api/v1/admin/venues",
        Some(&json!({"name": 3})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(venue_count(&app), 0);
}

#[actix_web::test]
async fn an_edit_keeps_the_ids_of_unchanged_seats_and_adds_and_removes_the_rest() {
    let app = spawn_app_with(false).await;
    let admin = app.admin_token().await;
    let (_, venue) = send(
        &app,
        &admin,
        reqwest::Method::POST,
        "/api/v1/admin/venues",
        Some(&hall()),
    )
    .await;
    let id = venue["id"].as_i64().unwrap();
    let before = seats_of(&app, id);

    // Stalls: a fourth row, straight now, A-1 no longer accessible; Balcony gone; a new Box.
    let mut edit = hall();
    edit["name"] = json!("Riverside Hall (new)");
    edit["sections"][0]["rows"] = json!(4);
    edit["sections"][0]["shape"] = json!("straight");
    edit["sections"][0]["accessible"] = json!(["A-4", "D-1"]);
    edit["sections"][1] = json!({"name": "Box", "kind": "seated", "rows": 1, "seats_per_row": 2});
    edit["sections"][2]["capacity"] = json!(300);
    let path = format!("/api/v1/admin/venues/{id}");
    let (status, body) = send(&app, &admin, reqwest::Method::PUT, &path, Some(&edit)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["capacity"], 16 + 2 + 300);
    let after = seats_of(&app, id);
    for (key, (seat, _, _)) in &before["Stalls"] {
        assert_eq!(after["Stalls"][key].0, *seat, "seat {key:?} kept its id");
    }
    assert_eq!(after["Stalls"].len(), 16);
    assert_eq!(flagged(&after, "Stalls", |v| v.1), ["A-4", "D-1"]);
    assert_eq!(flagged(&after, "Stalls", |v| v.2), ["C-2"]);
    assert!(!after.contains_key("Balcony"));
    assert_eq!(after["Box"].len(), 2);
    let name: String = app.with_conn(|c| {
        venues::table
            .find(id)
            .select(venues::name)
            .first(c)
            .unwrap()
    });
    assert_eq!(name, "Riverside Hall (new)");

    // Fewer seats per row: the seats at the end of each row go, the rest keep their ids.
    edit["sections"][0]["seats_per_row"] = json!(3);
    edit["sections"][0]["accessible"] = json!([]);
    let (status, _) = send(&app, &admin, reqwest::Method::PUT, &path, Some(&edit)).await;
    assert_eq!(status, 200);
    let shrunk = seats_of(&app, id);
    assert_eq!(shrunk["Stalls"].len(), 12);
    for (key, (seat, _, _)) in &shrunk["Stalls"] {
        assert_eq!(after["Stalls"][key].0, *seat);
    }
    let (status, _) = send(
        &app,
        &admin,
        reqwest::Method::PUT,
        "/api/v1/admin/venues/999999",
        Some(&edit),
    )
    .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn a_venue_cannot_lose_seats_that_events_use() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, list) = send(
        &app,
        &admin,
        reqwest::Method::GET,
        "/api/v1/admin/venues",
        None,
    )
    .await;
    // The demo's theatre: seated sections drawn by the demo, with events on sale.
    let venue = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"].as_str().unwrap().contains("Alderman"))
        .expect("the demo theatre")
        .clone();
    let id = venue["id"].as_i64().unwrap();
    let path = format!("/api/v1/admin/venues/{id}");
    let (_, detail) = send(&app, &admin, reqwest::Method::GET, &path, None).await;
    assert_eq!(detail["sections"][0]["kept"], true, "{detail}");
    assert!(detail["sections"][0]["rows"].is_null());
    let before = seats_of(&app, id);

    // What GET answers, sent back as it is, changes nothing.
    let same = detail.clone();
    let (status, body) = send(&app, &admin, reqwest::Method::PUT, &path, Some(&same)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(seats_of(&app, id), before);

    // Without its first section: refused, naming the events, and nothing changes.
    let mut fewer = same.clone();
    let removed = fewer["sections"].as_array_mut().unwrap().remove(0);
    let (status, problem) = send(&app, &admin, reqwest::Method::PUT, &path, Some(&fewer)).await;
    assert_eq!(status, 409, "{problem}");
    let in_use = problem["in_use"].as_array().unwrap();
    assert!(!in_use.is_empty());
    assert!(in_use[0]["seats"].as_i64().unwrap() > 0);
    assert_eq!(in_use[0]["sections"][0], removed["name"]);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("cannot lose those seats")
    );
    assert_eq!(seats_of(&app, id), before);

    // Reshaping a used section into generated rows would drop its seats: refused too.
    let mut reshaped = same.clone();
    reshaped["sections"][0] =
        json!({"name": removed["name"], "kind": "seated", "rows": 1, "seats_per_row": 1});
    let (status, _) = send(&app, &admin, reqwest::Method::PUT, &path, Some(&reshaped)).await;
    assert_eq!(status, 409);
    assert_eq!(seats_of(&app, id), before);

    // Marking a seat blocked is allowed: the venue changes, events keep their inventory.
    let mut blocked = same.clone();
    let (first_row, first_number) = before[removed["name"].as_str().unwrap()]
        .keys()
        .next()
        .unwrap()
        .clone();
    blocked["sections"][0]["blocked"] = json!([format!("{first_row}-{first_number}")]);
    let (status, _) = send(&app, &admin, reqwest::Method::PUT, &path, Some(&blocked)).await;
    assert_eq!(status, 200);
    let after = seats_of(&app, id);
    let section = removed["name"].as_str().unwrap();
    assert!(after[section][&(first_row.clone(), first_number)].2);
    assert_eq!(
        after[section][&(first_row, first_number)].0,
        before[section].values().next().unwrap().0
    );
}

/// An admin signed in to the pages (the test client keeps the cookies).
async fn admin_browser(app: &TestApp) {
    app.create_admin("boss@example.com", PASSWORD);
    assert_eq!(app.login("boss@example.com", PASSWORD).await.status(), 303);
}

fn form_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "Form Hall"),
        ("city", "Leeds"),
        ("country", "GB"),
        ("timezone", "Europe/London"),
        ("address", "2 Park Row"),
        ("description", ""),
        ("s0.kind", "seated"),
        ("s0.name", "Stalls"),
        ("s0.rows", "5"),
        ("s0.seats_per_row", "6"),
        ("s0.first_row", "A"),
        ("s0.numbering", "left_to_right"),
        ("s0.shape", "curved"),
        ("s0.x", ""),
        ("s0.y", ""),
        ("s0.accessible", "E-1 E-6"),
        ("s0.blocked", "A-3"),
        ("s1.kind", "standing"),
        ("s1.name", "Bar"),
        ("s1.capacity", "80"),
        ("s1.width", ""),
        ("s1.height", ""),
        ("action", "save"),
    ]
}

#[actix_web::test]
async fn a_venue_is_created_and_edited_through_the_forms() {
    let app = spawn_app_with(false).await;
    admin_browser(&app).await;
    let (status, doc) = app.get_html("/admin/venues/new").await;
    assert_eq!(status, 200);
    assert_eq!(
        attrs(&doc, "#venue-form", "hx-post"),
        ["/admin/venues/preview"]
    );
    // The new form starts with one 10 × 20 section, drawn at once (no JavaScript needed).
    assert_eq!(
        attrs(&doc, "#venue-preview .preview-seat", "data-key").len(),
        200
    );

    let res = app
        .submit(
            &app.client,
            "/admin/venues/new",
            "/admin/venues/new",
            &form_fields(),
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/venues");
    let id: i64 = app.with_conn(|c| {
        venues::table
            .filter(venues::name.eq("Form Hall"))
            .select(venues::id)
            .first(c)
            .unwrap()
    });
    let rows = seats_of(&app, id);
    assert_eq!(rows["Stalls"].len(), 30);
    assert_eq!(flagged(&rows, "Stalls", |v| v.1), ["E-1", "E-6"]);
    assert_eq!(flagged(&rows, "Stalls", |v| v.2), ["A-3"]);
    let capacity: Option<i32> = app.with_conn(|c| {
        sections::table
            .filter(sections::venue_id.eq(id))
            .filter(sections::name.eq("Bar"))
            .select(sections::capacity)
            .first(c)
            .unwrap()
    });
    assert_eq!(capacity, Some(80));

    let (status, list) = app.get_html("/admin/venues").await;
    assert_eq!(status, 200);
    assert_eq!(texts(&list, "#flash"), ["The venue was created."]);
    assert_eq!(
        texts(&list, &format!("tr[data-venue-id='{id}'] .capacity")),
        ["110"]
    );
    assert_eq!(
        texts(&list, &format!("tr[data-venue-id='{id}'] .events")),
        ["0"]
    );

    // The edit form is filled in from the database; saving it with a sixth row keeps the ids.
    let edit = format!("/admin/venues/{id}/edit");
    let (status, doc) = app.get_html(&edit).await;
    assert_eq!(status, 200);
    assert_eq!(attrs(&doc, "#s0-rows", "value"), ["5"]);
    assert_eq!(
        attrs(&doc, "#s0-shape option[selected]", "value"),
        ["curved"]
    );
    assert_eq!(attrs(&doc, "#s1-capacity", "value"), ["80"]);
    assert_eq!(
        attrs(&doc, "#venue-preview .preview-seat", "data-key").len(),
        30
    );
    let mut fields = form_fields();
    fields.retain(|(k, _)| *k != "s0.rows");
    fields.push(("s0.rows", "6"));
    let res = app.submit(&app.client, &edit, &edit, &fields).await;
    assert_eq!(res.status(), 303);
    let after = seats_of(&app, id);
    assert_eq!(after["Stalls"].len(), 36);
    for (key, seat) in &rows["Stalls"] {
        assert_eq!(after["Stalls"][key].0, seat.0);
    }

    // Adding a section without saving re-renders the form with one more section.
    let mut add = form_fields();
    add.retain(|(k, _)| *k != "action");
    add.push(("action", "add-standing"));
    let res = app.submit(&app.client, &edit, &edit, &add).await;
    assert_eq!(res.status(), 200);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(attrs(&doc, "fieldset.venue-section", "id").len(), 3);
    assert_eq!(seats_of(&app, id)["Stalls"].len(), 36, "nothing saved");
}

#[actix_web::test]
async fn an_invalid_form_is_422_with_messages_and_keeps_what_was_typed() {
    let app = spawn_app_with(false).await;
    admin_browser(&app).await;
    let mut fields = form_fields();
    fields.retain(|(k, _)| !matches!(*k, "s0.rows" | "timezone" | "s1.name"));
    fields.push(("s0.rows", "lots"));
    fields.push(("timezone", "Nowhere/Land"));
    fields.push(("s1.name", "STALLS"));
    let res = app
        .submit(
            &app.client,
            "/admin/venues/new",
            "/admin/venues/new",
            &fields,
        )
        .await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(texts(&doc, "#s0-rows-error"), ["Enter a whole number."]);
    assert_eq!(attrs(&doc, "#s0-rows", "value"), ["lots"]);
    assert_eq!(attrs(&doc, "#venue-city", "value"), ["Leeds"]);
    assert!(texts(&doc, "#form-errors").len() == 1);

    // The number fixed, the other problems remain.
    fields.retain(|(k, _)| *k != "s0.rows");
    fields.push(("s0.rows", "5"));
    let res = app
        .submit(
            &app.client,
            "/admin/venues/new",
            "/admin/venues/new",
            &fields,
        )
        .await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(texts(&doc, "#venue-timezone-error").len(), 1);
    assert_eq!(texts(&doc, "#s1-name-error").len(), 1);
    assert_eq!(venue_count(&app), 0);
}

#[actix_web::test]
async fn the_preview_draws_every_seat_of_the_form() {
    let app = spawn_app_with(false).await;
    admin_browser(&app).await;
    let csrf = app.csrf_token("/admin/venues/new").await;
    let preview = |fields: Vec<(&'static str, &'static str)>| {
        let csrf = csrf.clone();
        let app = &app;
        async move {
            let res = app
                .client
                .post(app.url("/admin/venues/preview"))
                .header("Origin", &app.address)
                .header("HX-Request", "true")
                .header("X-CSRF-Token", csrf)
                .form(&fields)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (
                status,
                scraper::Html::parse_fragment(&res.text().await.unwrap()),
            )
        }
    };
    let (status, svg) = preview(form_fields()).await;
    assert_eq!(status, 200);
    assert_eq!(attrs(&svg, "svg .preview-seat", "data-key").len(), 30);
    assert_eq!(
        attrs(&svg, ".preview-seat.accessible", "data-key"),
        ["E-1", "E-6"]
    );
    assert_eq!(attrs(&svg, ".preview-seat.blocked", "data-key"), ["A-3"]);
    assert_eq!(texts(&svg, "[data-count=standing]"), ["80"]);

    let mut fields = form_fields();
    fields.retain(|(k, _)| *k != "s0.seats_per_row");
    fields.push(("s0.seats_per_row", "0"));
    let (status, doc) = preview(fields).await;
    assert_eq!(status, 422);
    assert!(attrs(&doc, ".preview-seat", "data-key").is_empty());
    assert_eq!(texts(&doc, "#preview-problems li").len(), 1);
}

#[actix_web::test]
async fn only_admins_reach_the_venue_editor() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, venue) = send(
        &app,
        &admin,
        reqwest::Method::POST,
        "/api/v1/admin/venues",
        Some(&hall()),
    )
    .await;
    let id = venue["id"].as_i64().unwrap();

    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let user = app.api_login("ada@example.com", PASSWORD).await;
    let path = format!("/api/v1/admin/venues/{id}");
    for (method, path) in [
        (reqwest::Method::POST, "/api/v1/admin/venues"),
        (reqwest::Method::GET, path.as_str()),
        (reqwest::Method::PUT, path.as_str()),
    ] {
        let (status, _) = send(&app, &user, method.clone(), path, Some(&hall())).await;
        assert_eq!(status, 403, "{method} {path}");
    }
    for page in [
        "/admin/venues",
        "/admin/venues/new",
        &format!("/admin/venues/{id}/edit"),
    ] {
        assert_eq!(app.get(page).await.status(), 403, "{page}");
    }
    let csrf = app.csrf_token("/account").await;
    for action in [
        "/admin/venues/new",
        "/admin/venues/preview",
        &format!("/admin/venues/{id}/edit"),
    ] {
        let mut fields = form_fields();
        fields.push(("csrf_token", &csrf));
        let res = app.post_form(action, &fields).await;
        assert_eq!(res.status(), 403, "{action}");
    }
    assert_eq!(venue_count(&app), 7, "the demo's six and the admin's one");
}
