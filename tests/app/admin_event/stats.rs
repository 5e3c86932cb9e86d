//! The statistics page and the dashboard add up against the database.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::admin_events::admin;
use crate::helpers::{attrs, spawn_app, texts};
use crate::holds::{buyer, hold, seated_event};

use super::{digits, number, numbers, paid_booking, paid_of};

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
    let token = admin(&app).await;
    // The demo's buyers may have bought some today already: Ada's booking adds to them.
    let (_, before) = app.get_html("/admin").await;
    let (event, free, _) = seated_event(&app, 6).await;
    let ada = buyer(&app, 0).await;
    let reference = paid_booking(&app, &ada, event, &free[..2]).await;
    let bob = buyer(&app, 1).await;
    let (status, _) = hold(&app, &bob, event, json!({ "seat_ids": &free[2..5] })).await;
    assert_eq!(status, 201);

    let (status, doc) = app.get_html("/admin").await;
    assert_eq!(status, 200);
    let today = |doc: &scraper::Html, what: &str| -> i64 {
        numbers(doc, &format!("[data-sales=today] [data-{what}]"))[0]
    };
    assert_eq!(today(&doc, "tickets"), today(&before, "tickets") + 2);
    assert_eq!(today(&doc, "bookings"), today(&before, "bookings") + 1);
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
    // Revenue per currency ("£1,204.00 · €96.00"): Ada's currency grew by her total.
    let revenue = |doc: &scraper::Html| -> std::collections::HashMap<String, i64> {
        let text = texts(doc, "[data-sales=today] [data-revenue]").join("");
        text.split(" · ")
            .filter(|amount| amount.chars().any(|c| c.is_ascii_digit()))
            .map(|amount| {
                let symbol: String = amount
                    .chars()
                    .filter(|c| !c.is_ascii_digit() && !matches!(c, ',' | '.'))
                    .collect();
                (symbol, digits(amount))
            })
            .collect()
    };
    let (was, now) = (revenue(&before), revenue(&doc));
    let grew: Vec<i64> = now
        .iter()
        .filter(|(symbol, cents)| was.get(*symbol) != Some(cents))
        .map(|(symbol, cents)| cents - was.get(symbol).copied().unwrap_or(0))
        .collect();
    assert_eq!(grew, vec![total], "{was:?} then {now:?}");
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
    // The cancellation job runs and refunds Ada's paid booking.
    let pass = app.run_worker();
    assert!(
        pass.jobs
            .iter()
            .all(|t| matches!(t, boxoffice::jobs::Turn::Done { .. })),
        "{pass:?}"
    );
    let status: String = app.with_conn(|c| {
        use boxoffice::db::schema::bookings;
        use diesel::prelude::*;
        bookings::table
            .filter(bookings::reference.eq(&reference))
            .select(bookings::status)
            .first(c)
            .unwrap()
    });
    assert_eq!(status, "refunded");
}
