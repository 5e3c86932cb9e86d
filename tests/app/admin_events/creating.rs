//! Creating events through the API and the form, with the venue's inventory and local time.

use boxoffice::db::schema::{event_seats, event_sections, events, price_tiers, seats, venues};
use boxoffice::domain::local_time::{from_local, zone};
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{attrs, spawn_app, texts};
use crate::holds::{buyer, hold, seat_statuses};

use super::{START, admin, api, audit_actions, layout, new_event, row_counts};

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
