//! The box office's view of one event (issue 7): the dashboard's figures, the statistics page
//! (figures, sales by tier, the chart's table and the heatmap checked against the database),
//! cancelling from the confirmation page with refunds the gateway refuses and an admin
//! retries, and the real binary killed in the middle of a cancellation.

use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::admin_events::admin;
use crate::helpers::{TestApp, attrs, spawn_app, texts};
use crate::holds::{Buyer, buyer, hold, seated_event};
use crate::payments::{card_ok, pay};

const PASSWORD: &str = "a long enough password";

/// Holds `seats` for `who` and pays for them with the card that succeeds; the webhook is
/// delivered by the worker. Answers the booking's reference.
async fn paid_booking(app: &TestApp, who: &Buyer, event: i64, seats: &[i64]) -> String {
    let (status, booking) = hold(app, who, event, json!({ "seat_ids": seats })).await;
    assert_eq!(status, 201, "{booking}");
    let reference = booking["reference"].as_str().unwrap().to_owned();
    let (status, payment) = pay(app, who, &reference, &format!("pay-{reference}"), "card").await;
    assert_eq!(status, 201, "{payment}");
    card_ok(app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    reference
}

/// The first whole number in a text ("54 (64%)" → 54; "1,204" → 1204).
fn number(text: &str) -> i64 {
    text.chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a number in {text:?}"))
}

/// Every digit of a text ("£12.50" → 1250: an amount's minor units).
fn digits(text: &str) -> i64 {
    text.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("digits in {text:?}"))
}

fn numbers(doc: &scraper::Html, selector: &str) -> Vec<i64> {
    texts(doc, selector).iter().map(|t| number(t)).collect()
}

/// `(paid bookings, their totals)` of the event, from the database.
fn paid_of(app: &TestApp, event: i64) -> (i64, i64) {
    use boxoffice::db::schema::bookings as b;
    app.with_conn(|c| {
        let rows: Vec<i64> = b::table
            .filter(b::event_id.eq(event))
            .filter(b::status.eq("paid"))
            .select(b::total_cents)
            .load(c)
            .unwrap();
        (rows.len() as i64, rows.iter().sum())
    })
}

#[actix_web::test]
async fn the_statistics_page_adds_up_against_the_database_and_refreshes_itself() {
    let app = spawn_app().await;
    let (event, free, _) = seated_event(&app, 6).await;
    let ada = buyer(&app, 0).await;
    paid_booking(&app, &ada, event, &free[..3]).await;
    let bob = buyer(&app, 1).await;
    let (status, _) = hold(&app, &bob, event, json!({ "seat_ids": [free[4]] })).await;
    assert_eq!(status, 201);
    let token = admin(&app).await;

    let (status, doc) = app.get_html(&format!("/admin/events/{event}")).await;
    assert_eq!(status, 200);
    let stat = |name: &str| numbers(&doc, &format!("[data-stat={name}]"))[0];
    // The same figures as the API, which its own test checks against the database.
    let api: Value = app
        .client
        .get(app.url(&format!("/api/v1/admin/events/{event}/stats")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for name in ["capacity", "available", "held", "sold", "tickets_sold"] {
        assert_eq!(stat(name), api[name].as_i64().unwrap(), "{name}");
    }
    assert_eq!(stat("held"), 1, "Bob's basket");
    assert_eq!(
        stat("capacity"),
        stat("available") + stat("held") + stat("sold")
    );

    // Tickets and money from the database itself.
    let (tickets, revenue): (i64, i64) = app.with_conn(|c| {
        use boxoffice::db::schema::{booking_items as i, bookings as b};
        let rows: Vec<(i32, i64)> = i::table
            .inner_join(b::table)
            .filter(b::event_id.eq(event))
            .filter(b::status.eq("paid"))
            .filter(i::active.eq(true))
            .select((i::quantity, i::unit_price_cents))
            .load(c)
            .unwrap();
        (
            rows.iter().map(|(q, _)| i64::from(*q)).sum(),
            rows.iter().map(|(q, p)| i64::from(*q) * p).sum(),
        )
    });
    assert_eq!(stat("tickets_sold"), tickets);
    assert_eq!(api["revenue_cents"].as_i64().unwrap(), revenue);
    assert_eq!(paid_of(&app, event).1, revenue);
    // Sales by tier add up to the tickets sold, in the page and in the API.
    let tier_tickets = numbers(&doc, "#tier-sales [data-tickets]");
    assert!(!tier_tickets.is_empty());
    assert_eq!(tier_tickets.iter().sum::<i64>(), tickets);
    let api_tiers: i64 = api["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tickets_sold"].as_i64().unwrap())
        .sum();
    assert_eq!(api_tiers, tickets);
    let api_revenue: i64 = api["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["revenue_cents"].as_i64().unwrap())
        .sum();
    assert_eq!(api_revenue, revenue);
    // The chart's table: every ticket sold on some day, the last running total is all of them.
    let per_day = numbers(&doc, "#sales-by-day tbody td:nth-child(2)");
    assert_eq!(per_day.iter().sum::<i64>(), tickets);
    assert_eq!(
        numbers(&doc, "#sales-by-day tbody td:nth-child(4)").last(),
        Some(&tickets)
    );
    // Each bar says what it shows; together they are every ticket.
    let bars: i64 = texts(&doc, "#sales-chart .bars rect title")
        .iter()
        .map(|t| number(t.rsplit(": ").next().unwrap()))
        .sum();
    assert_eq!(bars, tickets);
    // The heatmap: sold per section adds up to what is sold; Ada's three seats are dark.
    let sold: i64 = attrs(&doc, "#heatmap .heat-section", "data-sold")
        .iter()
        .map(|s| s.parse::<i64>().unwrap())
        .sum();
    assert_eq!(sold, stat("sold"));
    let dark = attrs(&doc, "#heatmap .heat-seats circle.sold", "cx").len() as i64;
    let seated_sold: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::event_seats as s;
        s::table
            .filter(s::event_id.eq(event))
            .filter(s::status.eq("sold"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(dark, seated_sold);
    assert!(seated_sold >= 3);

    // The page polls itself: the fragment alone, with the new sale in it.
    assert_eq!(
        attrs(&doc, "#event-stats", "hx-trigger"),
        vec!["every 5s".to_owned()]
    );
    paid_booking(&app, &bob, event, &[free[5]]).await;
    let fragment = app
        .client
        .get(app.url(&format!("/admin/events/{event}")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fragment.trim_start().starts_with("<div id=\"event-stats\""));
    assert!(!fragment.contains("<html"));
    let fragment = scraper::Html::parse_fragment(&fragment);
    // Bob's basket had one seat; he added another and paid for both.
    assert_eq!(
        numbers(&fragment, "[data-stat=tickets_sold]"),
        vec![tickets + 2]
    );
    assert_eq!(numbers(&fragment, "[data-stat=held]"), vec![0]);
}

#[actix_web::test]
async fn the_dashboard_shows_todays_sales_holds_upcoming_events_queues_and_activity() {
    let app = spawn_app().await;
    let (event, free, _) = seated_event(&app, 6).await;
    let ada = buyer(&app, 0).await;
    let reference = paid_booking(&app, &ada, event, &free[..2]).await;
    let bob = buyer(&app, 1).await;
    let (status, _) = hold(&app, &bob, event, json!({ "seat_ids": &free[2..5] })).await;
    assert_eq!(status, 201);
    let token = admin(&app).await;

    let (status, doc) = app.get_html("/admin").await;
    assert_eq!(status, 200);
    // The demo's sales were paid a day or more ago: today is Ada's booking alone.
    assert_eq!(numbers(&doc, "[data-sales=today] [data-tickets]"), vec![2]);
    assert_eq!(numbers(&doc, "[data-sales=today] [data-bookings]"), vec![1]);
    let total = {
        use boxoffice::db::schema::bookings as b;
        app.with_conn(|c| {
            b::table
                .filter(b::reference.eq(&reference))
                .select(b::total_cents)
                .first::<i64>(c)
                .unwrap()
        })
    };
    let revenue = texts(&doc, "[data-sales=today] [data-revenue]");
    assert_eq!(revenue.len(), 1);
    assert_eq!(digits(&revenue[0]), total, "{revenue:?}");
    assert!(numbers(&doc, "[data-sales=week] [data-tickets]")[0] >= 2);
    assert_eq!(
        texts(&doc, "[data-count=holds]"),
        vec!["3 seats or places in 1 basket".to_owned()]
    );
    // Upcoming events, soonest first, each with its fill from the inventory.
    let ids: Vec<i64> = attrs(&doc, "#upcoming tr[data-event-id]", "data-event-id")
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    assert!(!ids.is_empty() && ids.len() <= 8);
    let fills = numbers(&doc, "#upcoming [data-fill]");
    for (id, fill) in ids.iter().zip(&fills) {
        let (capacity, sold): (i64, i64) = app.with_conn(|c| {
            use boxoffice::db::schema::event_sections as s;
            let rows: Vec<(i32, i32, i32)> = s::table
                .filter(s::event_id.eq(id))
                .select((s::capacity, s::blocked, s::sold))
                .load(c)
                .unwrap();
            (
                rows.iter().map(|r| i64::from(r.0 - r.1)).sum(),
                rows.iter().map(|r| i64::from(r.2)).sum(),
            )
        });
        assert_eq!(
            *fill,
            if capacity > 0 {
                sold * 100 / capacity
            } else {
                0
            }
        );
    }
    // The queues: the confirmation email went out through the worker.
    let sent = numbers(&doc, "[data-queue=emails] [data-status=sent]")[0];
    assert!(sent >= 1, "{sent}");
    assert_eq!(
        numbers(&doc, "[data-queue=jobs] [data-status=dead]"),
        vec![0]
    );

    // Recent activity comes from the audit log: a cancellation shows up at the top.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/admin/events/{event}/cancel")))
        .bearer_auth(&token)
        .json(&json!({"reason": "The band is ill."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let (_, doc) = app.get_html("/admin").await;
    let activity = texts(&doc, "#activity li");
    assert!(
        activity[0].contains("event.cancelled") && activity[0].contains(&format!("#{event}")),
        "{activity:?}"
    );
    assert_eq!(
        texts(&doc, "[data-count=holds]"),
        vec!["0 seats or places in 0 baskets".to_owned()]
    );
}

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
    assert_eq!(numbers(&doc, "[data-refunded]"), vec![0]);
    assert_eq!(numbers(&doc, "[data-total]"), vec![paid]);
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
    assert_eq!(numbers(&fragment, "[data-refunded]"), vec![paid]);
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
        let gateway: i64 = diesel::sql_query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM gateway_refunds gr \
             JOIN gateway_intents gi ON gi.id = gr.intent_id \
             JOIN payments p ON p.external_id = gi.external_id \
             JOIN bookings b ON b.id = p.booking_id",
        )
        .get_result::<Count>(c)
        .unwrap()
        .n;
        (paid, refunded, gateway)
    });
    assert_eq!(refunded, payments);
    assert_eq!(refunded, refund_total);
    assert_eq!(gateway_refunds, paid, "one gateway refund per payment");

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

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[actix_web::test]
async fn a_non_admin_gets_403_on_the_event_pages_and_actions() {
    let app = spawn_app().await;
    let (event, _, _) = seated_event(&app, 1).await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    for path in [
        format!("/admin/events/{event}"),
        format!("/admin/events/{event}/cancel"),
        format!("/admin/events/{event}/cancel/progress"),
    ] {
        assert_eq!(app.get(&path).await.status(), 403, "GET {path}");
    }
    let token = app.csrf_token("/account").await;
    for path in [
        format!("/admin/events/{event}/cancel"),
        format!("/admin/events/{event}/refunds/retry"),
    ] {
        let res = app
            .post_form(&path, &[("csrf_token", &token), ("reason", "mine now")])
            .await;
        assert_eq!(res.status(), 403, "POST {path}");
    }
    use boxoffice::db::schema::events as e;
    let status: String = app.with_conn(|c| {
        e::table
            .filter(e::id.eq(event))
            .select(e::status)
            .first(c)
            .unwrap()
    });
    assert_eq!(status, "published");
    // Signed out: the pages send you to log in.
    let stranger = app.new_browser();
    let res = stranger
        .get(app.url(&format!("/admin/events/{event}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
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
        if done > 0 {
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
    assert!(at_kill < paid);

    // The killed job's lease (jobs::LEASE, a minute) runs out before the restarted worker
    // takes the work up again.
    let _second = serve(&db, &bind, mail.path(), true);
    wait_up(&bind, "the restarted server");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let s = stats(client.clone(), event).await;
        if s["bookings"]["paid"] == 0 {
            assert_eq!(s["bookings"]["refunded"], paid);
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
        payments, paid,
        "the demo's bookings each have their payment"
    );
    let refunds = row(
        &mut c,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM refunds r \
             JOIN payments p ON p.id = r.payment_id {of_event} AND r.status = 'succeeded'"
        ),
    );
    assert_eq!(refunds, paid);
    let gateway_refunds = row(
        &mut c,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM gateway_refunds gr \
             JOIN gateway_intents gi ON gi.id = gr.intent_id \
             JOIN payments p ON p.external_id = gi.external_id {of_event}"
        ),
    );
    assert_eq!(
        gateway_refunds, paid,
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
