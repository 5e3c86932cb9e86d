//! The waiting room's figures: rooms open, people in line and admitted, refused admissions and
//! polls, as this instance last read them.

use boxoffice::domain::ids::EventId;
use boxoffice::services::queue;
use serde_json::json;

use super::{metrics_app, moved, scrape};
use crate::holds::{buyer, hold, seated_event};
use crate::queue::polls::wait_token;

#[actix_web::test]
async fn the_waiting_rooms_figures_show_the_line_refusals_and_polls() {
    let app = metrics_app(true, |_| {}).await;
    let ada = buyer(&app, 1).await;
    let (event, free, _) = seated_event(&app, 1).await;
    let before = scrape(&app).await;
    assert_eq!(before.get("boxoffice_waiting_room_rooms_open"), 0.0);

    let anyone = queue::RoomSettings {
        rate_per_minute: Some(60),
        require_account: false,
        ..queue::default_settings()
    };
    queue::configure(&app.db, EventId(event), &anyone, app.clock.now()).unwrap();
    let tickets: Vec<_> = (0..3)
        .map(|_| {
            queue::join(&app.db, EventId(event), None, app.clock.now())
                .unwrap()
                .ticket
        })
        .collect();
    app.refresh_queue();
    // A hold with no admission is turned away at the gate.
    let (status, _) = hold(&app, &ada, event, json!({ "seat_ids": [free[0]] })).await;
    assert_eq!(status, 403);
    for t in &tickets[..2] {
        let res = app
            .client
            .get(app.url(&format!("/api/v1/events/{event}/queue")))
            .header("Queue-Token", wait_token(&app, t))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    let after = scrape(&app).await;
    assert_eq!(after.get("boxoffice_waiting_room_rooms_open"), 1.0);
    assert_eq!(after.get("boxoffice_waiting_room_waiting"), 3.0);
    assert_eq!(after.get("boxoffice_waiting_room_active"), 0.0);
    assert_eq!(
        moved(
            &before,
            &after,
            &[
                r#"boxoffice_waiting_room_refusals_total{reason="missing"}"#,
                "boxoffice_waiting_room_polls_total",
            ]
        ),
        [1.0, 2.0]
    );
}
