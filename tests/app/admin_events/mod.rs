//! The event editor (issue 7): events created, edited, published, closed and duplicated through
//! the JSON API and the forms, checked against the database.

mod creating;
mod duplicating;
mod editing;
mod refusals;

use boxoffice::db::schema::{audit_log, event_seats, event_sections, events, price_tiers};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::TestApp;

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

/// A new published event with nothing sold, at the first venue with at least `seats` seats
/// (every section mapped to one tier): its id. For tests that must not carry the demo's sales.
pub(crate) async fn unsold_event(app: &TestApp, token: &str, seats: i64) -> i64 {
    let (status, venues) = api(
        app,
        Some(token),
        reqwest::Method::GET,
        "/api/v1/admin/venues",
        None,
    )
    .await;
    assert_eq!(status, 200, "{venues}");
    let venue = venues["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| {
            let seated: i64 = v["sections"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["kind"] == "seated")
                .map(|s| s["capacity"].as_i64().unwrap())
                .sum();
            seated >= seats
        })
        .expect("a venue with enough seats");
    let section_tiers: serde_json::Map<String, Value> = venue["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].to_string(), json!(0)))
        .collect();
    let (status, created) = api(
        app,
        Some(token),
        reqwest::Method::POST,
        "/api/v1/admin/events",
        Some(json!({
            "title": "Unsold Night",
            "description": "Nothing sold yet.",
            "category": "concert",
            "venue_id": venue["id"],
            "starts_at": START,
            "currency": "EUR",
            "tiers": [{"name": "Everywhere", "price_cents": 3000}],
            "section_tiers": section_tiers,
            "max_tickets_per_order": 6,
        })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, published) = api(
        app,
        Some(token),
        reqwest::Method::PATCH,
        &format!("/api/v1/admin/events/{id}"),
        Some(json!({"version": created["version"], "status": "published"})),
    )
    .await;
    assert_eq!(status, 200, "{published}");
    id
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
