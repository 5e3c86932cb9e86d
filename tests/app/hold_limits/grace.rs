//! A basket in its payment grace takes no new holds.

use chrono::TimeDelta;

use crate::helpers::spawn_app;

/// A basket whose own hold ran out and that lives on only while a payment is confirmed takes
/// no new holds: the buyer is told, and the basket is unchanged.
#[actix_web::test]
async fn a_basket_in_its_payment_grace_takes_no_new_holds() {
    use crate::holds::{buyer, call, hold, seat_statuses};
    use crate::payments::pay;
    use serde_json::json;
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (event, free, _) = crate::holds::seated_event(&app, 2).await;
    let (status, held) = hold(&app, &ada, event, json!({"seat_ids": [free[0]]})).await;
    assert_eq!(status, 201, "{held}");
    let reference = held["reference"].as_str().unwrap().to_owned();
    let (status, payment) = pay(&app, &ada, &reference, "grace-1", "card").await;
    assert_eq!(status, 201, "{payment}");
    // Past the hold's own end, within the payment's grace.
    app.clock
        .advance(TimeDelta::seconds(app.settings.hold_seconds as i64 + 30));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("time to pay has ended; a payment is being confirmed"),
        "{body}"
    );
    let (_, view) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert_eq!(view["status"], "pending", "{view}");
    assert_eq!(view["items"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(view["total_cents"], held["total_cents"], "{view}");
    assert_eq!(seat_statuses(&app, event).await[&free[1]], "available");
}
