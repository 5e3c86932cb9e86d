//! D2 (WAITING_ROOM.md §4): with no worker running for a while, turns that ran out (one of them
//! kept going by a hold) and calls never claimed are free by their timestamps alone; the first
//! tick of the worker when it is back counts the slots right, marks the rows, and fills the
//! free slots.

use chrono::TimeDelta;

use boxoffice::db::queue::tickets::keep_turn_for_hold;
use boxoffice::domain::queue::TicketState;
use boxoffice::services::queue::{self, Claim};

use super::{buyers, join_many, occupied, open_room, room, settings, tick, ticket};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn after_a_gap_without_ticks_the_first_tick_counts_the_slots_by_timestamp() {
    let app = spawn_app().await;
    let event = open_room(&app, &settings(None, Some(3)));
    let people = buyers(&app, "gap", 3);
    let mut ids: Vec<_> = people
        .iter()
        .map(|u| {
            let joined = queue::join(&app.db, event, Some(*u), app.clock.now()).unwrap();
            joined.ticket.id
        })
        .collect();
    ids.extend(join_many(&app, event, 7));
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    let t0 = app.clock.now();
    assert_eq!(tick(&app, event).called, 3);
    for id in [a, b] {
        assert!(matches!(
            queue::claim(&app.db, id, t0).unwrap(),
            Claim::Admitted { late: false, .. }
        ));
    }
    // B holds seats until t0 + 40 min: the hold's statement keeps the turn going that long.
    let hold_ends = t0 + TimeDelta::minutes(40);
    assert!(
        app.with_conn(|conn| keep_turn_for_hold(conn, event, people[1], hold_ends, t0).unwrap())
    );
    assert_eq!(ticket(&app, b).active_until, Some(hold_ends));

    // The worker is away for 20 minutes: A's turn ran out at t0 + 15 min, C's call was never
    // claimed and its grace is over. Nothing has touched the rows.
    app.clock.advance(TimeDelta::minutes(20));
    assert_eq!(ticket(&app, a).state, TicketState::Active);
    assert_eq!(ticket(&app, c).state, TicketState::Waiting);
    assert_eq!(occupied(&app, event), 1, "only B's turn, by timestamps");

    // The worker is back: its first pass ticks the room.
    app.run_worker();
    let lapsed = ticket(&app, a);
    assert_eq!(lapsed.state, TicketState::Lapsed);
    assert_eq!(
        lapsed.ended_at,
        Some(t0 + TimeDelta::minutes(15)),
        "when it ran out"
    );
    assert_eq!(ticket(&app, c).state, TicketState::Missed);
    assert_eq!(ticket(&app, b).state, TicketState::Active);
    let r = room(&app, event);
    assert_eq!(r.cursor, 5, "two slots were free: two called");
    assert_eq!((r.stats_active, r.stats_called_unclaimed), (1, 2), "{r:?}");
    assert_eq!(occupied(&app, event), 3);
    app.run_worker();
    assert_eq!(
        room(&app, event).cursor,
        5,
        "a second pass calls nobody more"
    );

    // Away again, past the hold's end and the new calls' grace: everything is free.
    app.clock.advance(TimeDelta::minutes(21));
    assert_eq!(occupied(&app, event), 0);
    assert_eq!(tick(&app, event).called, 3);
    let held = ticket(&app, b);
    assert_eq!(
        (held.state, held.ended_at),
        (TicketState::Lapsed, Some(hold_ends))
    );
    assert_eq!(ticket(&app, ids[3]).state, TicketState::Missed);
    assert_eq!(ticket(&app, ids[4]).state, TicketState::Missed);
    let r = room(&app, event);
    assert_eq!(r.cursor, 8);
    assert_eq!((r.stats_active, r.stats_called_unclaimed), (0, 3), "{r:?}");
}
