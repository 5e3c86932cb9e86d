//! B4 (light, PostgreSQL only): several instances ticking one room at the same seconds call
//! what one instance would, each seq once, with the cursor only moving forward. Each "instance"
//! is a thread with a pool of its own; `FOR UPDATE SKIP LOCKED` lets one of them tick the room
//! at a time and the token bucket gives the others nothing more in the same second.

use std::sync::Barrier;

use chrono::TimeDelta;

use boxoffice::db::Db;
use boxoffice::services::queue;

use super::{calls, join_many, open_room, room, settings};
use crate::helpers::{postgres_url, spawn_app};

const INSTANCES: usize = 3;
const SECONDS: i64 = 300;

#[actix_web::test]
async fn three_instances_ticking_one_room_call_as_one_would() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL unset: several instances need PostgreSQL");
        return;
    }
    let app = spawn_app().await;
    let event = open_room(&app, &settings(Some(120), None));
    join_many(&app, event, 700);
    let start = app.clock.now();
    let barrier = Barrier::new(INSTANCES);
    let outcomes: Vec<Vec<queue::TickOutcome>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..INSTANCES)
            .map(|_| {
                let db = Db::connect(&app.database_url, 2).unwrap();
                let barrier = &barrier;
                s.spawn(move || {
                    (1..=SECONDS)
                        .map(|second| {
                            barrier.wait();
                            let now = start + TimeDelta::seconds(second);
                            queue::tick_room(&db, event, now).unwrap()
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let total: i64 = outcomes.iter().flatten().map(|o| o.called).sum();
    // One instance alone: two a second for 300 s.
    assert!((599..=601).contains(&total), "{total} called");
    let log = calls(&app, event);
    let mut next = 1;
    let mut last_at = start;
    for (from, to, at) in &log {
        assert_eq!(*from, next, "no seq called twice, none skipped");
        assert!(to >= from);
        assert!(*at > last_at, "one moving tick a second at most");
        next = to + 1;
        last_at = *at;
    }
    assert_eq!(room(&app, event).cursor, total);
    let skipped = outcomes.iter().flatten().filter(|o| o.skipped).count();
    eprintln!(
        "{skipped} of {} ticks skipped a locked room",
        INSTANCES as i64 * SECONDS
    );
}
