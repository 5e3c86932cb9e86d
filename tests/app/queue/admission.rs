//! B1, B2, B5: the rate, the cap, and pausing, with the clock stepped one second per tick.

use chrono::TimeDelta;

use boxoffice::domain::queue::TicketState;
use boxoffice::services::queue::{self, Claim};

use super::{calls, join_many, occupied, open_room, room, settings, tick, ticket};
use crate::helpers::spawn_app;

fn step(app: &crate::helpers::TestApp) {
    app.clock.advance(TimeDelta::seconds(1));
}

#[actix_web::test]
async fn the_rate_calls_120_a_minute_in_every_window_and_1200_in_ten_minutes() {
    let app = spawn_app().await;
    let event = open_room(&app, &settings(Some(120), None));
    // More than ten minutes' worth, so the queue never runs dry.
    join_many(&app, event, 1_300);
    let mut per_tick = Vec::new();
    for _ in 0..600 {
        step(&app);
        per_tick.push(tick(&app, event).called);
    }
    for (start, window) in per_tick.windows(60).enumerate() {
        let n: i64 = window.iter().sum();
        assert!(
            (114..=126).contains(&n),
            "{n} calls in the minute from {start} s"
        );
    }
    let total: i64 = per_tick.iter().sum();
    assert!(
        (1_198..=1_202).contains(&total),
        "{total} calls in ten minutes"
    );
    // The log agrees: contiguous ranges, one row per moving tick, the cursor at the end.
    let log = calls(&app, event);
    assert_eq!(log.len(), per_tick.iter().filter(|&&n| n > 0).count());
    let mut next = 1;
    for (from, to, _) in &log {
        assert_eq!(*from, next, "calls are contiguous");
        next = to + 1;
    }
    assert_eq!(room(&app, event).cursor, total);
    assert_eq!(next - 1, total);
}

#[actix_web::test]
async fn the_cap_is_never_exceeded_and_finished_turns_are_replaced_within_two_ticks() {
    let app = spawn_app().await;
    let event = open_room(&app, &settings(None, Some(50)));
    let ids = join_many(&app, event, 200);
    step(&app);
    assert_eq!(tick(&app, event).called, 50);
    assert_eq!(occupied(&app, event), 50);
    // Everyone called claims in time; the cap still holds, and nobody more is called.
    for id in &ids[..50] {
        assert!(matches!(
            queue::claim(&app.db, *id, app.clock.now()).unwrap(),
            Claim::Admitted { late: false, .. }
        ));
    }
    assert_eq!(
        queue::claim(&app.db, ids[50], app.clock.now()).unwrap(),
        Claim::NotCalled
    );
    for _ in 0..3 {
        step(&app);
        assert_eq!(tick(&app, event).called, 0);
        assert_eq!(occupied(&app, event), 50);
    }
    // Ten buyers are done (the payment path will do this): ten more are called at once.
    for id in &ids[..10] {
        assert!(queue::finish(&app.db, *id, app.clock.now()).unwrap());
        assert_eq!(ticket(&app, *id).state, TicketState::Done);
    }
    assert!(
        !queue::finish(&app.db, ids[0], app.clock.now()).unwrap(),
        "once"
    );
    let mut replaced = 0;
    for _ in 0..2 {
        step(&app);
        replaced += tick(&app, event).called;
        assert!(occupied(&app, event) <= 50);
    }
    assert!(replaced >= 10, "{replaced} called after ten finished");
    assert_eq!(occupied(&app, event), 50);
    assert_eq!(room(&app, event).cursor, 60);
    // Turns that run out free their slots too (by timestamp: 15 minutes after the claims).
    app.clock.advance(TimeDelta::minutes(15));
    assert_eq!(
        tick(&app, event).called,
        50,
        "40 lapsed turns and 10 unclaimed calls"
    );
    assert_eq!(ticket(&app, ids[10]).state, TicketState::Lapsed);
    assert_eq!(occupied(&app, event), 50);
}

#[actix_web::test]
async fn a_paused_room_calls_nobody_and_resumes_within_the_burst() {
    let app = spawn_app().await;
    // R = 60 a minute: one a second, a burst of five.
    let event = open_room(&app, &settings(Some(60), None));
    join_many(&app, event, 200);
    for _ in 0..10 {
        step(&app);
        assert_eq!(tick(&app, event).called, 1);
    }
    queue::set_paused(&app.db, event, true, app.clock.now()).unwrap();
    let (cursor, logged) = (room(&app, event).cursor, calls(&app, event).len());
    assert_eq!(cursor, 10);
    for _ in 0..30 {
        step(&app);
        assert_eq!(tick(&app, event).called, 0);
    }
    assert_eq!(
        room(&app, event).cursor,
        cursor,
        "the cursor stays while paused"
    );
    assert_eq!(calls(&app, event).len(), logged);
    queue::set_paused(&app.db, event, false, app.clock.now()).unwrap();
    for _ in 0..5 {
        step(&app);
        let called = tick(&app, event).called;
        assert!(called <= 5, "{called} called by one tick after the pause");
        assert_eq!(called, 1);
    }
    // A missed minute of ticks catches up by the burst at most (5 s of the rate).
    app.clock.advance(TimeDelta::seconds(60));
    assert_eq!(tick(&app, event).called, 5);
    step(&app);
    assert_eq!(tick(&app, event).called, 1);
}
