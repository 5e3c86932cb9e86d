//! What paid bookings add up to: sales figures, the admin statistics, check-in at the door.

use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::holds::{buyer, hold, seated_event};

use super::{basket, booking, card_ok, pay, ticket_codes};

#[actix_web::test]
async fn sales_figures_count_paid_bookings_only() {
    use boxoffice::domain::booking::BookingStatus;
    use boxoffice::domain::ids::EventId;
    use boxoffice::services::stats::event_sales;
    let app = spawn_app().await;
    let (ada, bob, cy) = (
        buyer(&app, 1).await,
        buyer(&app, 2).await,
        buyer(&app, 3).await,
    );
    let (event, free, _) = seated_event(&app, 6).await;
    let sales = |app: &TestApp| app.with_conn(|c| event_sales(c, EventId(event)).unwrap());
    let before = sales(&app);

    // Ada pays for two seats; Bob holds two and never pays; Cy pays too late for a seat
    // Bob took meanwhile, and is refunded.
    let (_, a) = hold(&app, &ada, event, json!({"seat_ids": [free[0], free[1]]})).await;
    let (_, c) = hold(&app, &cy, event, json!({"seat_ids": [free[4]]})).await;
    let (_, pa) = pay(&app, &ada, a["reference"].as_str().unwrap(), "a", "card").await;
    let (_, pc) = pay(&app, &cy, c["reference"].as_str().unwrap(), "c", "card").await;
    card_ok(&app, pa["external_id"].as_str().unwrap()).await;
    app.run_worker();
    // Past the hold and the grace Cy's open payment gave it (issue 16).
    app.clock
        .advance(TimeDelta::seconds(901) + boxoffice::services::basket::PAYMENT_GRACE);
    hold(
        &app,
        &bob,
        event,
        json!({"seat_ids": [free[2], free[3], free[4]]}),
    )
    .await;
    card_ok(&app, pc["external_id"].as_str().unwrap()).await;
    app.run_worker();

    let after = sales(&app);
    assert_eq!(after.tickets_sold, before.tickets_sold + 2);
    assert_eq!(
        after.revenue_cents,
        before.revenue_cents + a["total_cents"].as_i64().unwrap()
    );
    assert_eq!(
        after.refunded_cents,
        before.refunded_cents + c["total_cents"].as_i64().unwrap()
    );
    assert_eq!(
        after.bookings[&BookingStatus::Paid],
        before.bookings[&BookingStatus::Paid] + 1
    );
    assert_eq!(
        after.bookings[&BookingStatus::Pending],
        before.bookings[&BookingStatus::Pending] + 1
    );
    assert_eq!(
        after.bookings[&BookingStatus::Expired],
        before.bookings[&BookingStatus::Expired] + 1
    );
    // Against the database itself: revenue is the sum of paid bookings' totals.
    let paid_total: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::bookings::dsl::*;
        bookings
            .filter(event_id.eq(event))
            .filter(status.eq("paid"))
            .select(total_cents)
            .load::<i64>(c)
            .unwrap()
            .into_iter()
            .sum()
    });
    assert_eq!(after.revenue_cents, paid_total);
}

#[actix_web::test]
async fn the_admin_stats_of_an_event_add_up_against_the_database() {
    let app = spawn_app().await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let (event, free, _) = seated_event(&app, 4).await;
    let (_, a) = hold(&app, &ada, event, json!({"seat_ids": [free[0], free[1]]})).await;
    let (_, pa) = pay(&app, &ada, a["reference"].as_str().unwrap(), "a", "card").await;
    card_ok(&app, pa["external_id"].as_str().unwrap()).await;
    app.run_worker();
    hold(&app, &bob, event, json!({"seat_ids": [free[2]]})).await;

    let admin = app.admin_token().await;
    let get = |token: String, path: String| {
        let req = app.client.get(app.url(&path)).bearer_auth(token);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let path = format!("/api/v1/admin/events/{event}/stats");
    let (status, stats) = get(admin.clone(), path.clone()).await;
    assert_eq!(status, 200, "{stats}");
    let n = |k: &str| stats[k].as_i64().unwrap();
    assert_eq!(
        n("available") + n("held") + n("sold"),
        n("capacity"),
        "{stats}"
    );

    // Against the rows themselves: the section counters, and the seats sold.
    use boxoffice::db::schema::{bookings as b, event_seats as s, event_sections as es};
    let sections: Vec<(i32, i32, i32, i32)> = app.with_conn(|c| {
        es::table
            .filter(es::event_id.eq(event))
            .select((es::capacity, es::held, es::sold, es::blocked))
            .load(c)
            .unwrap()
    });
    let sum = |f: fn(&(i32, i32, i32, i32)) -> i32| -> i64 {
        sections.iter().map(|r| i64::from(f(r))).sum()
    };
    assert_eq!(n("capacity"), sum(|r| r.0 - r.3));
    assert_eq!(n("held"), sum(|r| r.1), "no hold has run out yet");
    assert_eq!(n("sold"), sum(|r| r.2));
    let sold_seats: i64 = app.with_conn(|c| {
        s::table
            .filter(s::event_id.eq(event))
            .filter(s::status.eq("sold"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert!(n("sold") >= sold_seats && sold_seats >= 2);
    let revenue: i64 = app.with_conn(|c| {
        b::table
            .filter(b::event_id.eq(event))
            .filter(b::status.eq("paid"))
            .select(b::total_cents)
            .load::<i64>(c)
            .unwrap()
            .into_iter()
            .sum()
    });
    assert_eq!(n("revenue_cents"), revenue);
    assert!(n("tickets_sold") >= 2);
    assert!(stats["bookings"]["pending"].as_i64().unwrap() >= 1);
    assert!(stats["bookings"]["paid"].as_i64().unwrap() >= 1);

    // Once Bob's hold runs out it counts as available at once, before any sweep.
    app.clock.advance(TimeDelta::seconds(901));
    let (_, later) = get(admin.clone(), path.clone()).await;
    assert_eq!(later["held"].as_i64().unwrap(), n("held") - 1);
    assert_eq!(later["available"].as_i64().unwrap(), n("available") + 1);

    // Only admins; an unknown event is a 404.
    let (status, _) = get(ada.token.clone(), path).await;
    assert_eq!(status, 403);
    let (status, _) = get(admin, "/api/v1/admin/events/999999/stats".to_owned()).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn a_ticket_is_checked_in_once_at_the_door_of_its_own_event() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, _, reference) = basket(&app, &ada).await;
    let (_, payment) = pay(&app, &ada, &reference, "k", "card").await;
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    let codes: Vec<String> = ticket_codes(&booking(&app, &ada, &reference).await)
        .into_iter()
        .collect();

    // Buyers are not let in to the door page.
    app.login("buyer1@example.com", "a long enough password")
        .await;
    assert_eq!(
        app.get(&format!("/admin/checkin?event={event}"))
            .await
            .status(),
        403
    );
    app.create_admin("door@example.com", "a long enough password");
    app.login("door@example.com", "a long enough password")
        .await;

    let (status, page) = app.get_html(&format!("/admin/checkin?event={event}")).await;
    assert_eq!(status, 200);
    let counted = |doc: &scraper::Html| {
        (
            crate::helpers::texts(doc, "[data-count=checked-in]"),
            crate::helpers::texts(doc, "[data-count=sold]"),
        )
    };
    let (before, sold) = counted(&page);
    let before: i64 = before[0].parse().unwrap();
    let csrf = app
        .csrf_token(&format!("/admin/checkin?event={event}"))
        .await;
    let scan = |code: String, at_event: i64| {
        let form = [
            ("csrf_token", csrf.clone()),
            ("event", at_event.to_string()),
            ("code", code),
        ];
        let req = app
            .client
            .post(app.url("/admin/checkin"))
            .header("HX-Request", "true")
            .form(&form);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200);
            scraper::Html::parse_fragment(&res.text().await.unwrap())
        }
    };
    let verdict = |doc: &scraper::Html| crate::helpers::attrs(doc, ".door-verdict", "data-verdict");

    // Typed the way people type: lower case, grouped with spaces.
    let typed = crate::helpers::grouped_lower(&codes[0]);
    let first = scan(typed, event).await;
    assert_eq!(verdict(&first), ["valid"]);
    assert_eq!(counted(&first).0, [(before + 1).to_string()]);
    assert_eq!(counted(&first).1, sold);
    let again = scan(codes[0].clone(), event).await;
    assert_eq!(verdict(&again), ["already"]);
    assert!(crate::helpers::texts(&again, ".door-big")[0].starts_with("Already checked in at "));
    assert_eq!(
        counted(&again).0,
        [(before + 1).to_string()],
        "counted once"
    );

    let other_event: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::events::dsl::*;
        events.filter(id.ne(event)).select(id).first(c).unwrap()
    });
    assert_eq!(
        verdict(&scan(codes[1].clone(), other_event).await),
        ["wrong-event"]
    );
    assert_eq!(
        verdict(&scan("ZZZZZZZZZZZZZZZZ".to_owned(), event).await),
        ["unknown"]
    );
    let checked: Vec<(String, Option<i64>)> = app.with_conn(|c| {
        use boxoffice::db::schema::tickets::dsl::*;
        tickets
            .filter(code.eq_any(&codes))
            .order(code)
            .select((status, checked_in_by))
            .load(c)
            .unwrap()
    });
    let admitted: Vec<&str> = checked.iter().map(|(s, _)| s.as_str()).collect();
    assert!(
        admitted.contains(&"checked_in") && admitted.contains(&"valid"),
        "{checked:?}"
    );
    assert!(
        checked
            .iter()
            .any(|(s, by)| s == "checked_in" && by.is_some())
    );
}
