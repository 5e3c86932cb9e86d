//! The booking page is its owner's, and cancelling frees the seats.

use crate::helpers::{attrs, spawn_app, texts};

use super::{PASSWORD, buyer, event_at, htmx_post, page, seat_row};

#[actix_web::test]
async fn the_booking_page_is_its_owners_and_cancelling_frees_the_seats() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let map = format!("/events/{event}/seats");
    htmx_post(
        &ada,
        &app,
        &map,
        &format!("/events/{event}/best"),
        &[("quantity", "2")],
    )
    .await;
    let (_, doc) = page(&ada, &app, &map).await;
    let href = attrs(&doc, "#checkout", "href")[0].clone();
    let reference = href.trim_start_matches("/bookings/").to_owned();
    let seats = attrs(&doc, ".seat[data-status=mine]", "data-seat-id");
    assert_eq!(seats.len(), 2);

    let (status, booking) = page(&ada, &app, &href).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&booking, "#booking-status"), vec!["Awaiting payment"]);
    assert_eq!(texts(&booking, "#booking-lines li").len(), 2);
    assert!(texts(&booking, "#countdown")[0].starts_with("15:00"));
    // Someone else gets a 404 (not a hint that it exists); a signed-out visitor logs in first.
    let (status, _) = page(&bob, &app, &href).await;
    assert_eq!(status, 404);
    let res = app.new_browser().get(app.url(&href)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    // An admin may look.
    app.create_admin("boss@example.com", PASSWORD);
    let admin = app.new_browser();
    app.submit(
        &admin,
        "/login",
        "/login",
        &[("email", "boss@example.com"), ("password", PASSWORD)],
    )
    .await;
    let (status, _) = page(&admin, &app, &href).await;
    assert_eq!(status, 200);

    // Taking one seat out from the booking page, then cancelling the rest.
    let res = app
        .submit(
            &ada,
            &href,
            &format!("{href}/remove"),
            &[("release", &seats[0])],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, booking) = page(&ada, &app, &href).await;
    assert_eq!(texts(&booking, "#booking-lines li").len(), 1);
    let res = app.submit(&bob, &map, &format!("{href}/cancel"), &[]).await;
    assert_eq!(res.status(), 404, "Bob cannot cancel Ada's booking");
    let res = app
        .submit(&ada, &href, &format!("{href}/cancel"), &[])
        .await;
    assert_eq!(res.status(), 303);
    for seat in &seats {
        assert_eq!(seat_row(&app, event, seat.parse().unwrap()).0, "available");
    }
    let (_, booking) = page(&ada, &app, &href).await;
    assert_eq!(texts(&booking, "#booking-status"), vec!["Cancelled"]);
    let (_, json) = app.get_json(&format!("/api/v1/events/{event}/seats")).await;
    assert!(json["seats"].is_array());
    assert!(!reference.is_empty());
}
