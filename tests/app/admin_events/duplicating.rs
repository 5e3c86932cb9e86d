//! Duplicating an event: a fresh draft with the same plan.

use boxoffice::db::schema::{bookings, event_seats};
use diesel::prelude::*;
use serde_json::Value;

use crate::helpers::{attrs, spawn_app};

use super::{admin, api, audit_actions};

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
