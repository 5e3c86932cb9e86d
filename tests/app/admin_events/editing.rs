//! Editing events: version conflicts, forbidden transitions, what a sold section keeps, concurrent edits.

use boxoffice::db::schema::{bookings, event_seats, events};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{attrs, spawn_app, texts};
use crate::holds::{buyer, hold};

use super::{admin, api, audit_actions, create_draft, layout, new_event};

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
    // The cancelled draft's job runs: nothing was sold, so it finishes at once.
    let pass = app.run_worker();
    assert!(
        matches!(pass.jobs[..], [boxoffice::jobs::Turn::Done { .. }]),
        "{pass:?}"
    );
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
