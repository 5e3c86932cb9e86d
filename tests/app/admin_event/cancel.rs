//! Cancelling an event from its page: preview, refunds, retries, and a restart half way.

use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::admin_events::admin;
use crate::helpers::{TestApp, attrs, spawn_app, texts};
use crate::holds::{buyer, hold, seated_event};

use super::{PASSWORD, numbers, paid_booking, paid_of};

#[actix_web::test]
async fn cancelling_from_the_page_previews_then_refunds_and_refused_refunds_can_be_retried() {
    let app = spawn_app().await;
    let (event, free, _) = seated_event(&app, 8).await;
    let ada = buyer(&app, 0).await;
    let bob = buyer(&app, 1).await;
    let cy = buyer(&app, 2).await;
    paid_booking(&app, &ada, event, &free[..2]).await;
    paid_booking(&app, &bob, event, &free[2..3]).await;
    let (status, _) = hold(&app, &cy, event, json!({ "seat_ids": &free[4..6] })).await;
    assert_eq!(status, 201);
    admin(&app).await;
    let (paid, refund_total) = paid_of(&app, event);
    assert!(paid >= 2);
    // A few of the demo's buyers had asked for their money back already.
    let (before, before_total) = refunded_of(&app, event);

    let page = format!("/admin/events/{event}/cancel");
    let (status, doc) = app.get_html(&page).await;
    assert_eq!(status, 200);
    let refunds = texts(&doc, "[data-preview=refunds]").join(" ");
    assert!(
        refunds.starts_with(&format!("{paid} paid booking")),
        "{refunds}"
    );
    // The money in all, in the event's currency: its digits are the total's cents.
    let digits: String = refunds.chars().filter(char::is_ascii_digit).collect();
    assert!(
        digits.contains(&refund_total.to_string()),
        "{refunds} mentions {refund_total} cents"
    );
    let holds = texts(&doc, "[data-preview=holds]").join(" ");
    assert!(holds.starts_with("1 basket"), "{holds}");
    assert!(holds.contains("(2 seat"), "{holds}");

    // No reason: the form again with a message, and nothing changed.
    let res = app
        .submit(&app.client, &page, &page, &[("reason", "  ")])
        .await;
    assert_eq!(res.status(), 422);
    let doc = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(texts(&doc, "#reason-error").len(), 1);
    let status_of = |app: &TestApp| {
        use boxoffice::db::schema::events as e;
        app.with_conn(|c| {
            e::table
                .filter(e::id.eq(event))
                .select(e::status)
                .first::<String>(c)
                .unwrap()
        })
    };
    assert_eq!(status_of(&app), "published");

    // The provider is down for refunds; the admin cancels anyway.
    app.db.set_refunds_down_for_tests(true);
    let res = app
        .submit(
            &app.client,
            &page,
            &page,
            &[("reason", "The venue flooded.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], page.as_str());
    assert_eq!(status_of(&app), "cancelled");
    // The job tries each refund three times (with backoff in between), then leaves it.
    for _ in 0..6 {
        app.run_worker();
        app.clock.advance(TimeDelta::seconds(120));
    }
    let (still_paid, _) = paid_of(&app, event);
    assert_eq!(
        still_paid, paid,
        "no money went back, so nothing is refunded"
    );
    let (status, doc) = app.get_html(&page).await;
    assert_eq!(status, 200);
    let rows = attrs(&doc, "#failed-refunds tr[data-refund-id]", "data-refund-id");
    assert_eq!(rows.len() as i64, paid);
    let tries: Vec<String> = texts(&doc, "#failed-refunds tbody td:nth-child(4)");
    assert!(tries.iter().all(|t| t == "3"), "{tries:?}");
    assert_eq!(numbers(&doc, "[data-refunded]"), vec![before]);
    assert_eq!(numbers(&doc, "[data-total]"), vec![paid + before]);
    assert_eq!(
        attrs(&doc, "#cancel-progress", "data-status"),
        vec!["cancelling".to_owned()]
    );
    // Nothing left that the job could do: the page stops polling until someone retries.
    assert!(attrs(&doc, "#cancel-progress", "hx-get").is_empty());

    // The provider is back: "Retry all" refunds every one, once.
    app.db.set_refunds_down_for_tests(false);
    let res = app
        .submit(
            &app.client,
            &page,
            &format!("/admin/events/{event}/refunds/retry"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, doc) = app.get_html(&page).await;
    assert!(
        texts(&doc, "#flash")
            .join(" ")
            .contains("being tried again"),
        "{:?}",
        texts(&doc, "#flash")
    );
    assert_eq!(
        attrs(&doc, "#cancel-progress", "hx-get"),
        vec![format!("/admin/events/{event}/cancel/progress")]
    );
    app.run_worker();
    let (still_paid, _) = paid_of(&app, event);
    assert_eq!(still_paid, 0);
    let fragment = app
        .client
        .get(app.url(&format!("/admin/events/{event}/cancel/progress")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let fragment = scraper::Html::parse_fragment(&fragment);
    assert_eq!(numbers(&fragment, "[data-refunded]"), vec![paid + before]);
    assert!(
        texts(&fragment, "#refund-count")
            .join(" ")
            .contains("All done")
    );
    assert!(texts(&fragment, "#failed-refunds tr").is_empty());

    // Money: every payment refunded once at the gateway, in full.
    let (payments, refunded, gateway_refunds): (i64, i64, i64) = app.with_conn(|c| {
        use boxoffice::db::schema::{bookings as b, payments as p, refunds as r};
        let paid: i64 = p::table
            .inner_join(b::table)
            .filter(b::event_id.eq(event))
            .filter(p::status.eq_any(["succeeded", "refunded"]))
            .select(p::amount_cents)
            .load::<i64>(c)
            .unwrap()
            .iter()
            .sum();
        let refunded: i64 = r::table
            .inner_join(b::table)
            .filter(b::event_id.eq(event))
            .filter(r::status.eq("succeeded"))
            .select(r::amount_cents)
            .load::<i64>(c)
            .unwrap()
            .iter()
            .sum();
        let gateway: i64 = diesel::sql_query(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM gateway_refunds gr \
             JOIN gateway_intents gi ON gi.id = gr.intent_id \
             JOIN payments p ON p.external_id = gi.external_id \
             JOIN bookings b ON b.id = p.booking_id WHERE b.event_id = {event}",
        ))
        .get_result::<Count>(c)
        .unwrap()
        .n;
        (paid, refunded, gateway)
    });
    assert_eq!(refunded, payments);
    assert_eq!(refunded, refund_total + before_total);
    assert_eq!(
        gateway_refunds,
        paid + before,
        "one gateway refund per payment"
    );

    // A retry of a refund that isn't waiting changes nothing and says so.
    let res = app
        .submit(
            &app.client,
            &page,
            &format!("/admin/events/{event}/refunds/retry"),
            &[("refund_id", "999999")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, doc) = app.get_html(&page).await;
    assert!(texts(&doc, "#flash").join(" ").contains("not waiting"));
}

/// The event's refunded bookings: how many, and their totals.
fn refunded_of(app: &TestApp, event: i64) -> (i64, i64) {
    use boxoffice::db::schema::bookings as b;
    app.with_conn(|c| {
        let rows: Vec<i64> = b::table
            .filter(b::event_id.eq(event))
            .filter(b::status.eq("refunded"))
            .select(b::total_cents)
            .load(c)
            .unwrap();
        (rows.len() as i64, rows.iter().sum())
    })
}

#[derive(QueryableByName)]
pub(super) struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The real binary, SIGKILLed while its worker is refunding a cancelled event's bookings:
/// after a restart the job finishes, every paid booking is refunded exactly once (at the
/// gateway too) and every buyer gets one cancellation email.
#[actix_web::test]
async fn a_cancellation_killed_half_way_finishes_after_a_restart_without_double_refunds() {
    use crate::cli::{boxoffice, free_bind, fresh_db, seed_demo, serve, wait_up};
    use std::time::{Duration, Instant};

    let db = fresh_db("cancelkill");
    let mail = tempfile::tempdir().unwrap();
    let bind = free_bind();
    let base = format!("http://{bind}");
    seed_demo(&db);
    let mut first = serve(&db, &bind, mail.path(), true);
    wait_up(&bind, "the first server");
    let out = boxoffice(
        &[
            "admin",
            "create",
            "--email",
            "boss@example.com",
            "--password",
            PASSWORD,
        ],
        &[("DATABASE_URL", db.url.as_str())],
    );
    assert!(out.status.success(), "{out:?}");
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"email": "boss@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let stats = |client: reqwest::Client, event: i64| {
        let (base, token) = (base.clone(), token.clone());
        async move {
            client
                .get(format!("{base}/api/v1/admin/events/{event}/stats"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    // A demo event with about a hundred paid bookings (their buyers paid through the
    // gateway): four turns of the job or more, so there is a middle to kill it in.
    let events: Value = client
        .get(format!("{base}/api/v1/events?per_page=50"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut best: (i64, i64) = (0, 0);
    for e in events["items"].as_array().unwrap() {
        let id = e["id"].as_i64().unwrap();
        let paid = stats(client.clone(), id).await["bookings"]["paid"]
            .as_i64()
            .unwrap();
        if paid >= 60 && (best.1 < 60 || (paid - 100).abs() < (best.1 - 100).abs()) {
            best = (id, paid);
        }
    }
    let (event, paid) = best;
    assert!(paid >= 60, "an event with many paid bookings ({paid})");
    // A few of the demo's buyers had asked for their money back already.
    let before = stats(client.clone(), event).await["bookings"]["refunded"]
        .as_i64()
        .unwrap();

    let res = client
        .post(format!("{base}/api/v1/admin/events/{event}/cancel"))
        .bearer_auth(&token)
        .json(&json!({"reason": "The roof leaks."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    // Kill it as soon as some bookings are refunded and some are not.
    let started = Instant::now();
    let at_kill = loop {
        let s = stats(client.clone(), event).await;
        let (left, done) = (
            s["bookings"]["paid"].as_i64().unwrap(),
            s["bookings"]["refunded"].as_i64().unwrap(),
        );
        if done > before {
            assert!(left > 0, "the kill came before the end ({done} refunded)");
            first.0.kill().unwrap();
            first.0.wait().unwrap();
            break done;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "refunds started"
        );
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    };
    assert!(at_kill < paid + before);

    // The killed job's lease (jobs::LEASE, a minute) runs out before the restarted worker
    // takes the work up again.
    let _second = serve(&db, &bind, mail.path(), true);
    wait_up(&bind, "the restarted server");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let s = stats(client.clone(), event).await;
        if s["bookings"]["paid"] == 0 {
            assert_eq!(s["bookings"]["refunded"], paid + before);
            assert_eq!(s["revenue_cents"], 0);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the cancellation finished: {s}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    // In the database: one refund per payment, each one given by the gateway once, for the
    // whole amount; one cancellation email per booking.
    let conn_db =
        boxoffice::db::Db::connect(&boxoffice::config::DatabaseUrl::parse(&db.url).unwrap(), 1)
            .unwrap();
    let mut c = conn_db.conn().unwrap();
    let row = |c: &mut boxoffice::db::DbConnection, sql: &str| -> i64 {
        diesel::sql_query(sql).get_result::<Count>(c).unwrap().n
    };
    let of_event = format!("JOIN bookings b ON b.id = p.booking_id WHERE b.event_id = {event}");
    let payments = row(
        &mut c,
        &format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM payments p {of_event}"),
    );
    assert_eq!(
        payments,
        paid + before,
        "the demo's bookings each have their payment"
    );
    let refunds = row(
        &mut c,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM refunds r \
             JOIN payments p ON p.id = r.payment_id {of_event} AND r.status = 'succeeded'"
        ),
    );
    assert_eq!(refunds, paid + before);
    let gateway_refunds = row(
        &mut c,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM gateway_refunds gr \
             JOIN gateway_intents gi ON gi.id = gr.intent_id \
             JOIN payments p ON p.external_id = gi.external_id {of_event}"
        ),
    );
    assert_eq!(
        gateway_refunds,
        paid + before,
        "no payment refunded twice at the gateway"
    );
    let short = row(
        &mut c,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM gateway_intents gi \
             JOIN payments p ON p.external_id = gi.external_id {of_event} \
             AND gi.refunded_cents <> gi.amount_cents"
        ),
    );
    assert_eq!(short, 0, "every payment refunded in full");
    let emails = row(
        &mut c,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM email_outbox \
             WHERE kind = 'event_cancelled' AND dedupe_key IN \
             (SELECT 'event_cancelled:' || CAST(id AS TEXT) FROM bookings WHERE event_id = {event})"
        ),
    );
    assert_eq!(emails, paid, "one cancellation email per booking");
}
