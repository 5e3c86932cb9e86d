//! D1 (WAITING_ROOM.md §4): paying ends the buyer's turn in the payment's own commit, and the
//! next tick calls a replacement into the slot.

use serde_json::json;

use boxoffice::domain::ids::{EventId, UserId};
use boxoffice::domain::queue::TicketState;
use boxoffice::services::queue::{self, Claim};

use crate::helpers::spawn_app;
use crate::holds::{buyer, call, hold, seated_event};
use crate::payments::{card_ok, pay};

use super::{room, settings, tick, ticket};

#[actix_web::test]
async fn a_paid_booking_ends_the_turn_and_the_next_tick_calls_a_replacement() {
    let app = spawn_app().await;
    let ada = buyer(&app, 1).await;
    let (status, me) = call(&app, &ada, reqwest::Method::GET, "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    let ada_id = UserId(me["id"].as_i64().unwrap());
    let (event, free, _) = seated_event(&app, 2).await;
    let event_id = EventId(event);

    // One slot; Ada first in line, someone else behind her.
    queue::configure(&app.db, event_id, &settings(None, Some(1)), app.clock.now()).unwrap();
    let hers = queue::join(&app.db, event_id, Some(ada_id), app.clock.now())
        .unwrap()
        .ticket
        .id;
    let next = queue::join(&app.db, event_id, None, app.clock.now())
        .unwrap()
        .ticket
        .id;
    assert_eq!(tick(&app, event_id).called, 1);
    assert_eq!(room(&app, event_id).cursor, 1);
    assert!(matches!(
        queue::claim(&app.db, hers, app.clock.now()).unwrap(),
        Claim::Admitted { .. }
    ));
    assert_eq!(tick(&app, event_id).called, 0, "the one slot is hers");

    let (status, booking) = hold(&app, &ada, event, json!({"seat_ids": [free[0]]})).await;
    assert_eq!(status, 201, "{booking}");
    let reference = booking["reference"].as_str().unwrap();
    let (status, payment) = pay(&app, &ada, reference, "queue-d1", "card").await;
    assert_eq!(status, 201, "{payment}");
    assert_eq!(
        ticket(&app, hers).state,
        TicketState::Active,
        "not yet paid"
    );
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    let (_, paid) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert_eq!(paid["status"], "paid", "{paid}");

    let done = ticket(&app, hers);
    assert_eq!(done.state, TicketState::Done);
    assert!(done.ended_at.is_some());
    // The worker's pass ran its periodic tasks too, the queue's tick among them: it has
    // already called the next in line into the freed slot (before the payment no tick could).
    let after = room(&app, event_id);
    assert_eq!(
        (after.cursor, after.stats_called_unclaimed),
        (2, 1),
        "{after:?}"
    );
    assert_eq!(
        tick(&app, event_id).called,
        0,
        "the slot is the replacement's now"
    );
    assert_eq!(ticket(&app, next).state, TicketState::Waiting);
}
