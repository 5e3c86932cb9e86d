//! The event editor (issue 7): events created, edited, published, closed and duplicated through
//! the JSON API and the forms, checked against the database.

use boxoffice::db::schema::{
    audit_log, bookings, event_seats, event_sections, events, price_tiers, seats, venues,
};
use boxoffice::domain::local_time::{from_local, zone};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, attrs, spawn_app, texts};
use crate::holds::{buyer, hold, seat_statuses};

const PASSWORD: &str = "a long enough password";
const START: &str = "2027-04-10T18:30:00Z";

/// An admin's API token; the admin's browser (`app.client`) is signed in too.
pub(crate) async fn admin(app: &TestApp) -> String {
    app.admin_signed_in("boss@example.com", PASSWORD).await
}

async fn api(
    app: &TestApp,
    token: Option<&str>,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.api(token, method, path, body.as_ref()).await
}

/// A venue with a seated and a standing section: (venue id, smallest seated section, its seat
/// count, a standing section, its capacity, another venue's section).
struct Layout {
    venue: i64,
    seated: i64,
    seats: i64,
    standing: i64,
    standing_capacity: i64,
    foreign_section: i64,
}

async fn layout(app: &TestApp, token: &str) -> Layout {
    let (status, venues) = api(
        app,
        Some(token),
        reqwest::Method::GET,
        "/api/v1/admin/venues",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let venues = venues["items"].as_array().unwrap();
    for v in venues {
        let sections = v["sections"].as_array().unwrap();
        let seated = sections
            .iter()
            .filter(|s| s["kind"] == "seated")
            .min_by_key(|s| s["capacity"].as_i64().unwrap());
        let standing = sections.iter().find(|s| s["kind"] == "standing");
        if let (Some(seated), Some(standing)) = (seated, standing) {
            let other = venues.iter().find(|o| o["id"] != v["id"]).unwrap();
            return Layout {
                venue: v["id"].as_i64().unwrap(),
                seated: seated["id"].as_i64().unwrap(),
                seats: seated["capacity"].as_i64().unwrap(),
                standing: standing["id"].as_i64().unwrap(),
                standing_capacity: standing["capacity"].as_i64().unwrap(),
                foreign_section: other["sections"][0]["id"].as_i64().unwrap(),
            };
        }
    }
    panic!("no venue with seated and standing sections");
}

/// Creates [`new_event`] as a draft through the API; its id.
async fn create_draft(app: &TestApp, token: &str, l: &Layout) -> i64 {
    let (status, created) = api(
        app,
        Some(token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(new_event(l)),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().unwrap()
}

fn new_event(l: &Layout) -> Value {
    json!({
        "title": "Night of Tests",
        "description": "An evening of assertions.",
        "category": "concert",
        "venue_id": l.venue,
        "starts_at": START,
        "currency": "EUR",
        "tiers": [{"name": "Front", "price_cents": 5000}, {"name": "Floor", "price_cents": 2500}],
        "section_tiers": {l.seated.to_string(): 0, l.standing.to_string(): 1},
        "max_tickets_per_order": 6,
    })
}

/// (events, tiers, event sections, event seats) rows in the database.
fn row_counts(app: &TestApp) -> (i64, i64, i64, i64) {
    app.with_conn(|c| {
        (
            events::table.count().get_result(c).unwrap(),
            price_tiers::table.count().get_result(c).unwrap(),
            event_sections::table.count().get_result(c).unwrap(),
            event_seats::table.count().get_result(c).unwrap(),
        )
    })
}

fn audit_actions(app: &TestApp, event: i64) -> Vec<String> {
    app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::subject_type.eq("event"))
            .filter(audit_log::subject_id.eq(event))
            .order(audit_log::id)
            .select(audit_log::action)
            .load(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn an_event_created_through_the_api_has_the_venue_inventory_and_sells_once_published() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let l = layout(&app, &token).await;
    // The venue never sells one seat of the section: the new event starts with it blocked.
    let blocked_seat: i64 = app.with_conn(|c| {
        let id = seats::table
            .filter(seats::section_id.eq(l.seated))
            .order(seats::id)
            .select(seats::id)
            .first(c)
            .unwrap();
        diesel::update(seats::table.filter(seats::id.eq(id)))
            .set(seats::blocked.eq(true))
            .execute(c)
            .unwrap();
        id
    });

    let (status, created) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(new_event(&l)),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["version"], 1);
    assert_eq!(created["max_tickets_per_order"], 6);
    assert_eq!(created["starts_at"], START);
    let id = created["id"].as_i64().unwrap();
    let tiers = created["tiers"].as_array().unwrap();
    assert_eq!(tiers.len(), 2);
    assert_eq!(
        created["section_tiers"][l.seated.to_string()],
        tiers[0]["id"]
    );
    assert_eq!(
        created["section_tiers"][l.standing.to_string()],
        tiers[1]["id"]
    );
    assert_eq!(created["capacity"], l.seats - 1 + l.standing_capacity);
    assert_eq!(created["available"], created["capacity"]);
    assert_eq!(created["min_price_cents"], 2500);

    // The inventory in the database is the venue's, for the mapped sections only.
    let (sections, seat_rows) = app.with_conn(|c| {
        let sections: Vec<(i64, i32, i32, i32, i32)> = event_sections::table
            .filter(event_sections::event_id.eq(id))
            .order(event_sections::section_id)
            .select((
                event_sections::section_id,
                event_sections::capacity,
                event_sections::held,
                event_sections::sold,
                event_sections::blocked,
            ))
            .load(c)
            .unwrap();
        let seat_rows: Vec<(i64, i64, String)> = event_seats::table
            .filter(event_seats::event_id.eq(id))
            .select((
                event_seats::seat_id,
                event_seats::section_id,
                event_seats::status,
            ))
            .load(c)
            .unwrap();
        (sections, seat_rows)
    });
    assert_eq!(sections.len(), 2);
    let seated = sections.iter().find(|s| s.0 == l.seated).unwrap();
    assert_eq!(*seated, (l.seated, l.seats as i32, 0, 0, 1));
    let standing = sections.iter().find(|s| s.0 == l.standing).unwrap();
    assert_eq!(*standing, (l.standing, l.standing_capacity as i32, 0, 0, 0));
    assert_eq!(seat_rows.len() as i64, l.seats);
    assert!(seat_rows.iter().all(|(_, section, _)| *section == l.seated));
    for (seat, _, status) in &seat_rows {
        let expected = if *seat == blocked_seat {
            "blocked"
        } else {
            "available"
        };
        assert_eq!(status, expected, "seat {seat}");
    }

    // A draft is not public; publishing makes it so.
    assert_eq!(app.get(&format!("/api/v1/events/{id}")).await.status(), 404);
    let (status, published) = api(
        &app,
        Some(&token),
        reqwest::Method::PATCH,
        &format!("/api/v1/admin/events/{id}"),
        Some(json!({"version": 1, "status": "published"})),
    )
    .await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "published");
    assert_eq!(published["version"], 2);
    let (status, public) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(public["title"], "Night of Tests");

    // A buyer holds two seats; the public seat map and the admin's numbers follow.
    let free: Vec<i64> = seat_rows
        .iter()
        .filter(|(seat, _, _)| *seat != blocked_seat)
        .map(|(seat, _, _)| *seat)
        .take(2)
        .collect();
    let buyer = buyer(&app, 1).await;
    let (status, booking) = hold(&app, &buyer, id, json!({"seat_ids": free})).await;
    assert_eq!(status, 201, "{booking}");
    assert_eq!(booking["total_cents"], 10_000);
    let map = seat_statuses(&app, id).await;
    assert_eq!(map[&free[0]], "held");
    assert_eq!(map[&blocked_seat], "blocked");
    let (_, doc) = api(
        &app,
        Some(&token),
        reqwest::Method::GET,
        &format!("/api/v1/admin/events/{id}"),
        None,
    )
    .await;
    assert_eq!(
        doc["available"].as_i64().unwrap(),
        doc["capacity"].as_i64().unwrap() - 2
    );
    let (status, stats) = api(
        &app,
        Some(&token),
        reqwest::Method::GET,
        &format!("/api/v1/admin/events/{id}/stats"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (capacity, held, blocked): (i64, i64, i64) = app.with_conn(|c| {
        let rows: Vec<(i32, i32, i32)> = event_sections::table
            .filter(event_sections::event_id.eq(id))
            .select((
                event_sections::capacity,
                event_sections::held,
                event_sections::blocked,
            ))
            .load(c)
            .unwrap();
        rows.iter().fold((0, 0, 0), |(a, b, d), r| {
            (a + i64::from(r.0), b + i64::from(r.1), d + i64::from(r.2))
        })
    });
    assert_eq!(held, 2);
    assert_eq!(stats["capacity"].as_i64().unwrap(), capacity - blocked);
    assert_eq!(stats["held"], 2);
    assert_eq!(
        stats["available"].as_i64().unwrap()
            + stats["held"].as_i64().unwrap()
            + stats["sold"].as_i64().unwrap(),
        stats["capacity"].as_i64().unwrap()
    );
    assert_eq!(
        audit_actions(&app, id),
        vec!["event.created", "event.published"]
    );

    // The admin list shows drafts and published events; the filter narrows it.
    let (_, all) = api(
        &app,
        Some(&token),
        reqwest::Method::GET,
        "/api/v1/admin/events?q=night+of+tests",
        None,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    let (_, drafts) = api(
        &app,
        Some(&token),
        reqwest::Method::GET,
        "/api/v1/admin/events?status=draft",
        None,
    )
    .await;
    let drafts = drafts["items"].as_array().unwrap();
    assert!(!drafts.is_empty());
    assert!(drafts.iter().all(|e| e["status"] == "draft"));
}

#[actix_web::test]
async fn an_event_created_through_the_form_uses_the_venue_local_time() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let l = layout(&app, &token).await;
    let (status, doc) = app.get_html("/admin/events/new").await;
    assert_eq!(status, 200);
    assert!(!attrs(&doc, "select#venue_id option", "value").is_empty());
    // The sections block for the chosen venue, as htmx loads it.
    let res = app
        .get_htmx(&format!(
            "/admin/events/sections?venue_id={}&tier_name_0=Front&tier_price_0=50",
            l.venue
        ))
        .await;
    assert_eq!(res.status(), 200);
    let fragment = scraper::Html::parse_fragment(&res.text().await.unwrap());
    assert!(attrs(&fragment, "select", "name").contains(&format!("section_{}", l.seated)));

    let csrf = app.csrf_token("/admin/events/new").await;
    let venue = l.venue.to_string();
    let seated = format!("section_{}", l.seated);
    let before = row_counts(&app);
    let res = app
        .post_form(
            "/admin/events",
            &[
                ("csrf_token", &csrf),
                ("title", "Form Made Gala"),
                ("summary", ""),
                ("description", "Typed in a browser."),
                ("category", "theatre"),
                ("venue_id", &venue),
                ("starts_at", "2027-04-10T19:30"),
                ("ends_at", "2027-04-10T22:00"),
                ("currency", "gbp"),
                ("sales_start_at", ""),
                ("sales_end_at", ""),
                ("max_tickets_per_order", "8"),
                ("tier_id_0", ""),
                ("tier_name_0", "Stalls"),
                ("tier_price_0", "42.50"),
                ("tier_id_1", ""),
                ("tier_name_1", ""),
                ("tier_price_1", ""),
                (&seated, "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = location
        .trim_start_matches("/admin/events/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    let after = row_counts(&app);
    assert_eq!(
        (after.0 - before.0, after.1 - before.1, after.2 - before.2),
        (1, 1, 1)
    );
    assert_eq!(after.3 - before.3, l.seats);
    let (title, currency, starts_at, starts_local, status): (
        String,
        String,
        chrono::NaiveDateTime,
        chrono::NaiveDateTime,
        String,
    ) = app.with_conn(|c| {
        events::table
            .filter(events::id.eq(id))
            .select((
                events::title,
                events::currency,
                events::starts_at,
                events::starts_local,
                events::status,
            ))
            .first(c)
            .unwrap()
    });
    assert_eq!(
        (title.as_str(), currency.as_str(), status.as_str()),
        ("Form Made Gala", "GBP", "draft")
    );
    // The form's times are the venue's wall clock.
    let tz: String = app.with_conn(|c| {
        venues::table
            .filter(venues::id.eq(l.venue))
            .select(venues::timezone)
            .first(c)
            .unwrap()
    });
    let typed = chrono::NaiveDate::from_ymd_opt(2027, 4, 10)
        .unwrap()
        .and_hms_opt(19, 30, 0)
        .unwrap();
    assert_eq!(starts_local, typed);
    assert_eq!(starts_at, from_local(typed, zone(&tz)));
    assert_ne!(starts_at, typed, "the venue is not on UTC");
    let price: i64 = app.with_conn(|c| {
        price_tiers::table
            .filter(price_tiers::event_id.eq(id))
            .select(price_tiers::price_cents)
            .first(c)
            .unwrap()
    });
    assert_eq!(price, 4250);

    // The edit page shows the saved values in local time; publish from it.
    let (status, edit) = app.get_html(&location).await;
    assert_eq!(status, 200);
    assert_eq!(
        attrs(&edit, "input#starts_at", "value"),
        vec!["2027-04-10T19:30"]
    );
    assert_eq!(attrs(&edit, "input[name=version]", "value")[0], "1");
    let res = app
        .post_form(
            &format!("/admin/events/{id}/publish"),
            &[("csrf_token", &csrf), ("version", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, edit) = app.get_html(&location).await;
    assert_eq!(texts(&edit, "#event-status"), vec!["published"]);
    assert_eq!(texts(&edit, "#flash"), vec!["The event is published."]);
    let (status, _) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!(status, 200);
    let (_, list) = app.get_html("/admin/events?status=published&q=gala").await;
    assert_eq!(
        texts(&list, "#events tbody tr .title"),
        vec!["Form Made Gala"]
    );
}

#[actix_web::test]
async fn two_edits_from_the_same_version_conflict_and_the_second_changes_nothing() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let l = layout(&app, &token).await;
    let (_, created) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(new_event(&l)),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/admin/events/{id}");

    let (status, first) = api(
        &app,
        Some(&token),
        reqwest::Method::PATCH,
        &path,
        Some(json!({"version": 1, "title": "First writer"})),
    )
    .await;
    assert_eq!(
        (status, first["version"].as_i64()),
        (200, Some(2)),
        "{first}"
    );
    let (status, second) = api(
        &app,
        Some(&token),
        reqwest::Method::PATCH,
        &path,
        Some(json!({"version": 1, "title": "Second writer", "max_tickets_per_order": 2})),
    )
    .await;
    assert_eq!(status, 409, "{second}");
    assert_eq!(second["current_version"], 2);
    assert!(
        second["detail"]
            .as_str()
            .unwrap()
            .contains("changed by someone else")
    );
    let (_, now) = api(&app, Some(&token), reqwest::Method::GET, &path, None).await;
    assert_eq!(
        (
            now["title"].as_str(),
            now["version"].as_i64(),
            now["max_tickets_per_order"].as_i64()
        ),
        (Some("First writer"), Some(2), Some(6))
    );

    // The version is required.
    let (status, missing) = api(
        &app,
        Some(&token),
        reqwest::Method::PATCH,
        &path,
        Some(json!({"title": "No version"})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(missing["errors"]["version"].is_string());

    // A form edit made from version 1 is refused too, and shows the current event.
    let csrf = app.csrf_token(&format!("/admin/events/{id}/edit")).await;
    let venue = l.venue.to_string();
    let seated = format!("section_{}", l.seated);
    let res = app
        .post_form(
            &format!("/admin/events/{id}/edit"),
            &[
                ("csrf_token", &csrf),
                ("version", "1"),
                ("title", "Stale form"),
                ("category", "concert"),
                ("venue_id", &venue),
                ("starts_at", "2027-04-10T19:30"),
                ("currency", "EUR"),
                ("max_tickets_per_order", "6"),
                ("tier_id_0", &created["tiers"][0]["id"].to_string()),
                ("tier_name_0", "Front"),
                ("tier_price_0", "50"),
                ("tier_id_1", &created["tiers"][1]["id"].to_string()),
                ("tier_name_1", "Floor"),
                ("tier_price_1", "25"),
                (&seated, "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), 409);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        texts(&doc, "#conflict"),
        vec![
            "Someone else changed this event while you were editing; their version is shown below, your changes were not saved."
        ]
    );
    assert_eq!(attrs(&doc, "input#title", "value"), vec!["First writer"]);
    assert_eq!(attrs(&doc, "input[name=version]", "value")[0], "2");
    let title: String = app.with_conn(|c| {
        events::table
            .filter(events::id.eq(id))
            .select(events::title)
            .first(c)
            .unwrap()
    });
    assert_eq!(title, "First writer");
    assert_eq!(
        audit_actions(&app, id),
        vec!["event.created", "event.updated"]
    );
}

#[actix_web::test]
async fn forbidden_transitions_and_edits_are_refused() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let l = layout(&app, &token).await;
    let id = create_draft(&app, &token, &l).await;
    let path = format!("/api/v1/admin/events/{id}");
    let patch = |body: Value| {
        api(
            &app,
            Some(&token),
            reqwest::Method::PATCH,
            &path,
            Some(body),
        )
    };

    let (status, body) = patch(json!({"version": 1, "status": "completed"})).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("draft event can't become completed")
    );
    let (status, body) = patch(json!({"version": 1, "status": "cancelled"})).await;
    assert_eq!(status, 422);
    assert!(
        body["errors"]["status"]
            .as_str()
            .unwrap()
            .contains("/cancel")
    );
    let (status, _) = patch(json!({"version": 1, "status": "published"})).await;
    assert_eq!(status, 200);
    let (status, closed) = patch(json!({"version": 2, "status": "completed"})).await;
    assert_eq!(
        (status, closed["status"].as_str()),
        (200, Some("completed"))
    );
    let (status, _) = patch(json!({"version": 3, "status": "published"})).await;
    assert_eq!(status, 409);
    let (status, body) = patch(json!({"version": 3, "title": "Too late"})).await;
    assert_eq!(status, 409);
    assert!(body["detail"].as_str().unwrap().contains("can't be edited"));

    // A cancelled event can't be edited either.
    let other_id = create_draft(&app, &token, &l).await;
    let (status, _) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        &format!("/api/v1/admin/events/{other_id}/cancel"),
        Some(json!({"reason": "Testing"})),
    )
    .await;
    assert_eq!(status, 202);
    let (_, cancelled) = api(
        &app,
        Some(&token),
        reqwest::Method::GET,
        &format!("/api/v1/admin/events/{other_id}"),
        None,
    )
    .await;
    let version = cancelled["version"].as_i64().unwrap();
    let (status, _) = api(
        &app,
        Some(&token),
        reqwest::Method::PATCH,
        &format!("/api/v1/admin/events/{other_id}"),
        Some(json!({"version": version, "title": "Revived"})),
    )
    .await;
    assert_eq!(status, 409);
    let title: String = app.with_conn(|c| {
        events::table
            .filter(events::id.eq(other_id))
            .select(events::title)
            .first(c)
            .unwrap()
    });
    assert_eq!(title, "Night of Tests");

    // Through the pages: publishing a completed event is refused with a message.
    let csrf = app.csrf_token("/admin/events").await;
    let res = app
        .post_form(
            &format!("/admin/events/{id}/publish"),
            &[("csrf_token", &csrf), ("version", "3"), ("back", "list")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, list) = app.get_html("/admin/events").await;
    assert_eq!(
        texts(&list, "#flash"),
        vec!["A completed event can't become published; nothing was done."]
    );
    let status: String = app.with_conn(|c| {
        events::table
            .filter(events::id.eq(id))
            .select(events::status)
            .first(c)
            .unwrap()
    });
    assert_eq!(status, "completed");
}

#[actix_web::test]
async fn invalid_events_are_refused_with_field_errors_and_change_nothing() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let l = layout(&app, &token).await;
    let before = row_counts(&app);
    let mut bad = new_event(&l);
    bad["title"] = json!("");
    bad["category"] = json!("opera");
    bad["currency"] = json!("eu");
    bad["starts_at"] = json!("2026-01-01T10:00:00Z");
    bad["max_tickets_per_order"] = json!(51);
    bad["section_tiers"] = json!({l.foreign_section.to_string(): 0});
    bad["tiers"] = json!([{"name": "A", "price_cents": -1}]);
    let (status, body) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(bad),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    for field in [
        "title",
        "category",
        "currency",
        "starts_at",
        "max_tickets_per_order",
        "section_tiers",
        "tiers",
    ] {
        assert!(body["errors"][field].is_string(), "{field}: {body}");
    }
    let mut window = new_event(&l);
    window["sales_start_at"] = json!("2027-03-01T10:00:00Z");
    window["sales_end_at"] = json!("2027-05-01T10:00:00Z");
    window["ends_at"] = json!("2027-04-10T18:00:00Z");
    let (status, body) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(window),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["sales_end_at"].is_string(), "{body}");
    assert!(body["errors"]["ends_at"].is_string(), "{body}");
    let mut unmapped = new_event(&l);
    unmapped["section_tiers"] = json!({});
    let (status, body) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(unmapped),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["section_tiers"].is_string());
    assert_eq!(row_counts(&app), before);

    // The form re-renders with the messages beside the fields and the values kept.
    let csrf = app.csrf_token("/admin/events/new").await;
    let venue = l.venue.to_string();
    let res = app
        .post_form(
            "/admin/events",
            &[
                ("csrf_token", &csrf),
                ("title", "Kept title"),
                ("category", "concert"),
                ("venue_id", &venue),
                ("starts_at", "yesterday"),
                ("currency", "EUR"),
                ("max_tickets_per_order", "6"),
                ("tier_name_0", "Front"),
                ("tier_price_0", "abc"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(attrs(&doc, "input#title", "value"), vec!["Kept title"]);
    assert_eq!(texts(&doc, "#starts_at-error").len(), 1);
    assert_eq!(texts(&doc, "#tiers-error").len(), 1);
    assert_eq!(texts(&doc, "#section_tiers-error").len(), 1);
    assert_eq!(row_counts(&app), before);
}

#[actix_web::test]
async fn a_section_with_seats_held_keeps_its_tier_but_prices_and_free_sections_can_change() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let l = layout(&app, &token).await;
    let mut body = new_event(&l);
    body["status"] = json!("published");
    let (status, created) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(body),
    )
    .await;
    assert_eq!(
        (status, created["status"].as_str()),
        (201, Some("published")),
        "{created}"
    );
    let id = created["id"].as_i64().unwrap();
    let seat: i64 = app.with_conn(|c| {
        event_seats::table
            .filter(event_seats::event_id.eq(id))
            .filter(event_seats::status.eq("available"))
            .select(event_seats::seat_id)
            .first(c)
            .unwrap()
    });
    let buyer = buyer(&app, 1).await;
    let (status, booking) = hold(&app, &buyer, id, json!({"seat_ids": [seat]})).await;
    assert_eq!(status, 201);
    assert_eq!(booking["total_cents"], 5000);
    let path = format!("/api/v1/admin/events/{id}");
    let tiers = created["tiers"].clone();
    let version = created["version"].as_i64().unwrap();

    // Moving the held section to another tier, or off sale, is refused; nothing changes.
    let (status, body) = api(&app, Some(&token), reqwest::Method::PATCH, &path, Some(json!({"version": version, "section_tiers": {l.seated.to_string(): 1, l.standing.to_string(): 1}}))).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["errors"]["section_tiers"]
            .as_str()
            .unwrap()
            .contains("held or sold")
    );
    let (status, _) = api(
        &app,
        Some(&token),
        reqwest::Method::PATCH,
        &path,
        Some(json!({"version": version, "section_tiers": {l.standing.to_string(): 1}})),
    )
    .await;
    assert_eq!(status, 422);
    let (_, doc) = api(&app, Some(&token), reqwest::Method::GET, &path, None).await;
    assert_eq!(doc["version"].as_i64(), Some(version));
    assert_eq!(doc["section_tiers"][l.seated.to_string()], tiers[0]["id"]);

    // A new price, a renamed tier, a new tier for the free standing section: fine. The held
    // booking keeps its price.
    let (status, doc) = api(
        &app,
        Some(&token),
        reqwest::Method::PATCH,
        &path,
        Some(json!({
            "version": version,
            "tiers": [
                {"id": tiers[0]["id"], "name": "Front row", "price_cents": 6500},
                {"id": tiers[1]["id"], "name": "Floor", "price_cents": 2500},
                {"name": "Late", "price_cents": 3000},
            ],
            "section_tiers": {l.seated.to_string(): 0, l.standing.to_string(): 2},
        })),
    )
    .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["tiers"][0]["price_cents"], 6500);
    assert_eq!(doc["tiers"][2]["name"], "Late");
    assert_eq!(
        doc["section_tiers"][l.standing.to_string()],
        doc["tiers"][2]["id"]
    );
    let total: i64 = app.with_conn(|c| {
        bookings::table
            .filter(bookings::event_id.eq(id))
            .select(bookings::total_cents)
            .first(c)
            .unwrap()
    });
    assert_eq!(total, 5000);
    // The venue of an event with bookings can't change.
    let (status, body) = api(
        &app,
        Some(&token),
        reqwest::Method::PATCH,
        &path,
        Some(json!({"version": doc["version"], "venue_id": l.venue + 1000})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["venue_id"].is_string());
}

#[actix_web::test]
async fn duplicating_makes_a_fresh_draft_with_the_same_plan_and_no_bookings() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    // A demo event with sales.
    let (_, list) = api(
        &app,
        Some(&token),
        reqwest::Method::GET,
        "/api/v1/admin/events?status=published",
        None,
    )
    .await;
    let source = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["sold"].as_i64().unwrap() > 0)
        .unwrap()
        .clone();
    let id = source["id"].as_i64().unwrap();
    let (status, copy) = api(
        &app,
        Some(&token),
        reqwest::Method::POST,
        &format!("/api/v1/admin/events/{id}/duplicate"),
        None,
    )
    .await;
    assert_eq!(status, 201, "{copy}");
    let copy_id = copy["id"].as_i64().unwrap();
    assert_ne!(copy_id, id);
    assert_eq!(
        copy["title"],
        format!("{} (copy)", source["title"].as_str().unwrap())
    );
    assert_eq!(copy["status"], "draft");
    assert_eq!(copy["version"], 1);
    assert_ne!(copy["slug"], source["slug"]);
    for field in [
        "starts_at",
        "ends_at",
        "sales_start_at",
        "sales_end_at",
        "max_tickets_per_order",
        "currency",
        "venue",
        "capacity",
        "category",
    ] {
        assert_eq!(copy[field], source[field], "{field}");
    }
    assert_eq!(copy["sold"], 0);
    assert_eq!(copy["available"], copy["capacity"]);
    let names = |e: &Value| -> Vec<(String, i64)> {
        e["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_owned(),
                    t["price_cents"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(names(&copy), names(&source));
    let mapped = |e: &Value| -> Vec<(String, String)> {
        let tiers = e["tiers"].as_array().unwrap();
        let mut m: Vec<(String, String)> = e["section_tiers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(s, t)| {
                (
                    s.clone(),
                    tiers.iter().find(|x| x["id"] == *t).unwrap()["name"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect();
        m.sort();
        m
    };
    assert_eq!(mapped(&copy), mapped(&source));
    let (bookings_of_copy, sold_seats): (i64, i64) = app.with_conn(|c| {
        (
            bookings::table
                .filter(bookings::event_id.eq(copy_id))
                .count()
                .get_result(c)
                .unwrap(),
            event_seats::table
                .filter(event_seats::event_id.eq(copy_id))
                .filter(event_seats::status.ne("available"))
                .filter(event_seats::status.ne("blocked"))
                .count()
                .get_result(c)
                .unwrap(),
        )
    });
    assert_eq!((bookings_of_copy, sold_seats), (0, 0));
    assert_eq!(audit_actions(&app, copy_id), vec!["event.duplicated"]);

    // The duplicate button on the list takes the admin to the copy's form.
    let csrf = app.csrf_token("/admin/events").await;
    let res = app
        .post_form(
            &format!("/admin/events/{id}/duplicate"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    let (status, doc) = app.get_html(&to).await;
    assert_eq!(status, 200);
    assert_eq!(
        attrs(&doc, "input#title", "value"),
        vec![format!("{} (copy)", source["title"].as_str().unwrap())]
    );
}

#[actix_web::test]
async fn non_admins_get_403_on_every_editor_page_and_endpoint_and_signed_out_calls_401() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let l = layout(&app, &token).await;
    let id = create_draft(&app, &token, &l).await;

    // A signed-in buyer, in a browser of their own and with a token.
    let user = app.new_browser();
    let csrf_page = user
        .get(app.url("/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_in(&scraper::Html::parse_document(&csrf_page));
    let res = user
        .post(app.url("/register"))
        .header("Origin", &app.address)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    // Registering answers "check your inbox"; the new account then logs in.
    assert_eq!(res.status(), 303);
    assert_eq!(crate::helpers::location(&res), "/register/sent");
    let res = user
        .post(app.url("/login"))
        .header("Origin", &app.address)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let pages = [
        "/admin/events".to_owned(),
        "/admin/events/new".to_owned(),
        format!("/admin/events/sections?venue_id={}", l.venue),
        format!("/admin/events/{id}/edit"),
    ];
    for page in &pages {
        let res = user.get(app.url(page)).send().await.unwrap();
        assert_eq!(res.status(), 403, "{page}");
    }
    let csrf_page = user
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_in(&scraper::Html::parse_document(&csrf_page));
    for action in [
        "/admin/events".to_owned(),
        format!("/admin/events/{id}/edit"),
        format!("/admin/events/{id}/publish"),
        format!("/admin/events/{id}/close"),
        format!("/admin/events/{id}/duplicate"),
    ] {
        let res = user
            .post(app.url(&action))
            .header("Origin", &app.address)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("version", "1"),
                ("title", "Hijacked"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{action}");
    }

    let user_token = {
        let login: Value = app
            .client
            .post(app.url("/api/v1/login"))
            .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        login["token"].as_str().unwrap().to_owned()
    };
    let endpoints = [
        (
            reqwest::Method::GET,
            "/api/v1/admin/events".to_owned(),
            None,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/admin/events".to_owned(),
            Some(new_event(&l)),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/admin/events/{id}"),
            None,
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/admin/events/{id}"),
            Some(json!({"version": 1, "title": "Hijacked"})),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/admin/events/{id}/duplicate"),
            None,
        ),
    ];
    for (method, path, body) in &endpoints {
        let (status, _) = api(&app, Some(&user_token), method.clone(), path, body.clone()).await;
        assert_eq!(status, 403, "{method} {path}");
        let (status, _) = api(&app, None, method.clone(), path, body.clone()).await;
        assert_eq!(status, 401, "{method} {path}");
    }
    let (events_now, title): (i64, String) = app.with_conn(|c| {
        (
            events::table.count().get_result(c).unwrap(),
            events::table
                .filter(events::id.eq(id))
                .select(events::title)
                .first(c)
                .unwrap(),
        )
    });
    assert_eq!(title, "Night of Tests");
    let (_, list) = api(
        &app,
        Some(&token),
        reqwest::Method::GET,
        "/api/v1/admin/events",
        None,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len() as i64, events_now);
}

#[actix_web::test]
async fn concurrent_edits_from_one_version_let_exactly_one_through() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let l = layout(&app, &token).await;
    let id = create_draft(&app, &token, &l).await;
    let path = format!("/api/v1/admin/events/{id}");
    let edits = (0..6).map(|n| {
        api(
            &app,
            Some(&token),
            reqwest::Method::PATCH,
            &path,
            Some(json!({"version": 1, "title": format!("Writer {n}")})),
        )
    });
    let answers = futures_util::future::join_all(edits).await;
    let won: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    assert!(
        answers.iter().all(|(s, _)| *s == 200 || *s == 409),
        "{answers:?}"
    );
    let (title, version): (String, i32) = app.with_conn(|c| {
        events::table
            .filter(events::id.eq(id))
            .select((events::title, events::version))
            .first(c)
            .unwrap()
    });
    assert_eq!(version, 2);
    assert_eq!(title, won[0]["title"].as_str().unwrap());
    assert_eq!(
        audit_actions(&app, id),
        vec!["event.created", "event.updated"]
    );
}
