//! The real binary killed between the gateway's success and the webhook.

use diesel::prelude::*;
use serde_json::{Value, json};

/// The real binary, killed with SIGKILL after the gateway took the money but before its
/// webhook was delivered: after a restart the worker delivers it, and the booking ends paid
/// with exactly one confirmation email.
#[actix_web::test]
async fn a_crash_between_the_gateway_and_the_webhook_still_ends_paid_with_one_email() {
    use crate::cli::{free_bind, fresh_db, seed_demo, serve, wait_up};
    use std::time::{Duration, Instant};

    let db = fresh_db("sigkill");
    let mail = tempfile::tempdir().unwrap();
    let bind = free_bind();
    let base = format!("http://{bind}");
    let client = reqwest::Client::new();
    seed_demo(&db);
    let mut first = serve(&db, &bind, mail.path(), false);
    wait_up(&bind, "the first server");
    let post = |path: &str, body: Value, token: Option<&str>| {
        let mut req = client.post(format!("{base}{path}")).json(&body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req
    };
    let res = post(
        "/api/v1/register",
        json!({"name": "Kim", "email": "kim@example.com", "password": "a long enough password"}),
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let login: Value = post(
        "/api/v1/login",
        json!({"email": "kim@example.com", "password": "a long enough password"}),
        None,
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let events: Value = client
        .get(format!("{base}/api/v1/events?per_page=50"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut held = None;
    for event in events["items"].as_array().unwrap() {
        let id = event["id"].as_i64().unwrap();
        let map: Value = client
            .get(format!("{base}/api/v1/events/{id}/seats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let free: Vec<i64> = map["seats"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["status"] == "available")
            .map(|s| s["id"].as_i64().unwrap())
            .take(2)
            .collect();
        if free.len() == 2 {
            let res = post(
                &format!("/api/v1/events/{id}/holds"),
                json!({"seat_ids": free}),
                Some(&token),
            )
            .send()
            .await
            .unwrap();
            if res.status() == 201 {
                held = Some(res.json::<Value>().await.unwrap());
                break;
            }
        }
    }
    let reference = held.expect("a hold")["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let payment: Value = post(
        &format!("/api/v1/bookings/{reference}/payments"),
        json!({"method": "card"}),
        Some(&token),
    )
    .header("Idempotency-Key", "crash")
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let external_id = payment["external_id"].as_str().unwrap();
    let done: Value = post(
        &format!("/gateway/v1/payments/{external_id}/complete"),
        json!({"card_number": "4242424242424242"}),
        None,
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(done["status"], "succeeded");
    // SIGKILL: no shutdown, nothing flushed; the webhook was never sent.
    first.0.kill().unwrap();
    first.0.wait().unwrap();

    let _second = serve(&db, &bind, mail.path(), true);
    wait_up(&bind, "the restarted server");
    // A new client: the old one's kept-alive connections died with the first server.
    let client = reqwest::Client::new();
    let status_of = || async {
        let res = client
            .get(format!("{base}/api/v1/bookings/{reference}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{status} {e}: {text}"))
    };
    let started = Instant::now();
    let view = loop {
        let view = status_of().await;
        if view["status"] == "paid" {
            break view;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the booking ended paid: {view}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(view["tickets"].as_array().unwrap().len(), 2);
    let confirmations = || {
        std::fs::read_dir(mail.path())
            .map(|d| {
                d.filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
                    .filter(|m| m.contains(&reference) && m.contains("text/calendar"))
                    .count()
            })
            .unwrap_or(0)
    };
    let started = Instant::now();
    while confirmations() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the confirmation was sent"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    // The gateway sends some webhooks twice, 1-5 s later: wait until the server has nothing
    // left to do (no job queued or running, no email waiting) before counting.
    let url = boxoffice::config::DatabaseUrl::parse(&db.url).unwrap();
    let mut conn = boxoffice::db::establish(&url).unwrap();
    let started = Instant::now();
    loop {
        let (jobs, emails) = work_left(&mut conn);
        if jobs == 0 && emails == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server finished its work ({jobs} jobs, {emails} emails left)"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(confirmations(), 1, "exactly one confirmation email");
}

/// Jobs not yet done (queued or running) and emails not yet sent, in the server's database.
pub(super) fn work_left(conn: &mut boxoffice::db::DbConnection) -> (i64, i64) {
    use boxoffice::db::schema::{email_outbox, jobs};
    let jobs = jobs::table
        .filter(jobs::status.ne_all(["done", "dead"]))
        .count()
        .get_result(conn)
        .unwrap();
    let emails = email_outbox::table
        .filter(email_outbox::status.eq("pending"))
        .count()
        .get_result(conn)
        .unwrap();
    (jobs, emails)
}
