//! Resending a confirmation, and the attendee CSV.

use diesel::prelude::*;

use crate::helpers::spawn_app;

use super::{admin, api, buyer_named, emails_about, held, paid, two_events};

#[actix_web::test]
async fn resending_queues_one_more_confirmation_each_time() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (_, reference) = paid(&app, &ada, event).await;
    let token = admin(&app).await;
    assert_eq!(emails_about(&app, &reference, "booking_confirmed"), 1);
    let page = format!("/admin/bookings/{reference}");
    let csrf = app.csrf_token(&page).await;
    let res = app
        .client
        .post(app.url(&format!("{page}/resend")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(emails_about(&app, &reference, "booking_confirmed"), 2);
    let (status, body) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/admin/bookings/{reference}/resend"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["queued"].as_str()),
        (202, Some("booking_confirmed"))
    );
    assert_eq!(emails_about(&app, &reference, "booking_confirmed"), 3);
    app.run_worker();
    let sent: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::email_outbox::dsl as o;
        o::email_outbox
            .filter(o::kind.eq("booking_confirmed"))
            .filter(o::status.eq("sent"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(sent, 3);

    // A booking without tickets gets its last email again.
    let bob = buyer_named(&app, "Bob Stone", "bob@example.org").await;
    let (_, pending) = held(&app, &bob, event).await;
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/admin/bookings/{pending}/resend"),
        None,
    )
    .await;
    assert_eq!(status, 409, "a pending booking has had no email yet");
}

#[actix_web::test]
async fn the_attendee_csv_has_a_line_per_ticket_quoted_and_with_formulas_neutralised() {
    let app = spawn_app().await;
    let (event, _) = two_events(&app, 4).await;
    let eve = buyer_named(&app, "=cmd()", "eve@example.com").await;
    let ada = buyer_named(&app, "Lovelace, Ada \"Countess\"", "ada@example.com").await;
    let (_, evil) = paid(&app, &eve, event).await;
    let (_, countess) = paid(&app, &ada, event).await;
    admin(&app).await;
    let res = app
        .get(&format!("/admin/events/{event}/attendees.csv"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let slug: String = app.with_conn(|c| {
        use boxoffice::db::schema::events::dsl as e;
        e::events
            .filter(e::id.eq(event))
            .select(e::slug)
            .first(c)
            .unwrap()
    });
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"attendees-{slug}.csv\"").as_str()
    );
    let body = res.text().await.unwrap();
    assert!(body.ends_with("\r\n"));
    let lines: Vec<&str> = body.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(
        lines[0],
        "reference,booking_status,buyer_name,buyer_email,section,row,seat,tier,price,currency,ticket_code,ticket_status,checked_in_at"
    );
    let tickets: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::tickets::dsl as t;
        t::tickets
            .filter(t::event_id.eq(event))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(
        lines.len() as i64,
        tickets + 1,
        "a header and a line per ticket"
    );
    let of = |reference: &str| {
        lines
            .iter()
            .filter(|l| l.starts_with(reference))
            .copied()
            .collect::<Vec<_>>()
    };
    let evil_lines = of(&evil);
    assert_eq!(evil_lines.len(), 2);
    assert!(
        evil_lines
            .iter()
            .all(|l| l.starts_with(&format!("{evil},paid,'=cmd(),eve@example.com,"))),
        "{evil_lines:?}"
    );
    let countess_lines = of(&countess);
    assert_eq!(countess_lines.len(), 2);
    assert!(
        countess_lines.iter().all(|l| l.starts_with(&format!(
            "{countess},paid,\"Lovelace, Ada \"\"Countess\"\"\",ada@example.com,"
        ))),
        "{countess_lines:?}"
    );
    assert!(evil_lines[0].contains(",valid,"));
    assert_eq!(
        app.get("/admin/events/999999/attendees.csv").await.status(),
        404
    );
}
