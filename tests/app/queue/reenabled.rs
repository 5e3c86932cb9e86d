//! A room turned off during its pre-queue and on again after the sale started must still draw
//! its pre-queue (A1 of WAITING_ROOM.md §4: the pre-queue is numbered 1..=N, later joiners come
//! after it).

use chrono::TimeDelta;

use boxoffice::domain::queue::{Phase, TicketState};
use boxoffice::services::queue::{self, RoomSettings};

use super::{fresh_prequeue, join_many, on_sale_events, room, set_clock, settings, tick, ticket};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn a_room_turned_off_in_its_prequeue_and_on_after_the_sale_still_draws() {
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    let s = settings(Some(60), None);
    let sale = app.clock.now() + TimeDelta::minutes(10);
    fresh_prequeue(&app, event, &s, sale);
    let early = join_many(&app, event, 5);

    // The box office turns the room off for a while; the sale starts meanwhile.
    let off = RoomSettings {
        enabled: false,
        ..s.clone()
    };
    let r = queue::configure(&app.db, event, &off, app.clock.now()).unwrap();
    assert_eq!(r.phase, Phase::Off);
    set_clock(&app, sale + TimeDelta::minutes(1));
    queue::configure(&app.db, event, &s, app.clock.now()).unwrap();
    app.clock.advance(TimeDelta::seconds(3));
    tick(&app, event);
    let late = join_many(&app, event, 1)[0];
    for _ in 0..10 {
        app.clock.advance(TimeDelta::seconds(1));
        tick(&app, event);
    }

    let mut drawn: Vec<i64> = early
        .iter()
        .filter_map(|id| ticket(&app, *id).seq)
        .collect();
    drawn.sort_unstable();
    let late_seq = ticket(&app, late).seq;
    assert_eq!(
        drawn,
        [1, 2, 3, 4, 5],
        "the pre-queue is numbered first (the later joiner got {late_seq:?}, the cursor is at {})",
        room(&app, event).cursor
    );
    assert_eq!(
        ticket(&app, late).seq,
        Some(6),
        "the later joiner comes after it"
    );
    assert_eq!(
        room(&app, event).cursor,
        6,
        "and everyone is called in that order"
    );
    assert!(
        early
            .iter()
            .all(|id| ticket(&app, *id).state == TicketState::Waiting)
    );
}
