//! The buyer's pages while paying, and standing places paid for.

use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};
use crate::holds::{buyer, hold, seated_event, standing_area};

use super::{booking, card_ok, pay, payment_statuses, ticket_codes};

#[actix_web::test]
async fn the_pay_step_and_the_return_page_show_processing_then_the_tickets() {
    let app = spawn_app().await;
    let _ = buyer(&app, 1).await;
    app.login("buyer1@example.com", "a long enough password")
        .await;
    let (event, free, _) = seated_event(&app, 2).await;
    let token = app.csrf_token(&format!("/events/{event}/seats")).await;
    let res = app
        .client
        .post(app.url(&format!("/events/{event}/seats")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("hold", &free[0].to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    let reference: String = app.with_conn(|c| {
        use boxoffice::db::schema::{bookings as b, users as u};
        b::table
            .inner_join(u::table)
            .filter(u::email.eq("buyer1@example.com"))
            .select(b::reference)
            .first(c)
            .unwrap()
    });
    let (_, page) = app.get_html(&format!("/bookings/{reference}")).await;
    let key = crate::helpers::attrs(&page, "#pay-form input[name=idempotency_key]", "value");
    assert_eq!(key.len(), 1);
    let csrf = app.csrf_token(&format!("/bookings/{reference}")).await;
    let form = [
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key[0].as_str()),
        ("method", "card"),
    ];
    // Two submissions of the same form (a double click): one payment.
    let mut locations = Vec::new();
    for _ in 0..2 {
        let res = app
            .client
            .post(app.url(&format!("/bookings/{reference}/pay")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        locations.push(res.headers()["location"].to_str().unwrap().to_owned());
    }
    assert_eq!(locations[0], locations[1]);
    assert_eq!(payment_statuses(&app, &reference).len(), 1);
    let external_id = locations[0].rsplit('/').next().unwrap().to_owned();

    card_ok(&app, &external_id).await;
    let (_, page) = app
        .get_html(&format!("/bookings/{reference}/payment"))
        .await;
    assert_eq!(
        crate::helpers::attrs(&page, "#payment-state", "data-state"),
        ["processing"]
    );
    assert_eq!(
        crate::helpers::attrs(&page, "#payment-state", "hx-trigger"),
        ["every 1s"]
    );
    app.run_worker();
    let (_, fragment) = app
        .get_html(&format!("/bookings/{reference}/payment/state"))
        .await;
    assert_eq!(
        crate::helpers::attrs(&fragment, "#payment-state", "data-state"),
        ["paid"]
    );
    assert!(
        crate::helpers::attrs(&fragment, "#payment-state", "hx-trigger").is_empty(),
        "polling stops"
    );
    assert_eq!(
        crate::helpers::attrs(&fragment, "#tickets .ticket", "data-code").len(),
        1
    );
}

#[actix_web::test]
async fn standing_places_paid_for_become_sold_with_a_ticket_each() {
    let app = spawn_app().await;
    let (event, area) = standing_area(&app, 3).await;
    let section = area["section_id"].as_i64().unwrap();
    let counters = |app: &TestApp| -> (i32, i32) {
        use boxoffice::db::schema::event_sections as s;
        app.with_conn(|c| {
            s::table
                .filter(s::event_id.eq(event))
                .filter(s::section_id.eq(section))
                .select((s::held, s::sold))
                .first(c)
                .unwrap()
        })
    };
    let (held0, sold0) = counters(&app);
    let ada = buyer(&app, 1).await;
    let (status, held) = hold(
        &app,
        &ada,
        event,
        json!({"standing": {"section_id": section, "quantity": 3}}),
    )
    .await;
    assert_eq!(status, 201, "{held}");
    let reference = held["reference"].as_str().unwrap();
    assert_eq!(counters(&app), (held0 + 3, sold0));
    let (_, payment) = pay(&app, &ada, reference, "k", "card").await;
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    let view = booking(&app, &ada, reference).await;
    assert_eq!(view["status"], "paid");
    assert_eq!(
        ticket_codes(&view).len(),
        3,
        "one ticket per standing place"
    );
    assert_eq!(counters(&app), (held0, sold0 + 3));
}
