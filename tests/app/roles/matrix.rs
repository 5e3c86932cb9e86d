//! The role × action matrix (README "Organizers, teams and roles") walked over HTTP: every
//! `/api/v1/admin` operation and every admin page, as a platform admin, each team role of the
//! house organizer, the owner of another organizer, and a buyer. An action a role may take is
//! not refused (the request reaches its handler: 2xx, 3xx, 409 or 422 for the deliberately
//! harmless bodies below); one it may not take is a 403; another organizer's target is a 404.

use boxoffice::db::organizers::HOUSE;
use boxoffice::domain::access::TeamRole;
use reqwest::Method;
use serde_json::{Value, json};

use super::{booked_event, member, promoter, venue_of};
use crate::helpers::{BUYER_PASSWORD, TestApp, spawn_app};

/// The README's matrix, written out again (not read from the code, so a change to the code's
/// matrix fails here): whether `role` holds `right`.
fn holds(role: &str, right: &str) -> bool {
    match (role, right) {
        ("admin", _) => true,
        (_, "platform") => false,
        ("owner", _) => true,
        ("editor", r) => matches!(r, "read" | "edit" | "figures"),
        ("box_office", r) => matches!(r, "read" | "bookings" | "checkin" | "figures"),
        ("door", r) => r == "checkin",
        ("viewer", r) => matches!(r, "read" | "figures"),
        _ => false,
    }
}

/// Who acts: a platform admin, the house organizer's five roles, the other organizer's owner
/// (an outsider to the house's things), and a buyer.
const ACTORS: &[&str] = &[
    "admin",
    "owner",
    "editor",
    "box_office",
    "door",
    "viewer",
    "outsider",
    "buyer",
];

/// Whether an action reaches its handler, and what the refusal is otherwise.
fn expected(actor: &str, right: &str, target: bool) -> Expect {
    match actor {
        "buyer" => Expect::Refused(403),
        "outsider" if target && right != "platform" => Expect::Refused(404),
        // The outsider owns the other organizer: anything but the platform, there.
        "outsider" => {
            if right == "platform" {
                Expect::Refused(403)
            } else {
                Expect::Allowed
            }
        }
        role if holds(role, right) => Expect::Allowed,
        _ => Expect::Refused(403),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allowed,
    Refused(u16),
}

fn check(actor: &str, what: &str, status: u16, expect: Expect) -> Option<String> {
    let ok = match expect {
        Expect::Allowed => !matches!(status, 401 | 403 | 404 | 405 | 500),
        Expect::Refused(code) => status == code,
    };
    (!ok).then(|| format!("{actor}: {what} answered {status}, expected {expect:?}"))
}

struct Ids {
    event: i64,
    venue: i64,
    reference: String,
}

/// `(method, path, body, right, whether the path names a house organizer's target)`.
fn api_actions(ids: &Ids) -> Vec<(Method, String, Option<Value>, &'static str, bool)> {
    let (e, v, r) = (ids.event, ids.venue, ids.reference.as_str());
    let bad = json!({"reason": 5});
    vec![
        (
            Method::GET,
            "/api/v1/admin/events".into(),
            None,
            "read",
            false,
        ),
        (
            Method::POST,
            "/api/v1/admin/events".into(),
            Some(json!({})),
            "edit",
            false,
        ),
        (
            Method::GET,
            format!("/api/v1/admin/events/{e}"),
            None,
            "read",
            true,
        ),
        (
            Method::PATCH,
            format!("/api/v1/admin/events/{e}"),
            Some(json!({"version": 0})),
            "edit",
            true,
        ),
        (
            Method::DELETE,
            format!("/api/v1/admin/events/{e}"),
            None,
            "edit",
            true,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/events/{e}/cancel"),
            Some(bad.clone()),
            "cancel",
            true,
        ),
        (
            Method::GET,
            format!("/api/v1/admin/events/{e}/stats"),
            None,
            "figures",
            true,
        ),
        (
            Method::GET,
            format!("/api/v1/admin/events/{e}/waiting-room"),
            None,
            "read",
            true,
        ),
        (
            Method::PUT,
            format!("/api/v1/admin/events/{e}/waiting-room"),
            Some(json!({"rate_per_minute": -1})),
            "edit",
            true,
        ),
        (
            Method::GET,
            "/api/v1/admin/venues".into(),
            None,
            "read",
            false,
        ),
        (
            Method::POST,
            "/api/v1/admin/venues".into(),
            Some(json!({})),
            "edit",
            false,
        ),
        (
            Method::GET,
            format!("/api/v1/admin/venues/{v}"),
            None,
            "read",
            true,
        ),
        (
            Method::PUT,
            format!("/api/v1/admin/venues/{v}"),
            Some(json!({})),
            "edit",
            true,
        ),
        (
            Method::DELETE,
            format!("/api/v1/admin/venues/{v}"),
            None,
            "edit",
            true,
        ),
        (
            Method::GET,
            "/api/v1/admin/bookings".into(),
            None,
            "bookings",
            false,
        ),
        (
            Method::GET,
            format!("/api/v1/admin/bookings/{r}"),
            None,
            "bookings",
            true,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/bookings/{r}/refund"),
            Some(bad),
            "bookings",
            true,
        ),
    ]
}

/// `(path, right, whether it names a house organizer's target)`; all GET.
fn pages(ids: &Ids) -> Vec<(String, &'static str, bool)> {
    let (e, v, r) = (ids.event, ids.venue, ids.reference.as_str());
    vec![
        ("/admin/events".into(), "read", false),
        (format!("/admin/events/{e}"), "read", true),
        (format!("/admin/events/{e}/waiting-room"), "read", true),
        ("/admin/events/new".into(), "edit", false),
        (format!("/admin/events/{e}/edit"), "edit", true),
        (format!("/admin/events/{e}/cancel"), "cancel", true),
        ("/admin/venues".into(), "read", false),
        ("/admin/venues/new".into(), "edit", false),
        (format!("/admin/venues/{v}/edit"), "edit", true),
        ("/admin/bookings".into(), "bookings", false),
        (format!("/admin/bookings/{r}"), "bookings", true),
        (format!("/admin/events/{e}/attendees.csv"), "bookings", true),
        ("/admin/checkin".into(), "checkin", false),
        (format!("/admin/checkin?event={e}"), "checkin", true),
        ("/admin/users".into(), "platform", false),
        ("/admin/emails".into(), "platform", false),
        ("/admin/jobs".into(), "platform", false),
    ]
}

/// Signs each actor in: an API token and a browser.
async fn actors(app: &TestApp) -> Vec<(&'static str, String, reqwest::Client)> {
    let promoter = promoter(app);
    let mut out = Vec::new();
    for actor in ACTORS {
        let token = match *actor {
            "admin" => app.admin_token().await,
            "outsider" => member(app, "outsider", promoter, TeamRole::Owner).await,
            "buyer" => app.api_buyer("Just Buying", "buyer@team.example").await,
            role => member(app, role, HOUSE, role.parse().unwrap()).await,
        };
        let email = match *actor {
            "admin" => crate::helpers::ADMIN_EMAIL.to_owned(),
            other => format!("{other}@team.example"),
        };
        let browser = app.new_browser();
        let res = app
            .submit(
                &browser,
                "/login",
                "/login",
                &[("email", &email), ("password", BUYER_PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 303, "{actor} signs in");
        out.push((*actor, token, browser));
    }
    out
}

#[actix_web::test]
async fn every_role_may_do_what_the_matrix_says_and_nothing_else() {
    let app = spawn_app().await;
    let (event, venue, reference) = booked_event(&app, HOUSE);
    let ids = Ids {
        event: event.0,
        venue: venue.0,
        reference,
    };
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (actor, token, browser) in actors(&app).await {
        for (method, path, body, right, target) in api_actions(&ids) {
            let (status, _) = app
                .api(Some(&token), method.clone(), &path, body.as_ref())
                .await;
            wrong.extend(check(
                actor,
                &format!("{method} {path}"),
                status,
                expected(actor, right, target),
            ));
            checked += 1;
        }
        for (path, right, target) in pages(&ids) {
            let status = browser
                .get(app.url(&path))
                .send()
                .await
                .expect("request")
                .status()
                .as_u16();
            wrong.extend(check(
                actor,
                &format!("GET {path}"),
                status,
                expected(actor, right, target),
            ));
            checked += 1;
        }
        // The dashboard and the list of organizers are every member of staff's.
        let status = browser
            .get(app.url("/admin"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        let staff = actor != "buyer";
        wrong.extend(check(
            actor,
            "GET /admin",
            status,
            if staff {
                Expect::Allowed
            } else {
                Expect::Refused(403)
            },
        ));
        let (status, _) = app
            .api(Some(&token), Method::GET, "/api/v1/admin/organizers", None)
            .await;
        wrong.extend(check(
            actor,
            "GET /api/v1/admin/organizers",
            status,
            if staff {
                Expect::Allowed
            } else {
                Expect::Refused(403)
            },
        ));
    }
    assert!(checked >= 8 * 34, "the whole matrix was walked: {checked}");
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    app.deliver_emails();
}

#[actix_web::test]
async fn lists_show_only_the_callers_organizers() {
    let app = spawn_app().await;
    let promoter = promoter(&app);
    let house_viewer = member(&app, "viewer", HOUSE, TeamRole::Viewer).await;
    let (_, body) = app
        .api(
            Some(&house_viewer),
            Method::GET,
            "/api/v1/admin/events",
            None,
        )
        .await;
    let items = body["items"].as_array().expect("events");
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|e| e["organizer_id"] == json!(HOUSE.0)),
        "only the house organizer's events: {body}"
    );
    let (_, venues) = app
        .api(
            Some(&house_viewer),
            Method::GET,
            "/api/v1/admin/venues",
            None,
        )
        .await;
    let theirs = venue_of(&app, promoter);
    assert!(
        venues["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["id"] != json!(theirs.0)),
        "another organizer's venue is not listed"
    );
    let box_office = member(&app, "box_office", promoter, TeamRole::BoxOffice).await;
    let (_, page) = app
        .api(
            Some(&box_office),
            Method::GET,
            "/api/v1/admin/bookings?per_page=100",
            None,
        )
        .await;
    let (house_event, _, _) = booked_event(&app, HOUSE);
    assert!(page["total"].as_i64().unwrap() > 0);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["event_id"] != json!(house_event.0)),
        "no booking of the house organizer's events"
    );
}
