//! A seat given back cannot be held again at once by the same account; the map says when.

use chrono::TimeDelta;
use diesel::prelude::*;

use boxoffice::domain::ids::{EventId, SeatId};
use boxoffice::services::holds::{self};

use crate::helpers::TestApp;

use super::{N, browser_of, user_id};

/// After cancelling, releasing a seat, or letting a hold run out, the same account waits out
/// the cooldown before holding those seats (or as many places of that standing area) again;
/// anyone else may take them at once. The sweeper forgets old releases.
#[actix_web::test]
async fn the_same_account_cannot_hold_again_what_it_just_gave_back() {
    use crate::holds::{buyer, call, hold, standing_area};
    use serde_json::{Value, json};
    let app = crate::helpers::spawn_app_configured(true, |s| s.rehold_cooldown_seconds = 120).await;
    let (ada, bob, carol) = (
        buyer(&app, 1).await,
        buyer(&app, 2).await,
        buyer(&app, 3).await,
    );
    let (event, free, _) = crate::holds::seated_event(&app, 4).await;

    // Cancel, then hold the same seat again: refused, with when.
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[0]]})).await;
    assert_eq!(status, 201, "{body}");
    let reference = body["reference"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &ada,
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert!(status < 300, "cancelled: {status}");
    let res = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/holds")))
        .bearer_auth(&ada.token)
        .json(&json!({"seat_ids": [free[0]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(res.headers()["retry-after"], "120");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["retry_after"], 120, "{body}");
    assert_eq!(body["code"], "rehold_cooldown", "{body}");
    // Anyone else takes it at once.
    let (status, body) = hold(&app, &bob, event, json!({"seat_ids": [free[0]]})).await;
    assert_eq!(status, 201, "{body}");

    // A seat taken out of a basket may go back into that same basket at once (a buyer
    // changing their mind gains no time: the basket's expiry stays), but once that basket has
    // ended, a new one waits out the cooldown for it.
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1], free[2]]})).await;
    assert_eq!(status, 201, "{body}");
    let basket = body["reference"].as_str().unwrap().to_owned();
    let expires_at = body["expires_at"].clone();
    let ada_id = user_id(&app, "buyer1@example.com");
    let release = |seat: i64| {
        holds::release_seat(
            &app.db,
            &app.live,
            ada_id,
            EventId(event),
            SeatId(seat),
            app.clock.now(),
        )
        .unwrap()
    };
    assert!(release(free[1]));
    app.clock.advance(TimeDelta::seconds(30));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 201, "back into the same basket: {body}");
    assert_eq!(body["reference"], basket.as_str());
    assert_eq!(body["expires_at"], expires_at, "no time gained");
    assert!(release(free[1]));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[3]]})).await;
    assert_eq!(status, 201, "another seat is fine: {body}");
    let (status, _) = call(
        &app,
        &ada,
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{basket}"),
    )
    .await;
    assert!(status < 300);
    app.clock.advance(TimeDelta::seconds(30));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 409, "a new basket waits: {body}");
    assert_eq!(body["retry_after"], 90, "{body}");
    // The cooldown over, the seat can be held again.
    app.clock.advance(TimeDelta::seconds(91));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 201, "{body}");

    // A hold that ran out counts as given back when it ran out.
    app.clock.advance(TimeDelta::seconds(900 + 1));
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[1]]})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["retry_after"], 119, "{body}");

    // Standing: after giving back three places, fewer may be held again, never as many.
    let (standing_event, area) = standing_area(&app, 6).await;
    let section = area["section_id"].as_i64().unwrap();
    let places = |n: i64| json!({"standing": {"section_id": section, "quantity": n}});
    let (status, body) = hold(&app, &carol, standing_event, places(3)).await;
    assert_eq!(status, 201, "{body}");
    let reference = body["reference"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &carol,
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert!(status < 300);
    let (status, body) = hold(&app, &carol, standing_event, places(3)).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = hold(&app, &carol, standing_event, places(2)).await;
    assert_eq!(status, 201, "fewer than given back: {body}");
    let (status, body) = hold(&app, &carol, standing_event, places(1)).await;
    assert_eq!(status, 409, "not as many again: {body}");

    // Best available leaves out what the buyer just gave back, rather than refusing.
    let dave = buyer(&app, 4).await;
    let best = json!({"best_available": {"quantity": 2}});
    let (status, first) = hold(&app, &dave, event, best.clone()).await;
    assert_eq!(status, 201, "{first}");
    let seats_of = |booking: &Value| -> std::collections::BTreeSet<i64> {
        booking["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["seat_id"].as_i64())
            .collect()
    };
    let reference = first["reference"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &dave,
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert!(status < 300);
    let (status, second) = hold(&app, &dave, event, best).await;
    assert_eq!(status, 201, "{second}");
    assert!(
        seats_of(&first).is_disjoint(&seats_of(&second)),
        "{first} {second}"
    );

    // The sweeper forgets releases once they can hold nobody back.
    let count = |app: &TestApp| -> i64 {
        app.with_conn(|c| {
            let rows: Vec<N> =
                diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM hold_releases")
                    .load(c)
                    .unwrap();
            rows[0].n
        })
    };
    assert!(count(&app) > 0);
    app.clock.advance(TimeDelta::days(2));
    app.run_worker();
    holds::sweep_expired(&app.db, &app.live, app.clock.now(), 100).unwrap();
    assert_eq!(count(&app), 0);
    // The baskets that ran out were ended and their buyers told, once each.
    assert_eq!(
        app.deliver_emails_listed(),
        [
            "hold_expired buyer2@example.com",
            "hold_expired buyer1@example.com",
            "hold_expired buyer3@example.com",
            "hold_expired buyer4@example.com"
        ]
    );
}

/// The cooldown applies on the pages too, with a message saying when.
#[actix_web::test]
async fn the_seat_map_says_when_a_given_back_seat_can_be_held_again() {
    let app = crate::helpers::spawn_app_configured(true, |s| s.rehold_cooldown_seconds = 120).await;
    let (event, free, _) = crate::holds::seated_event(&app, 1).await;
    crate::holds::buyer(&app, 1).await;
    let browser = browser_of(&app, "buyer1@example.com").await;
    let map = format!("/events/{event}/seats");
    let seat = free[0].to_string();
    let (status, _, _) =
        crate::seatmap::htmx_post(&browser, &app, &map, &map, &[("hold", &seat)]).await;
    assert_eq!(status, 200);
    let (status, _, _) =
        crate::seatmap::htmx_post(&browser, &app, &map, &map, &[("release", &seat)]).await;
    assert_eq!(status, 200);
    let (status, _, answer) =
        crate::seatmap::htmx_post(&browser, &app, &map, &map, &[("hold", &seat)]).await;
    assert_eq!(status, 409);
    let message = crate::helpers::texts(&answer, "#messages").join(" ");
    assert!(
        message.contains("gave these tickets back") && message.contains("2 minutes"),
        "{message}"
    );
}
