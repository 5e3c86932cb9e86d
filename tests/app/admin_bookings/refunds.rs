//! Refunds by hand and by API: once, with a reason, only for paid bookings.

use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{attrs, spawn_app, texts};
use crate::holds::hold;

use super::{
    admin, api, booking_id, booking_status, buyer_named, emails_about, free_seats, held,
    money_back, paid, refund_by_api, ticket_statuses, two_events,
};

#[actix_web::test]
async fn a_manual_refund_submitted_twice_at_once_refunds_once_voids_tickets_and_frees_the_seats() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (seats, reference) = paid(&app, &ada, event).await;
    let id = booking_id(&app, &reference);
    let token = admin(&app).await;
    let page = format!("/admin/bookings/{reference}");
    let (_, doc) = app.get_html(&page).await;
    assert_eq!(attrs(&doc, "#refund-form textarea", "name"), ["reason"]);

    // The first step only asks for confirmation.
    let csrf = app.csrf_token(&page).await;
    let action = format!("/admin/bookings/{reference}/refund");
    let res = app
        .client
        .post(app.url(&action))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("reason", "Customer asked by phone"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let confirm = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        texts(&confirm, "#refund-confirm q"),
        ["Customer asked by phone"]
    );
    assert_eq!(
        attrs(&confirm, "#refund-form input[name=confirm]", "value"),
        ["yes"]
    );
    assert_eq!(booking_status(&app, &reference), "paid");

    // Confirmed twice at once.
    let send = || {
        app.client
            .post(app.url(&action))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("reason", "Customer asked by phone"),
                ("confirm", "yes"),
            ])
            .send()
    };
    let (one, two) = futures_util::future::join(send(), send()).await;
    assert_eq!(one.unwrap().status(), 303);
    assert_eq!(two.unwrap().status(), 303);
    assert_eq!(booking_status(&app, &reference), "refunded");
    app.run_worker();
    app.run_worker();

    let (refunds, gateway, cents, payments) = money_back(&app, &reference);
    let total: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::bookings::dsl as b;
        b::bookings
            .filter(b::id.eq(id))
            .select(b::total_cents)
            .first(c)
            .unwrap()
    });
    assert_eq!(
        (refunds, gateway, cents),
        (1, 1, total),
        "refunded once, in full"
    );
    assert_eq!(payments, ["refunded"]);
    assert_eq!(ticket_statuses(&app, &reference), ["void", "void"]);
    assert_eq!(emails_about(&app, &reference, "booking_refunded"), 1);
    let map = free_seats(&app, event).await;
    assert!(
        seats.iter().all(|s| map.contains(s)),
        "the seats are on sale again"
    );
    let audits: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::audit_log::dsl as a;
        a::audit_log
            .filter(a::action.eq("booking.refunded"))
            .filter(a::subject_id.eq(Some(id)))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(audits, 1);

    // Again through the API: harmless, answers the booking as it is.
    let (status, body) = refund_by_api(&app, &token, &reference, json!({"reason": "again"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "refunded");
    assert_eq!(body["refunds"].as_array().unwrap().len(), 1);
    assert_eq!(body["refunds"][0]["status"], "succeeded");
    app.run_worker();
    assert_eq!(money_back(&app, &reference).1, 1);

    // The seats can be bought again.
    let bob = buyer_named(&app, "Bob Stone", "bob@example.org").await;
    let (status, _) = hold(&app, &bob, event, json!({ "seat_ids": seats })).await;
    assert_eq!(status, 201);
}

#[actix_web::test]
async fn the_api_refund_answers_202_with_the_booking_and_sends_the_buyer_an_email() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (_, reference) = paid(&app, &ada, event).await;
    let token = admin(&app).await;
    let (status, body) =
        refund_by_api(&app, &token, &reference, json!({"reason": "Double booked"})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "refunded");
    assert_eq!(body["refunds"][0]["status"], "pending");
    assert_eq!(body["user"]["email"], "ada@example.com");
    app.run_worker();
    let (refunds, gateway, _, payments) = money_back(&app, &reference);
    assert_eq!((refunds, gateway), (1, 1));
    assert_eq!(payments, ["refunded"]);
    let sent: Vec<String> = std::fs::read_dir(&app.settings.mail_dir)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .filter(|t| t.contains(&format!("Your booking {reference} has been refunded")))
        .collect();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("Double booked"));
}

#[actix_web::test]
async fn refunding_a_booking_that_is_not_paid_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (seats, reference) = held(&app, &ada, event).await;
    let token = admin(&app).await;
    let (status, body) =
        refund_by_api(&app, &token, &reference, json!({"reason": "Why not"})).await;
    assert_eq!(status, 409, "{body}");
    let page = format!("/admin/bookings/{reference}");
    let (_, doc) = app.get_html(&page).await;
    assert!(
        attrs(&doc, "#refund-form", "action").is_empty(),
        "no refund form for a pending booking"
    );
    let csrf = app.csrf_token(&page).await;
    let res = app
        .client
        .post(app.url(&format!("{page}/refund")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("reason", "Why not"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, after) = app.get_html(&page).await;
    assert!(
        texts(&after, "body")
            .join(" ")
            .contains("Only a paid booking can be refunded")
    );
    assert_eq!(booking_status(&app, &reference), "pending");
    assert_eq!(money_back(&app, &reference).0, 0);
    assert_eq!(emails_about(&app, &reference, "booking_refunded"), 0);
    let map = free_seats(&app, event).await;
    assert!(seats.iter().all(|s| !map.contains(s)), "still held");
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::POST,
        "/api/v1/admin/bookings/NOSUCHREF1/refund",
        Some(json!({"reason": "x"})),
    )
    .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn a_refund_without_a_reason_is_shown_again_with_422_and_changes_nothing() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (_, reference) = paid(&app, &ada, event).await;
    let token = admin(&app).await;
    let page = format!("/admin/bookings/{reference}");
    let csrf = app.csrf_token(&page).await;
    for reason in ["", "   ", &"x".repeat(501)] {
        let res = app
            .client
            .post(app.url(&format!("{page}/refund")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("reason", reason),
                ("confirm", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let doc = scraper::Html::parse_document(&res.text().await.unwrap());
        assert_eq!(texts(&doc, "#reason-error").len(), 1);
        assert_eq!(attrs(&doc, "#reason", "aria-invalid"), ["true"]);
        assert_eq!(
            attrs(&doc, "#refund-form input[name=csrf_token]", "type"),
            ["hidden"]
        );
    }
    let (status, body) = refund_by_api(&app, &token, &reference, json!({})).await;
    assert_eq!(status, 422);
    assert!(body["errors"]["reason"].is_string(), "{body}");
    assert_eq!(booking_status(&app, &reference), "paid");
    assert_eq!(money_back(&app, &reference).0, 0);
    assert_eq!(ticket_statuses(&app, &reference), ["valid", "valid"]);
    assert_eq!(emails_about(&app, &reference, "booking_refunded"), 0);
}
