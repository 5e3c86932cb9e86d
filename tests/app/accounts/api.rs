//! Accounts through the JSON API: registering, bearer tokens, their expiry, bad JSON, my bookings.

use boxoffice::db::schema::users;
use diesel::prelude::*;

use crate::helpers::spawn_app;

use super::PASSWORD;

pub(super) async fn post_json(
    app: &crate::helpers::TestApp,
    path: &str,
    body: serde_json::Value,
    token: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

pub(super) async fn me(app: &crate::helpers::TestApp, token: &str) -> reqwest::StatusCode {
    app.client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[actix_web::test]
async fn the_api_registers_logs_in_with_a_bearer_token_and_revokes_it() {
    let app = spawn_app().await;
    let res = post_json(
        &app,
        "/api/v1/register",
        serde_json::json!({"name": "Ada", "email": "Ada@Example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(res.status(), 201);
    let user: serde_json::Value = res.json().await.unwrap();
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["role"], "user");
    assert!(user.get("password_hash").is_none());

    let res = post_json(
        &app,
        "/api/v1/register",
        serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(res.status(), 409);
    let res = post_json(
        &app,
        "/api/v1/register",
        serde_json::json!({"name": "", "email": "x", "password": "short"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    let mut fields: Vec<&String> = problem["errors"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["email", "name", "password"]);

    let res = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": "ada@example.com", "password": "not the password"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 401);
    let res = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": "ADA@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("set-cookie").is_none(),
        "the API sets no cookie"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(body["user"]["name"], "Ada");
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
    // Only a hash of the token is stored.
    let stored: Vec<String> = app.with_conn(|c| {
        boxoffice::db::schema::api_tokens::table
            .select(boxoffice::db::schema::api_tokens::token_hash)
            .load(c)
            .unwrap()
    });
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert!(!stored[0].contains(&token[3..]));

    assert_eq!(me(&app, &token).await, 200);
    let res = app.get("/api/v1/me").await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(me(&app, "bo_not-a-token").await, 401);

    let res = post_json(&app, "/api/v1/logout", serde_json::json!({}), Some(&token)).await;
    assert_eq!(res.status(), 204);
    assert_eq!(me(&app, &token).await, 401, "revoked at logout");
    // Signing up through the API welcomes the new account by email, once.
    assert_eq!(app.deliver_emails_listed(), ["welcome ada@example.com"]);
}

#[actix_web::test]
async fn api_tokens_expire_and_die_with_a_disabled_account() {
    let app = spawn_app().await;
    post_json(
        &app,
        "/api/v1/register",
        serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    let login = || async {
        let res = post_json(
            &app,
            "/api/v1/login",
            serde_json::json!({"email": "ada@example.com", "password": PASSWORD}),
            None,
        )
        .await;
        res.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let token = login().await;
    app.clock.advance(chrono::TimeDelta::days(29));
    assert_eq!(me(&app, &token).await, 200);
    app.clock.advance(chrono::TimeDelta::days(2));
    assert_eq!(me(&app, &token).await, 401, "expired after 30 days");

    let token = login().await;
    assert_eq!(me(&app, &token).await, 200);
    let now = app.clock.now();
    app.with_conn(|c| {
        diesel::update(users::table.filter(users::email.eq("ada@example.com")))
            .set(users::disabled_at.eq(Some(now)))
            .execute(c)
            .unwrap()
    });
    assert_eq!(
        me(&app, &token).await,
        401,
        "a disabled account's token stops working"
    );
    let res = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(res.status(), 401, "and it can't log in");
    // Signing up through the API welcomes the new account by email, once.
    assert_eq!(app.deliver_emails_listed(), ["welcome ada@example.com"]);
}

#[actix_web::test]
async fn bad_json_is_a_problem_document_not_a_crash() {
    let app = spawn_app().await;
    for body in ["{", "\"text\"", "{\"email\": 5}"] {
        let res = app
            .client
            .post(app.url("/api/v1/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{body}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
}

#[actix_web::test]
async fn my_bookings_in_the_api_have_the_documented_shape_with_tickets_once_paid() {
    let app = spawn_app().await;
    // A demo buyer owns paid bookings with tickets; give them a password to log in with.
    let hash = bcrypt::non_truncating_hash(PASSWORD, 4).unwrap();
    let buyer = "buyer01@demo.boxoffice.test";
    app.with_conn(|c| {
        diesel::update(users::table.filter(users::email.eq(buyer)))
            .set(users::password_hash.eq(&hash))
            .execute(c)
            .unwrap()
    });
    let login = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": buyer, "password": PASSWORD}),
        None,
    )
    .await;
    let token = login.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .get(app.url("/api/v1/me/bookings"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    let owned: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::bookings;
        bookings::table
            .inner_join(users::table)
            .filter(users::email.eq(buyer))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(items.len() as i64, owned);
    assert!(owned > 10);
    let mut saw_seat = false;
    let mut saw_standing = false;
    for b in items {
        for key in [
            "reference",
            "event_id",
            "status",
            "expires_at",
            "total_cents",
            "currency",
            "items",
            "tickets",
        ] {
            assert!(b.get(key).is_some(), "booking lacks {key}");
        }
        // The demo buyer also has refunded bookings and baskets that ran out or were given up.
        let status = b["status"].as_str().unwrap();
        assert!(
            ["paid", "refunded", "expired", "cancelled"].contains(&status),
            "{status}"
        );
        if status != "paid" {
            continue;
        }
        let lines = b["items"].as_array().unwrap();
        let places: i64 = lines.iter().map(|i| i["quantity"].as_i64().unwrap()).sum();
        let total: i64 = lines
            .iter()
            .map(|i| i["quantity"].as_i64().unwrap() * i["price_cents"].as_i64().unwrap())
            .sum();
        assert_eq!(total, b["total_cents"].as_i64().unwrap());
        assert_eq!(
            b["tickets"].as_array().unwrap().len() as i64,
            places,
            "one ticket per place"
        );
        for line in lines {
            if line.get("seat_id").is_some() {
                saw_seat = true;
                assert!(
                    line["row"].is_string() && line["number"].is_i64() && line["quantity"] == 1
                );
            } else {
                saw_standing = true;
                assert!(line.get("row").is_none());
            }
        }
    }
    assert!(saw_seat && saw_standing, "the demo buyer has both kinds");

    // Someone with no bookings sees none of them.
    post_json(
        &app,
        "/api/v1/register",
        serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    let login = post_json(
        &app,
        "/api/v1/login",
        serde_json::json!({"email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    let token = login.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = app
        .client
        .get(app.url("/api/v1/me/bookings"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["items"], serde_json::json!([]));
    assert_eq!(app.get("/api/v1/me/bookings").await.status(), 401);
    // Signing up through the API welcomes the new account by email, once.
    assert_eq!(app.deliver_emails_listed(), ["welcome ada@example.com"]);
}
