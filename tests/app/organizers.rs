//! Organizers and their teams (issue 22): platform admins create organizers; owners add people
//! by email (an account joins at once, an unknown address is invited and joins by registering
//! through the link, once); the last owner stays; another organizer's team is not found; every
//! change is audited.

use boxoffice::db::schema::{audit_log, email_outbox, organizer_members, users};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, location, spawn_app, texts};

const PASSWORD: &str = "a long enough password";

fn people(app: &TestApp, who: &[(&str, &str)]) {
    let list: Vec<(String, String)> = who
        .iter()
        .map(|(n, e)| ((*n).to_owned(), (*e).to_owned()))
        .collect();
    app.create_buyers(&list);
}

/// The demo organizers' ids by name, as a platform admin lists them.
async fn organizer_id(app: &TestApp, admin: &str, name: &str) -> i64 {
    let (status, body) = app
        .api(Some(admin), Method::GET, "/api/v1/admin/organizers", None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("no organizer {name}: {body}"))["id"]
        .as_i64()
        .unwrap()
}

/// A new organizer with an empty team (the demo's come with staff).
async fn new_organizer(app: &TestApp, admin: &str) -> i64 {
    let (status, body) = app
        .api(
            Some(admin),
            Method::POST,
            "/api/v1/admin/organizers",
            Some(&json!({"name": "Riverside Arts"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn add(app: &TestApp, token: &str, org: i64, email: &str, role: &str) -> (u16, Value) {
    app.api(
        Some(token),
        Method::POST,
        &format!("/api/v1/admin/organizers/{org}/members"),
        Some(&json!({"email": email, "role": role})),
    )
    .await
}

fn user_id(app: &TestApp, email: &str) -> i64 {
    app.with_conn(|c| {
        users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .first(c)
            .unwrap()
    })
}

fn role_of(app: &TestApp, org: i64, email: &str) -> Option<String> {
    let user = user_id(app, email);
    app.with_conn(|c| {
        organizer_members::table
            .filter(organizer_members::organizer_id.eq(org))
            .filter(organizer_members::user_id.eq(user))
            .select(organizer_members::role)
            .first(c)
            .optional()
            .unwrap()
    })
}

fn audited(app: &TestApp, action: &str) -> Vec<String> {
    app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::action.eq(action))
            .order(audit_log::id)
            .select(audit_log::detail)
            .load(c)
            .unwrap()
    })
}

/// The token of the newest invitation emailed to `to`.
fn invitation_token(app: &TestApp, to: &str) -> String {
    let payload: String = app.with_conn(|c| {
        email_outbox::table
            .filter(email_outbox::kind.eq("team_invitation"))
            .filter(email_outbox::recipient.eq(to))
            .order(email_outbox::id.desc())
            .select(email_outbox::payload)
            .first(c)
            .unwrap()
    });
    let payload: Value = serde_json::from_str(&payload).unwrap();
    payload["token"].as_str().unwrap().to_owned()
}

/// A signed-in browser of its own.
async fn browser_of(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = app.new_browser();
    let res = app
        .submit(
            &browser,
            "/login",
            "/login",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303, "{email} signs in");
    browser
}

async fn html_of(res: reqwest::Response) -> scraper::Html {
    scraper::Html::parse_document(&res.text().await.unwrap())
}

#[actix_web::test]
async fn only_platform_admins_create_organizers_and_a_taken_name_is_refused_by_name() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    people(&app, &[("Ada", "ada@example.com")]);
    let body = json!({"name": "Riverside Arts", "requires_approval": true});
    let (status, created) = app
        .api(
            Some(&admin),
            Method::POST,
            "/api/v1/admin/organizers",
            Some(&body),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "Riverside Arts");
    assert_eq!(created["requires_approval"], true);
    let org = created["id"].as_i64().unwrap();

    let again = json!({"name": "riverside ARTS"});
    let (status, problem) = app
        .api(
            Some(&admin),
            Method::POST,
            "/api/v1/admin/organizers",
            Some(&again),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem["errors"]["name"].is_string(), "{problem}");

    // An owner of a team is staff, but creating organizers is the platform's.
    assert_eq!(
        add(&app, &admin, org, "ada@example.com", "owner").await.0,
        201
    );
    let ada = app.api_login("ada@example.com", PASSWORD).await;
    let (status, _) = app
        .api(
            Some(&ada),
            Method::POST,
            "/api/v1/admin/organizers",
            Some(&json!({"name": "Mine"})),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(audited(&app, "organizer.created").len(), 1);
    assert_eq!(app.deliver_emails_listed(), ["team_added ada@example.com"]);
}

#[actix_web::test]
async fn a_member_lists_only_their_organizers_with_their_role_and_an_added_account_is_emailed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    people(&app, &[("Ada", "ada@example.com")]);
    let theatres = organizer_id(&app, &admin, "Northern Stages Trust").await;
    let promoter = organizer_id(&app, &admin, "Thamesgate Live").await;
    let (_, all) = app
        .api(Some(&admin), Method::GET, "/api/v1/admin/organizers", None)
        .await;
    assert!(all["items"].as_array().unwrap().len() >= 2);
    assert!(
        all["items"][0].get("role").is_none(),
        "an admin is in no team: {all}"
    );

    let (status, added) = add(&app, &admin, promoter, "Ada@Example.com", "editor").await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(
        added,
        json!({"email": "ada@example.com", "role": "editor", "status": "active"})
    );
    assert_eq!(app.deliver_emails_listed(), ["team_added ada@example.com"]);

    let ada = app.api_login("ada@example.com", PASSWORD).await;
    let (status, mine) = app
        .api(Some(&ada), Method::GET, "/api/v1/admin/organizers", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        mine["items"],
        json!([{"id": promoter, "name": "Thamesgate Live", "requires_approval": false, "role": "editor"}])
    );
    assert_ne!(theatres, promoter);

    // Adding a member again changes their role: 200, still active.
    let (status, changed) = add(&app, &admin, promoter, "ada@example.com", "viewer").await;
    assert_eq!((status, changed["status"].clone()), (200, json!("active")));
    assert_eq!(
        role_of(&app, promoter, "ada@example.com").as_deref(),
        Some("viewer")
    );
    let added = audited(&app, "team.member_added");
    assert_eq!(added.len(), 1);
    assert!(
        !added[0].contains('@'),
        "no address in the audit log: {}",
        added[0]
    );
    assert_eq!(audited(&app, "team.role_changed").len(), 1);

    // The page lists it too, with the role, and no team link for a viewer.
    let browser = browser_of(&app, "ada@example.com").await;
    let doc = html_of(
        browser
            .get(app.url("/admin/organizers"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        texts(&doc, "#organizers .organizer-name"),
        ["Thamesgate Live"]
    );
    assert_eq!(texts(&doc, "#organizers .role"), ["Viewer"]);
    assert!(texts(&doc, "#organizers .team-link").is_empty());
    assert!(texts(&doc, "#new-organizer").is_empty());
}

#[actix_web::test]
async fn an_unknown_address_is_invited_and_joins_by_registering_through_the_link_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let promoter = organizer_id(&app, &admin, "Thamesgate Live").await;
    let (status, invited) = add(&app, &admin, promoter, "new@example.com", "box_office").await;
    assert_eq!(status, 201, "{invited}");
    assert_eq!(invited["status"], "invited");
    let token = invitation_token(&app, "new@example.com");
    assert_eq!(
        app.deliver_emails_listed(),
        ["team_invitation new@example.com"]
    );
    assert_eq!(audited(&app, "team.invited").len(), 1);

    let link = format!("/invitations/{token}");
    let browser = app.new_browser();
    let doc = html_of(browser.get(app.url(&link)).send().await.unwrap()).await;
    assert_eq!(texts(&doc, ".invitation-organizer"), ["Thamesgate Live"]);
    assert_eq!(texts(&doc, ".invitation-role"), ["Box office"]);
    assert_eq!(
        crate::helpers::attrs(&doc, "#invited-email", "value"),
        ["new@example.com"]
    );

    // The registration's rules apply, and the form comes back with its message.
    let short = app
        .submit(
            &browser,
            &link,
            &format!("{link}/register"),
            &[("name", "Nia"), ("password", "short")],
        )
        .await;
    assert_eq!(short.status(), 422);
    let doc = html_of(short).await;
    assert_eq!(texts(&doc, "#password-error").len(), 1);

    let res = app
        .submit(
            &browser,
            &link,
            &format!("{link}/register"),
            &[("name", "Nia"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin");
    assert_eq!(
        role_of(&app, promoter, "new@example.com").as_deref(),
        Some("box_office")
    );
    let verified: Option<chrono::NaiveDateTime> = app.with_conn(|c| {
        users::table
            .filter(users::email.eq("new@example.com"))
            .select(users::email_verified_at)
            .first(c)
            .unwrap()
    });
    assert!(verified.is_some(), "the invited address counts as verified");
    // Signed in: the box office opens.
    assert_eq!(
        browser
            .get(app.url("/admin/organizers"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(audited(&app, "team.invitation_accepted").len(), 1);

    // The link worked once.
    let again = app.new_browser().get(app.url(&link)).send().await.unwrap();
    assert_eq!(again.status(), 404);
    let doc = html_of(again).await;
    assert_eq!(texts(&doc, "#invitation-invalid").len(), 1);
    assert_eq!(app.get("/invitations/nonsense").await.status(), 404);
}

#[actix_web::test]
async fn an_invitation_is_refused_to_an_account_with_another_address_and_can_be_revoked() {
    let app = spawn_app().await;
    let admin = app.admin_signed_in("boss@example.com", PASSWORD).await;
    people(&app, &[("Ada", "ada@example.com")]);
    let promoter = new_organizer(&app, &admin).await;
    assert_eq!(
        add(&app, &admin, promoter, "carol@example.com", "door")
            .await
            .0,
        201
    );
    let token = invitation_token(&app, "carol@example.com");
    let link = format!("/invitations/{token}");

    let ada = browser_of(&app, "ada@example.com").await;
    let doc = html_of(ada.get(app.url(&link)).send().await.unwrap()).await;
    assert_eq!(texts(&doc, "#invitation-other-account").len(), 1);
    assert!(texts(&doc, "#invitation-accept").is_empty());
    let res = app.submit(&ada, &link, &link, &[]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(role_of(&app, promoter, "ada@example.com"), None);

    // The owner's page lists it open; revoking ends the link.
    let page = format!("/admin/organizers/{promoter}");
    let doc = html_of(app.get(&page).await).await;
    let ids = crate::helpers::attrs(&doc, "#invitations li", "data-invitation-id");
    assert_eq!(ids.len(), 1);
    let res = app
        .submit(
            &app.client,
            &page,
            &format!("{page}/invitations/{}/revoke", ids[0]),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(ada.get(app.url(&link)).send().await.unwrap().status(), 404);
    assert_eq!(audited(&app, "team.invitation_revoked").len(), 1);
    assert_eq!(
        app.deliver_emails_listed(),
        ["team_invitation carol@example.com"]
    );
}

#[actix_web::test]
async fn removing_a_member_answers_204_then_404_and_the_last_owner_stays() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    people(
        &app,
        &[("Ada", "ada@example.com"), ("Bob", "bob@example.com")],
    );
    let promoter = new_organizer(&app, &admin).await;
    assert_eq!(
        add(&app, &admin, promoter, "ada@example.com", "owner")
            .await
            .0,
        201
    );
    assert_eq!(
        add(&app, &admin, promoter, "bob@example.com", "editor")
            .await
            .0,
        201
    );
    let ada = app.api_login("ada@example.com", PASSWORD).await;
    let (ada_id, bob_id) = (
        user_id(&app, "ada@example.com"),
        user_id(&app, "bob@example.com"),
    );
    let member = |id: i64| format!("/api/v1/admin/organizers/{promoter}/members/{id}");

    assert_eq!(
        app.api(Some(&ada), Method::DELETE, &member(bob_id), None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.api(Some(&ada), Method::DELETE, &member(bob_id), None)
            .await
            .0,
        404
    );
    assert_eq!(role_of(&app, promoter, "bob@example.com"), None);

    let (status, problem) = app
        .api(Some(&ada), Method::DELETE, &member(ada_id), None)
        .await;
    assert_eq!(status, 409, "{problem}");
    let (status, _) = add(&app, &ada, promoter, "ada@example.com", "editor").await;
    assert_eq!(status, 409, "the last owner cannot be demoted");
    assert_eq!(
        role_of(&app, promoter, "ada@example.com").as_deref(),
        Some("owner")
    );

    // On the page: no remove button for the last owner, and demoting is refused with a 409.
    let browser = browser_of(&app, "ada@example.com").await;
    let page = format!("/admin/organizers/{promoter}");
    let doc = html_of(browser.get(app.url(&page)).send().await.unwrap()).await;
    assert_eq!(texts(&doc, "#members .member-name"), ["Ada"]);
    assert!(texts(&doc, "#members .remove-form").is_empty());
    let res = app
        .submit(
            &browser,
            &page,
            &format!("{page}/members/{ada_id}/role"),
            &[("role", "viewer")],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(texts(&html_of(res).await, "#team-problem").len(), 1);
    assert_eq!(audited(&app, "team.member_removed").len(), 1);
    app.deliver_emails_listed();
}

#[actix_web::test]
async fn an_owner_of_one_organizer_finds_no_other_team_and_manages_theirs_on_the_page() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    people(
        &app,
        &[("Ada", "ada@example.com"), ("Bob", "bob@example.com")],
    );
    let theatres = organizer_id(&app, &admin, "Northern Stages Trust").await;
    let promoter = new_organizer(&app, &admin).await;
    assert_eq!(
        add(&app, &admin, promoter, "ada@example.com", "owner")
            .await
            .0,
        201
    );
    let ada = app.api_login("ada@example.com", PASSWORD).await;
    assert_eq!(
        add(&app, &ada, theatres, "bob@example.com", "editor")
            .await
            .0,
        404
    );
    let bob = user_id(&app, "bob@example.com");
    let other = format!("/api/v1/admin/organizers/{theatres}/members/{bob}");
    assert_eq!(
        app.api(Some(&ada), Method::DELETE, &other, None).await.0,
        404
    );

    let browser = browser_of(&app, "ada@example.com").await;
    let theirs = format!("/admin/organizers/{theatres}");
    assert_eq!(
        browser.get(app.url(&theirs)).send().await.unwrap().status(),
        404
    );

    // Her own team's page: bad input comes back with its message, then Bob joins.
    let page = format!("/admin/organizers/{promoter}");
    let action = format!("{page}/members");
    let res = app
        .submit(
            &browser,
            &page,
            &action,
            &[("email", "not an address"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(texts(&html_of(res).await, "#email-error").len(), 1);
    let res = app
        .submit(
            &browser,
            &page,
            &action,
            &[("email", "bob@example.com"), ("role", "door")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        role_of(&app, promoter, "bob@example.com").as_deref(),
        Some("door")
    );
    let doc = html_of(browser.get(app.url(&page)).send().await.unwrap()).await;
    assert_eq!(texts(&doc, "#flash").len(), 1);
    assert_eq!(texts(&doc, "#members .member-name"), ["Ada", "Bob"]);
    assert_eq!(texts(&doc, "#roles dt").len(), 5);
    assert!(
        texts(&doc, "#settings-form").is_empty(),
        "settings are the platform's"
    );
    assert_eq!(
        app.deliver_emails_listed(),
        ["team_added ada@example.com", "team_added bob@example.com"]
    );
}
