//! F5 and D6 (WAITING_ROOM.md §4) through the status fragment: the box office's message and a
//! pause reach every waiting page on its next poll after the snapshot is read (once a second
//! in production), and a sold-out room says so and stops the polls, calling nobody more.

use chrono::TimeDelta;
use diesel::prelude::*;

use boxoffice::db::schema::event_sections;
use boxoffice::domain::queue::Phase;
use boxoffice::services::queue;

use super::{on_sale_events, room, tick};
use crate::helpers::spawn_app;

/// A waiting ticket's token for `event`, as the join answer gives it.
async fn waiting_token(app: &crate::helpers::TestApp, event: i64) -> String {
    let browser = app.new_browser();
    let page = format!("/events/{event}/queue");
    let res = app.submit(&browser, &page, &page, &[]).await;
    assert_eq!(res.status(), 303);
    res.headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            let v = v.to_str().ok()?;
            Some(
                v.strip_prefix("boxoffice_queue=")?
                    .split(';')
                    .next()?
                    .to_owned(),
            )
        })
        .expect("a place")
}

async fn fragment(app: &crate::helpers::TestApp, event: i64, token: &str) -> String {
    app.client
        .get(app.url(&format!("/events/{event}/queue/status")))
        .header("HX-Request", "true")
        .header("Queue-Token", token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_box_offices_message_and_a_pause_show_on_the_next_poll() {
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    let mut s = queue::RoomSettings {
        rate_per_minute: Some(1),
        require_account: false,
        ..queue::default_settings()
    };
    queue::configure(&app.db, event, &s, app.clock.now()).unwrap();
    app.refresh_queue();
    let first = waiting_token(&app, event.0).await;
    let token = waiting_token(&app, event.0).await;
    assert_ne!(first, token);
    let before = fragment(&app, event.0, &token).await;
    assert!(
        before.contains("You&#39;re in line") || before.contains("re in line"),
        "{before}"
    );
    assert!(!before.contains("queue-message"));

    s.message = Some("Doors open at 19:00; bring your ID.".to_owned());
    s.paused = true;
    queue::configure(&app.db, event, &s, app.clock.now()).unwrap();
    // Until the snapshot is read again the pages keep what they had…
    assert!(!fragment(&app, event.0, &token).await.contains("Doors open"));
    // …and on the first poll after it, every page has the message and the pause.
    app.refresh_queue();
    let after = fragment(&app, event.0, &token).await;
    assert!(
        after.contains("Doors open at 19:00; bring your ID."),
        "{after}"
    );
    assert!(after.contains("Paused by the box office"), "{after}");
    assert!(
        !after.contains("id=\"queue-wait\""),
        "no estimate while paused: {after}"
    );
    assert!(
        after.contains("hx-trigger=\"load delay:"),
        "still polling: {after}"
    );
}

#[actix_web::test]
async fn a_sold_out_room_says_so_stops_the_polls_and_calls_nobody() {
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    let s = queue::RoomSettings {
        rate_per_minute: Some(60),
        require_account: false,
        ..queue::default_settings()
    };
    queue::configure(&app.db, event, &s, app.clock.now()).unwrap();
    app.refresh_queue();
    let tokens = [
        waiting_token(&app, event.0).await,
        waiting_token(&app, event.0).await,
    ];
    // Everything sells (the counters every hold and sale keep, set here at once).
    app.with_conn(|c| {
        diesel::update(event_sections::table.filter(event_sections::event_id.eq(event)))
            .set((
                event_sections::sold.eq(event_sections::capacity - event_sections::blocked),
                event_sections::held.eq(0),
            ))
            .execute(c)
            .unwrap()
    });
    app.clock.advance(TimeDelta::seconds(2));
    let t = tick(&app, event);
    assert!(t.closed, "{t:?}");
    assert_eq!(t.called, 0);
    assert_eq!(room(&app, event).phase, Phase::Closed);
    // D6: within a snapshot (a second), every waiting page says sold out and stops polling.
    app.refresh_queue();
    for token in &tokens {
        let html = fragment(&app, event.0, token).await;
        assert!(html.contains("Sold out"), "{html}");
        assert!(!html.contains("hx-trigger"), "polling stops: {html}");
    }
    app.clock.advance(TimeDelta::seconds(10));
    assert_eq!(tick(&app, event).called, 0, "nobody more is called");
    assert_eq!(room(&app, event).cursor, 0);
}
