//! A user downloads their data and deletes their account (issue 22, item 4): the export holds
//! what is theirs and nothing of anyone else's; deleting anonymises the account, ends its
//! sessions, keeps its paid bookings for the accounts, releases its held seats, refuses the last
//! admin, and lets the address register again.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, attrs, location, spawn_app, spawn_app_with, texts,
};
use crate::holds::{Buyer, call, hold, seat_statuses, seated_event};

const PASSWORD: &str = "a long enough password";

/// A verified buyer signed up through the API: their token.
async fn buyer(app: &TestApp, name: &str, email: &str) -> Buyer {
    let token = app.api_buyer(name, email).await;
    app.verify(email);
    Buyer { token }
}

/// Holds `seats` and answers the booking's reference.
async fn held(app: &TestApp, who: &Buyer, event: i64, seats: &[i64]) -> String {
    let (status, booking) = hold(app, who, event, json!({ "seat_ids": seats })).await;
    assert_eq!(status, 201, "{booking}");
    booking["reference"].as_str().unwrap().to_owned()
}

/// Pays the booking by card at the gateway and runs the worker (webhook, emails).
async fn pay(app: &TestApp, who: &Buyer, reference: &str) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{reference}/payments")))
        .bearer_auth(&who.token)
        .header("Idempotency-Key", format!("pay-{reference}"))
        .json(&json!({ "method": "card" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let payment: Value = res.json().await.unwrap();
    let external_id = payment["external_id"].as_str().unwrap();
    let done: Value = app
        .client
        .post(app.url(&format!("/gateway/v1/payments/{external_id}/complete")))
        .json(&json!({"card_number": "4242424242424242"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(done["status"], "succeeded", "{done}");
    app.run_worker();
}

async fn export(app: &TestApp, who: &Buyer) -> Value {
    let (status, body) = call(app, who, reqwest::Method::GET, "/api/v1/me/export").await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn delete_me(app: &TestApp, token: &str) -> (u16, Value) {
    app.api(Some(token), reqwest::Method::DELETE, "/api/v1/me", None)
        .await
}

fn user_id(app: &TestApp, email: &str) -> i64 {
    use boxoffice::db::schema::users::dsl as u;
    app.with_conn(|c| {
        u::users
            .filter(u::email.eq(email))
            .select(u::id)
            .first(c)
            .unwrap()
    })
}

/// A browser signed in through the login form as `email`.
async fn signed_in_browser(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = app.new_browser();
    let res = app
        .submit(
            &browser,
            "/login",
            "/login",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303, "signed in");
    browser
}

async fn page(app: &TestApp, browser: &reqwest::Client, path: &str) -> (u16, scraper::Html) {
    let res = browser.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (
        status,
        scraper::Html::parse_document(&res.text().await.unwrap()),
    )
}

#[actix_web::test]
async fn an_export_holds_the_callers_bookings_tickets_and_payments_and_nothing_of_anyone_elses() {
    let app = spawn_app().await;
    let ada = buyer(&app, "Ada Lovelace", "ada@example.com").await;
    let bob = buyer(&app, "Bob Marley", "bob@example.com").await;
    let (event, free, _) = seated_event(&app, 4).await;
    let paid = held(&app, &ada, event, &free[0..2]).await;
    pay(&app, &ada, &paid).await;
    let bobs = held(&app, &bob, event, &free[2..3]).await;

    let (status, _) = app
        .api(None, reqwest::Method::GET, "/api/v1/me/export", None)
        .await;
    assert_eq!(status, 401, "no token, no data");

    let data = export(&app, &ada).await;
    assert_eq!(data["format"], "boxoffice.account-export.v1");
    assert_eq!(data["profile"]["email"], "ada@example.com");
    assert_eq!(data["profile"]["name"], "Ada Lovelace");
    assert_eq!(data["profile"]["role"], "user");
    let bookings = data["bookings"].as_array().unwrap();
    assert_eq!(bookings.len(), 1, "{data}");
    let booking = &bookings[0];
    assert_eq!(booking["reference"], paid.as_str());
    assert_eq!(booking["status"], "paid");
    assert_eq!(booking["items"].as_array().unwrap().len(), 2);
    let tickets = booking["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 2);
    assert!(tickets.iter().all(|t| t["status"] == "valid"));
    let payments = booking["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["status"], "succeeded");
    assert_eq!(payments[0]["amount_cents"], booking["total_cents"]);
    assert_eq!(payments[0]["currency"], booking["currency"]);
    let kinds: Vec<&str> = data["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"welcome"), "{kinds:?}");
    assert!(kinds.contains(&"booking_confirmed"), "{kinds:?}");
    assert!(!data["api_tokens"].as_array().unwrap().is_empty());
    assert!(
        data["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "user.registered" && a["by_you"] == true)
    );
    assert!(
        data["emailed_links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["purpose"] == "verify_email")
    );

    // Nothing of Bob's, and never a secret.
    let text = data.to_string();
    assert!(!text.contains("bob@example.com"), "{text}");
    assert!(!text.contains(&bobs), "{text}");
    assert!(
        !text.contains("token_hash") && !text.contains("password"),
        "{text}"
    );
    assert!(
        !text.contains(&ada.token),
        "the bearer token itself is not in it"
    );
    assert_eq!(
        export(&app, &bob).await["bookings"][0]["reference"],
        bobs.as_str()
    );
}

#[actix_web::test]
async fn the_account_page_downloads_the_same_data_as_a_json_attachment() {
    let app = spawn_app().await;
    let ada = buyer(&app, "Ada Lovelace", "ada@example.com").await;
    let browser = signed_in_browser(&app, "ada@example.com").await;
    let (status, doc) = page(&app, &browser, "/account").await;
    assert_eq!(status, 200);
    assert_eq!(
        attrs(&doc, "#download-data", "href"),
        vec!["/account/export"]
    );
    assert_eq!(
        attrs(&doc, "#delete-account", "href"),
        vec!["/account/delete"]
    );

    let res = browser
        .get(app.url("/account/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"boxoffice-my-data-")
            && disposition.ends_with(".json\""),
        "{disposition}"
    );
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let file: Value = res.json().await.unwrap();
    let api = export(&app, &ada).await;
    assert_eq!(file["profile"], api["profile"]);
    assert_eq!(file["bookings"], api["bookings"]);

    // Signed out: to the login page.
    let res = app
        .new_browser()
        .get(app.url("/account/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login"));
}

/// The admin's view of a booking (API).
async fn admin_booking(app: &TestApp, admin: &str, reference: &str) -> Value {
    let (status, body) = app
        .api(
            Some(admin),
            reqwest::Method::GET,
            &format!("/api/v1/admin/bookings/{reference}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[actix_web::test]
async fn deleting_an_account_anonymises_it_keeps_its_paid_bookings_and_frees_its_held_seats() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let ada = buyer(&app, "Ada Lovelace", "ada@example.com").await;
    let id = user_id(&app, "ada@example.com");
    let (event, free, _) = seated_event(&app, 4).await;
    let paid = held(&app, &ada, event, &free[0..2]).await;
    pay(&app, &ada, &paid).await;
    let pending = held(&app, &ada, event, &free[2..3]).await;
    assert_eq!(seat_statuses(&app, event).await[&free[2]], "held");
    // A sign-in link asked for before, and an email not sent yet.
    boxoffice::services::login_links::request_link(&app.db, "ada@example.com", app.clock.now())
        .unwrap();
    let link = login_link_token(&app, "ada@example.com");
    boxoffice::services::login_links::request_link(&app.db, "ada@example.com", app.clock.now())
        .unwrap();

    let before = admin_stats(&app, &admin, event).await;

    let (status, body) = delete_me(&app, &ada.token).await;
    assert_eq!(status, 204, "{body}");

    // Every token and session ended: the old token is refused, the password and the link too.
    let (status, _) = call(&app, &ada, reqwest::Method::GET, "/api/v1/me").await;
    assert_eq!(status, 401);
    let (status, _) = app
        .api(
            None,
            reqwest::Method::POST,
            "/api/v1/login",
            Some(&json!({"email": "ada@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, 401);
    let browser = app.new_browser();
    let used = page(&app, &browser, &format!("/login/link/{link}")).await;
    assert_eq!(used.0, 410, "the sign-in link died with the account");
    let token = crate::helpers::csrf_in(&page(&app, &browser, "/login").await.1);
    let used = browser
        .post(app.url(&format!("/login/link/{link}")))
        .header("Origin", &app.address)
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(used.status(), 410, "and cannot be used");
    assert_eq!(page(&app, &browser, "/account").await.0, 303);

    // The held seat is on sale again; the paid booking stays, its buyer anonymised.
    assert_eq!(seat_statuses(&app, event).await[&free[2]], "available");
    let cancelled = admin_booking(&app, &admin, &pending).await;
    assert_eq!(cancelled["status"], "cancelled");
    let kept = admin_booking(&app, &admin, &paid).await;
    assert_eq!(kept["status"], "paid");
    assert_eq!(kept["user"]["id"], id);
    assert_eq!(kept["user"]["name"], "Deleted user");
    assert_eq!(
        kept["user"]["email"],
        format!("deleted-{id}@deleted.invalid").as_str()
    );
    assert_eq!(kept["all_tickets"].as_array().unwrap().len(), 2);
    assert_eq!(kept["payments"][0]["status"], "succeeded");
    let emails = kept["emails"].as_array().unwrap();
    assert!(!emails.is_empty(), "the booking still lists what was sent");
    assert!(
        emails.iter().all(|e| !e.to_string().contains("ada@")),
        "{kept}"
    );
    // The accounts still add up: the sale and its revenue stay, the hold is cancelled.
    let after = admin_stats(&app, &admin, event).await;
    for kept in ["sold", "tickets_sold", "revenue_cents"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    assert_eq!(after["bookings"]["paid"], before["bookings"]["paid"]);
    assert_eq!(
        after["held"].as_i64().unwrap(),
        before["held"].as_i64().unwrap() - 1
    );
    assert_eq!(
        after["bookings"]["cancelled"].as_i64().unwrap(),
        before["bookings"]["cancelled"].as_i64().unwrap() + 1
    );

    // Nothing personal is left in the database.
    let (row, sessions, tokens, links, unsent, outbox_hits, audit_hits) = leftovers(&app, id);
    assert_eq!(row.0, "Deleted user");
    assert!(row.1, "deleted_at is set");
    assert!(row.2, "disabled");
    assert_eq!((sessions, tokens, links), (0, 0, 0));
    assert_eq!(unsent, 0, "unsent emails are dropped");
    assert_eq!(outbox_hits, 0, "no email keeps the address or the name");
    assert_eq!(audit_hits, 0);
    let (action, detail) = deletion_audit(&app, id);
    assert_eq!(action, "account.deleted");
    assert!(!detail.contains("ada") && !detail.contains('@'), "{detail}");
    app.run_worker();
}

/// The admin's figures of an event.
async fn admin_stats(app: &TestApp, admin: &str, event: i64) -> Value {
    let (status, body) = app
        .api(
            Some(admin),
            reqwest::Method::GET,
            &format!("/api/v1/admin/events/{event}/stats"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The sign-in link's token emailed to `to` (delivered first).
fn login_link_token(app: &TestApp, to: &str) -> String {
    use boxoffice::db::schema::email_outbox::dsl as o;
    app.deliver_emails();
    let payload: String = app.with_conn(|c| {
        o::email_outbox
            .filter(o::kind.eq("login_link"))
            .filter(o::recipient.eq(to))
            .order(o::id.desc())
            .select(o::payload)
            .first(c)
            .unwrap()
    });
    let payload: Value = serde_json::from_str(&payload).unwrap();
    payload["token"].as_str().unwrap().to_owned()
}

type Leftovers = ((String, bool, bool), i64, i64, i64, i64, i64, i64);

/// What is left of the account: `(name, deleted, disabled)`, its sessions, API tokens and
/// links, its unsent emails, outbox rows naming Ada, audit details naming her address.
fn leftovers(app: &TestApp, id: i64) -> Leftovers {
    use boxoffice::db::schema::{
        api_tokens as t, audit_log as a, email_outbox as o, login_links as l, user_sessions as s,
        users as u,
    };
    app.with_conn(|c| {
        let row: (
            String,
            Option<chrono::NaiveDateTime>,
            Option<chrono::NaiveDateTime>,
        ) = u::table
            .find(id)
            .select((u::name, u::deleted_at, u::disabled_at))
            .first(c)
            .unwrap();
        let count = |n: QueryResult<i64>| n.unwrap();
        let sessions = count(s::table.filter(s::user_id.eq(id)).count().get_result(c));
        let tokens = count(t::table.filter(t::user_id.eq(id)).count().get_result(c));
        let links = count(l::table.filter(l::user_id.eq(id)).count().get_result(c));
        let unsent = count(
            o::table
                .filter(o::user_id.eq(Some(id)))
                .filter(o::status.ne("sent"))
                .count()
                .get_result(c),
        );
        let outbox_hits = count(
            o::table
                .filter(
                    o::recipient
                        .like("%ada@%")
                        .or(o::payload.like("%Ada%"))
                        .or(o::payload.like("%ada@%")),
                )
                .count()
                .get_result(c),
        );
        let audit_hits = count(
            a::table
                .filter(a::detail.like("%ada@example.com%"))
                .count()
                .get_result(c),
        );
        (
            (row.0, row.1.is_some(), row.2.is_some()),
            sessions,
            tokens,
            links,
            unsent,
            outbox_hits,
            audit_hits,
        )
    })
}

/// The last audit entry about the user: `(action, detail)`.
fn deletion_audit(app: &TestApp, id: i64) -> (String, String) {
    use boxoffice::db::schema::audit_log::dsl as a;
    app.with_conn(|c| {
        a::audit_log
            .filter(a::subject_type.eq("user"))
            .filter(a::subject_id.eq(Some(id)))
            .order(a::id.desc())
            .select((a::action, a::detail))
            .first(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn a_deleted_accounts_address_can_register_again_as_a_new_account() {
    let app = spawn_app().await;
    let ada = buyer(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, free, _) = seated_event(&app, 2).await;
    let paid = held(&app, &ada, event, &free[0..1]).await;
    pay(&app, &ada, &paid).await;
    let old = user_id(&app, "ada@example.com");
    assert_eq!(delete_me(&app, &ada.token).await.0, 204);

    let again = Buyer {
        token: app.api_buyer("Ada Again", "ada@example.com").await,
    };
    assert_ne!(user_id(&app, "ada@example.com"), old, "a new account");
    let data = export(&app, &again).await;
    assert_eq!(data["profile"]["name"], "Ada Again");
    assert!(data["bookings"].as_array().unwrap().is_empty(), "{data}");
    // Deleting twice is not a thing: the old token is simply dead.
    assert_eq!(delete_me(&app, &ada.token).await.0, 401);
}

#[actix_web::test]
async fn a_cookie_session_is_signed_out_when_its_account_is_deleted_from_the_page() {
    let app = spawn_app().await;
    let ada = buyer(&app, "Ada Lovelace", "ada@example.com").await;
    let here = signed_in_browser(&app, "ada@example.com").await;
    let elsewhere = signed_in_browser(&app, "ada@example.com").await;

    let (status, doc) = page(&app, &here, "/account/delete").await;
    assert_eq!(status, 200);
    assert!(!texts(&doc, "#erased li").is_empty());
    assert!(!texts(&doc, "#kept li").is_empty());
    let res = app
        .submit(
            &here,
            "/account/delete",
            "/account/delete",
            &[("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/");
    let (_, home) = page(&app, &here, "/").await;
    assert_eq!(
        texts(&home, "#flash"),
        vec!["Your account was deleted. Goodbye!"]
    );
    assert_eq!(
        page(&app, &here, "/account").await.0,
        303,
        "signed out here"
    );
    assert_eq!(
        page(&app, &elsewhere, "/account").await.0,
        303,
        "and on every other device"
    );
    assert_eq!(
        call(&app, &ada, reqwest::Method::GET, "/api/v1/me").await.0,
        401
    );
}

#[actix_web::test]
async fn a_wrong_password_on_the_delete_page_changes_nothing() {
    let app = spawn_app().await;
    let ada = buyer(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, free, _) = seated_event(&app, 1).await;
    let pending = held(&app, &ada, event, &free[0..1]).await;
    let browser = signed_in_browser(&app, "ada@example.com").await;

    let res = app
        .submit(
            &browser,
            "/account/delete",
            "/account/delete",
            &[("current_password", "not my password")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        texts(&doc, "#current_password-error"),
        vec!["That is not your current password."]
    );
    assert_eq!(
        page(&app, &browser, "/account").await.0,
        200,
        "still signed in"
    );
    assert_eq!(
        call(&app, &ada, reqwest::Method::GET, "/api/v1/me").await.0,
        200
    );
    assert_eq!(seat_statuses(&app, event).await[&free[0]], "held");
    let data = export(&app, &ada).await;
    assert_eq!(data["profile"]["email"], "ada@example.com");
    assert_eq!(data["bookings"][0]["reference"], pending.as_str());
    assert_eq!(data["bookings"][0]["status"], "pending");
}

#[actix_web::test]
async fn the_last_platform_admin_cannot_delete_their_account() {
    // No demo data: its admin would be another one.
    let app = spawn_app_with(false).await;
    let boss = app.admin_signed_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (status, body) = delete_me(&app, &boss).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["status"], 409);
    // The page says so, and nothing changed.
    let res = app
        .submit(
            &app.client,
            "/account/delete",
            "/account/delete",
            &[("current_password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 409);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(texts(&doc, "#delete-refused").len(), 1);
    let (status, me) = app
        .api(Some(&boss), reqwest::Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!((status, me["role"].as_str()), (200, Some("admin")));

    // With another admin, either may go, but then not the other.
    app.create_admin("second@example.com", ADMIN_PASSWORD);
    let second = app.api_login("second@example.com", ADMIN_PASSWORD).await;
    assert_eq!(delete_me(&app, &boss).await.0, 204);
    assert_eq!(delete_me(&app, &second).await.0, 409);
}

#[actix_web::test]
async fn two_admins_deleting_themselves_at_once_leave_one_admin() {
    let app = spawn_app_with(false).await;
    app.create_admin("one@example.com", ADMIN_PASSWORD);
    app.create_admin("two@example.com", ADMIN_PASSWORD);
    let one = app.api_login("one@example.com", ADMIN_PASSWORD).await;
    let two = app.api_login("two@example.com", ADMIN_PASSWORD).await;
    let (a, b) = tokio::join!(delete_me(&app, &one), delete_me(&app, &two));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [204, 409], "exactly one of them went");
    use boxoffice::db::schema::users::dsl as u;
    let live_admins: i64 = app.with_conn(|c| {
        u::users
            .filter(u::role.eq("admin"))
            .filter(u::deleted_at.is_null())
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(live_admins, 1);
}

#[actix_web::test]
async fn a_deleted_account_stays_anonymous_and_disabled_whatever_an_admin_tries() {
    let app = spawn_app_with(false).await;
    let admin = app.admin_token().await;
    let ada = buyer(&app, "Ada Lovelace", "ada@example.com").await;
    let id = user_id(&app, "ada@example.com");
    assert_eq!(delete_me(&app, &ada.token).await.0, 204);

    // The admin's tools change nothing on it.
    let now = app.clock.now();
    let admin_id = user_id(&app, ADMIN_EMAIL);
    for change in [
        boxoffice::services::user_admin::Change::Enable,
        boxoffice::services::user_admin::Change::Role(boxoffice::domain::user::Role::Admin),
    ] {
        let changed = app
            .db
            .write(|c| {
                boxoffice::services::user_admin::apply(
                    c,
                    boxoffice::domain::ids::UserId(admin_id),
                    boxoffice::domain::ids::UserId(id),
                    change,
                    now,
                )
            })
            .unwrap();
        assert!(!changed, "{change:?} left it as it was");
    }
    // And the database refuses a revived or half-erased deleted account outright.
    use boxoffice::db::schema::users::dsl as u;
    for (what, sql) in [
        ("a name", "UPDATE users SET name = 'Ada' WHERE id = {id}"),
        (
            "an address",
            "UPDATE users SET email = 'ada@example.com' WHERE id = {id}",
        ),
        (
            "the admin role",
            "UPDATE users SET role = 'admin' WHERE id = {id}",
        ),
        (
            "re-enabled",
            "UPDATE users SET disabled_at = NULL WHERE id = {id}",
        ),
    ] {
        let sql = sql.replace("{id}", &id.to_string());
        let refused = app.with_conn(|c| diesel::sql_query(sql).execute(c));
        assert!(refused.is_err(), "a deleted account cannot get {what} back");
    }
    let (name, email): (String, String) = app.with_conn(|c| {
        u::users
            .find(id)
            .select((u::name, u::email))
            .first(c)
            .unwrap()
    });
    assert_eq!(name, "Deleted user");
    assert_eq!(email, format!("deleted-{id}@deleted.invalid"));
    let (status, _) = app
        .api(
            Some(&admin),
            reqwest::Method::POST,
            "/api/v1/register",
            Some(&json!({"name": "Sneaky", "email": email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, 422, "nobody registers a deleted account's address");
}
