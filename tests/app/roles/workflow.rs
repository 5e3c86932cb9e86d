//! The event workflow (draft → review → approved → published) with the approval an organizer
//! may require, each move guarded in SQL; and deleting what never had a booking.

use boxoffice::db::organizers::HOUSE;
use boxoffice::db::schema::{audit_log, events};
use boxoffice::domain::access::TeamRole;
use boxoffice::domain::ids::OrganizerId;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use super::{booked_event, member, promoter, venue_of};
use crate::helpers::{TestApp, spawn_app};

/// A new draft on a venue of `organizer`, created by `token`'s account; its id.
async fn draft(app: &TestApp, token: &str, organizer: OrganizerId) -> i64 {
    let venue = venue_of(app, organizer);
    let (_, v) = app
        .api(
            Some(token),
            Method::GET,
            &format!("/api/v1/admin/venues/{}", venue.0),
            None,
        )
        .await;
    let section = v["sections"][0]["id"].as_i64().expect("a section");
    let (status, created) = app
        .api(
            Some(token),
            Method::POST,
            "/api/v1/admin/events",
            Some(&json!({
                "title": "Workflow Night",
                "category": "theatre",
                "venue_id": venue.0,
                "starts_at": "2027-05-01T19:00:00Z",
                "currency": "GBP",
                "tiers": [{"name": "Stalls", "price_cents": 3000}],
                "section_tiers": {section.to_string(): 0},
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["organizer_id"], json!(organizer.0));
    created["id"].as_i64().unwrap()
}

async fn move_to(app: &TestApp, token: &str, id: i64, status: &str) -> (u16, Value) {
    let (_, current) = app
        .api(
            Some(token),
            Method::GET,
            &format!("/api/v1/admin/events/{id}"),
            None,
        )
        .await;
    let version = current["version"].as_i64().unwrap_or(0);
    app.api(
        Some(token),
        Method::PATCH,
        &format!("/api/v1/admin/events/{id}"),
        Some(&json!({"status": status, "version": version})),
    )
    .await
}

fn status_of(app: &TestApp, id: i64) -> String {
    app.with_conn(|c| {
        events::table
            .find(id)
            .select(events::status)
            .first::<String>(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn an_editor_submits_a_platform_admin_approves_and_the_editor_publishes() {
    let app = spawn_app().await;
    let editor = member(&app, "editor", HOUSE, TeamRole::Editor).await;
    let admin = app
        .admin_signed_in(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
    let id = draft(&app, &editor, HOUSE).await;

    // The house organizer requires approval: its editor may not publish a draft, nor approve.
    let (status, body) = move_to(&app, &editor, id, "published").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["errors"]["role"].as_str().unwrap().contains("approve"),
        "{body}"
    );
    assert_eq!(move_to(&app, &editor, id, "review").await.0, 200);
    assert_eq!(status_of(&app, id), "review");
    assert_eq!(move_to(&app, &editor, id, "approved").await.0, 403);

    // The platform admin sees it waiting, and approves it.
    let (_, doc) = app.get_html("/admin").await;
    let waiting: Vec<String> = doc
        .select(&scraper::Selector::parse("#review li").unwrap())
        .map(|li| {
            li.value()
                .attr("data-event-id")
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(waiting.contains(&id.to_string()), "{waiting:?}");
    let (_, before) = app
        .api(
            Some(&admin),
            Method::GET,
            &format!("/api/v1/admin/events/{id}"),
            None,
        )
        .await;
    assert_eq!(move_to(&app, &admin, id, "approved").await.0, 200);
    // A move made from the version before the approval is refused (409), nothing changes.
    let (status, _) = app
        .api(
            Some(&editor),
            Method::PATCH,
            &format!("/api/v1/admin/events/{id}"),
            Some(&json!({"status": "draft", "version": before["version"]})),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(status_of(&app, id), "approved");

    assert_eq!(move_to(&app, &editor, id, "published").await.0, 200);
    assert_eq!(status_of(&app, id), "published");
    let actions: Vec<String> = app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::subject_type.eq("event"))
            .filter(audit_log::subject_id.eq(id))
            .order(audit_log::id)
            .select(audit_log::action)
            .load(c)
            .unwrap()
    });
    assert_eq!(
        actions,
        [
            "event.created",
            "event.submitted",
            "event.approved",
            "event.published"
        ]
    );
}

#[actix_web::test]
async fn without_approval_an_editor_publishes_a_draft_directly_and_a_viewer_cannot() {
    let app = spawn_app().await;
    let promoter = promoter(&app);
    let editor = member(&app, "editor", promoter, TeamRole::Editor).await;
    let viewer = member(&app, "viewer", promoter, TeamRole::Viewer).await;
    let id = draft(&app, &editor, promoter).await;
    assert_eq!(move_to(&app, &viewer, id, "published").await.0, 403);
    assert_eq!(move_to(&app, &editor, id, "published").await.0, 200);
    assert_eq!(status_of(&app, id), "published");
    // The workflow has no way back from published to draft.
    assert_eq!(move_to(&app, &editor, id, "draft").await.0, 409);
}

#[actix_web::test]
async fn the_database_refuses_an_unknown_status_and_an_event_on_another_organizers_venue() {
    let app = spawn_app().await;
    let (event, _, _) = booked_event(&app, HOUSE);
    let theirs = venue_of(&app, promoter(&app));
    app.with_conn(|c| {
        let bad_status = diesel::update(events::table.find(event))
            .set(events::status.eq("archived"))
            .execute(c);
        assert!(
            bad_status.is_err(),
            "a status outside the workflow is refused"
        );
        let foreign_venue = diesel::update(events::table.find(event))
            .set(events::venue_id.eq(theirs))
            .execute(c);
        assert!(
            foreign_venue.is_err(),
            "another organizer's venue is refused"
        );
    });
}

#[actix_web::test]
async fn an_event_or_venue_that_never_sold_is_deleted_and_one_that_did_must_be_cancelled() {
    let app = spawn_app().await;
    let promoter = promoter(&app);
    let editor = member(&app, "editor", promoter, TeamRole::Editor).await;
    let id = draft(&app, &editor, promoter).await;
    let (status, _) = app
        .api(
            Some(&editor),
            Method::DELETE,
            &format!("/api/v1/admin/events/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .api(
            Some(&editor),
            Method::GET,
            &format!("/api/v1/admin/events/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 404);

    let (booked, venue, _) = booked_event(&app, promoter);
    let (status, body) = app
        .api(
            Some(&editor),
            Method::DELETE,
            &format!("/api/v1/admin/events/{}", booked.0),
            None,
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("cancel it instead"),
        "{body}"
    );
    let (status, _) = app
        .api(
            Some(&editor),
            Method::DELETE,
            &format!("/api/v1/admin/venues/{}", venue.0),
            None,
        )
        .await;
    assert_eq!(status, 409);

    // A new venue nobody uses goes.
    let (status, created) = app
        .api(
            Some(&editor),
            Method::POST,
            "/api/v1/admin/venues",
            Some(&json!({
                "name": "Pop-up Hall", "city": "Leeds", "country": "GB",
                "timezone": "Europe/London",
                "sections": [{"kind": "standing", "name": "Floor", "capacity": 100}],
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let new_venue = created["id"].as_i64().unwrap();
    let (status, _) = app
        .api(
            Some(&editor),
            Method::DELETE,
            &format!("/api/v1/admin/venues/{new_venue}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let deleted: i64 = app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::action.eq_any(["event.deleted", "venue.deleted"]))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(deleted, 2);
}
