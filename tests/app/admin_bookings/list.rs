//! The booking list's filters and one booking's timeline.

use chrono::TimeDelta;

use crate::helpers::{attrs, spawn_app, texts};
use crate::holds::call;

use super::{admin, api, buyer_named, count_where, held, paid, pay, references, set, two_events};

#[actix_web::test]
async fn the_list_filters_by_event_status_reference_email_and_name_exactly() {
    let app = spawn_app().await;
    let (event, other) = two_events(&app, 4).await;
    let ada = buyer_named(&app, "Zyxada Lovelace", "ada@abtest.example.com").await;
    let bob = buyer_named(&app, "Bob Stone", "bob@abtest.example.org").await;
    let cyd = buyer_named(&app, "Cyd Zyxada-Smith", "cyd@abtest.example.net").await;
    let (_, a) = paid(&app, &ada, event).await;
    app.clock.advance(TimeDelta::minutes(1));
    let (_, b) = held(&app, &bob, event).await;
    app.clock.advance(TimeDelta::minutes(1));
    let (_, c) = paid(&app, &cyd, other).await;
    let token = admin(&app).await;
    let get = |query: String| {
        let token = token.clone();
        let app = &app;
        async move {
            let (status, body) = api(
                app,
                &token,
                reqwest::Method::GET,
                &format!("/api/v1/admin/bookings{query}"),
                None,
            )
            .await;
            assert_eq!(status, 200, "{query}: {body}");
            body
        }
    };

    let ours = get("?q=abtest".into()).await;
    assert_eq!(ours["total"], 3);
    let order: Vec<&str> = ours["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["reference"].as_str().unwrap())
        .collect();
    assert_eq!(order, [c.as_str(), b.as_str(), a.as_str()], "newest first");
    let first = &ours["items"][2];
    assert_eq!(first["user"]["email"], "ada@abtest.example.com");
    assert_eq!(first["user"]["name"], "Zyxada Lovelace");
    assert_eq!(first["status"], "paid");
    assert_eq!(first["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);

    // Each filter alone: the database's own count, and every row matches.
    for (query, event, status) in [
        (format!("?event_id={event}"), Some(event), None),
        ("?status=paid".to_owned(), None, Some("paid")),
        ("?status=pending".to_owned(), None, Some("pending")),
        (
            format!("?event_id={event}&status=paid"),
            Some(event),
            Some("paid"),
        ),
    ] {
        let list = get(format!("{query}&per_page=100")).await;
        assert_eq!(list["total"], count_where(&app, event, status), "{query}");
        for item in list["items"].as_array().unwrap() {
            if let Some(event) = event {
                assert_eq!(item["event_id"], event, "{query}");
            }
            if let Some(status) = status {
                assert_eq!(item["status"], status, "{query}");
            }
        }
    }
    // And combined with ours, exactly the expected bookings.
    assert_eq!(
        references(&get(format!("?q=abtest&event_id={event}")).await),
        set(&[&a, &b])
    );
    assert_eq!(
        references(&get("?q=abtest&status=paid".into()).await),
        set(&[&a, &c])
    );
    assert_eq!(
        references(&get(format!("?q=abtest&event_id={event}&status=paid")).await),
        set(&[&a])
    );
    assert_eq!(
        references(&get(format!("?q={}", b.to_lowercase())).await),
        set(&[&b]),
        "a reference matches whatever its case"
    );
    assert_eq!(references(&get("?q=BOB%40ABTEST".into()).await), set(&[&b]));
    assert_eq!(
        references(&get("?q=abtest.example.net".into()).await),
        set(&[&c])
    );
    assert_eq!(
        references(&get("?q=ZYXADA".into()).await),
        set(&[&a, &c]),
        "a name anywhere, any case"
    );
    assert_eq!(
        references(&get(format!("?q=zyxada&event_id={other}")).await),
        set(&[&c])
    );
    assert_eq!(
        get("?q=%25".into()).await["total"],
        0,
        "LIKE wildcards are literal"
    );
    assert_eq!(
        get(format!("?q={}", &a[..6])).await["total"],
        0,
        "a reference matches whole, not a prefix"
    );

    let paged = get("?q=abtest&per_page=1&page=2".into()).await;
    assert_eq!(references(&paged), set(&[&b]));
    assert_eq!(
        (
            paged["total"].as_i64(),
            paged["page"].as_i64(),
            paged["per_page"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );

    let (status, bad) = api(
        &app,
        &token,
        reqwest::Method::GET,
        "/api/v1/admin/bookings?status=lost",
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert!(bad["errors"]["status"].is_string(), "{bad}");
    // Pages out of range are refused, every bad field named, not quietly clamped.
    let (status, bad) = api(
        &app,
        &token,
        reqwest::Method::GET,
        "/api/v1/admin/bookings?status=lost&page=0&per_page=101",
        None,
    )
    .await;
    assert_eq!(status, 422);
    for field in ["status", "page", "per_page"] {
        assert!(bad["errors"][field].is_string(), "{field}: {bad}");
    }

    // The page: the same filters, and htmx gets the table alone.
    let (status, page) = app
        .get_html(&format!(
            "/admin/bookings?q=abtest&event_id={event}&status=paid"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        attrs(&page, "#bookings tbody tr", "data-reference"),
        [a.as_str()]
    );
    assert_eq!(
        attrs(&page, "#event_id option[selected]", "value"),
        [event.to_string()]
    );
    assert_eq!(attrs(&page, "#status option[selected]", "value"), ["paid"]);
    assert_eq!(attrs(&page, "#booking-filters", "hx-push-url"), ["true"]);
    let res = app.get_htmx("/admin/bookings?q=bob%40abtest").await;
    assert_eq!(res.status(), 200);
    let fragment = scraper::Html::parse_fragment(&res.text().await.unwrap());
    assert_eq!(
        attrs(&fragment, "#bookings tbody tr", "data-reference"),
        [b.as_str()]
    );
    assert!(
        texts(&fragment, "#booking-filters").is_empty(),
        "only the results"
    );
    let (status, _) = app.get_html("/admin/bookings?event_id=nope").await;
    assert_eq!(status, 422);
}

#[actix_web::test]
async fn the_detail_timeline_has_the_payment_the_email_and_a_check_in_in_time_order() {
    let app = spawn_app().await;
    let ada = buyer_named(&app, "Ada Lovelace", "ada@example.com").await;
    let (event, _) = two_events(&app, 2).await;
    let (_, reference) = held(&app, &ada, event).await;
    app.clock.advance(TimeDelta::minutes(2));
    pay(&app, &ada, &reference).await;
    app.clock.advance(TimeDelta::hours(3));
    let token = admin(&app).await;
    let (_, mine) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    let code = mine["tickets"][0]["code"].as_str().unwrap().to_owned();
    let csrf = app
        .csrf_token(&format!("/admin/checkin?event={event}"))
        .await;
    let res = app
        .client
        .post(app.url("/admin/checkin"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("event", &event.to_string()),
            ("code", &code),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let (status, detail) = api(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/admin/bookings/{reference}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["user"]["email"], "ada@example.com");
    assert_eq!(detail["payments"][0]["status"], "succeeded");
    assert_eq!(detail["emails"][0]["kind"], "booking_confirmed");
    let timeline = detail["timeline"].as_array().unwrap();
    let at = |needle: &str| {
        timeline
            .iter()
            .position(|e| e["text"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in {timeline:?}"))
    };
    let (created, payment, email, check_in) = (
        at("Booking created"),
        at("succeeded"),
        at("Email booking_confirmed queued"),
        at("checked in"),
    );
    assert!(
        created < payment && payment < email && email < check_in,
        "{timeline:?}"
    );
    let times: Vec<&str> = timeline.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "oldest first");
    assert_ne!(timeline[created]["at"], timeline[check_in]["at"]);
    assert_eq!(timeline[check_in]["kind"], "check_in");

    let (status, page) = app
        .get_html(&format!("/admin/bookings/{}", reference.to_lowercase()))
        .await;
    assert_eq!(status, 200);
    let kinds = attrs(&page, "ol#timeline li", "data-kind");
    assert_eq!(kinds.len(), timeline.len());
    assert_eq!(kinds.last().map(String::as_str), Some("check_in"));
    assert_eq!(
        attrs(&page, "#tickets tbody tr", "data-ticket-status")
            .iter()
            .filter(|s| *s == "checked_in")
            .count(),
        1
    );
    let (status, _) = app.get_html("/admin/bookings/NOSUCHREF1").await;
    assert_eq!(status, 404);
}
