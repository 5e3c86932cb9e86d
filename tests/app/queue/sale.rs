//! A3 (WAITING_ROOM.md §4): nobody is admitted out of order. A simulated sale, a minute of
//! pre-queue and then 30 minutes stepped one second at a time, driven by a seeded RNG: joins,
//! leaves (waiting and during a turn), claims (prompt, late within the grace, too late, never,
//! and early ones before the call), finished turns and turns left to run out, pauses and
//! resumes, and rate changes. Checked as it runs: the cap after every tick, each claim against
//! the cursor and the call time, each tick against the pause and the bucket's burst. Checked
//! afterwards from `queue_calls` and the tickets: seq order is call order.

mod sim;

use std::collections::HashMap;

use chrono::TimeDelta;

use boxoffice::domain::ids::QueueTicketId;
use boxoffice::domain::queue::TicketState;

use super::{calls, fresh_prequeue, on_sale_events, tickets_of};
use crate::helpers::spawn_app;
use sim::{CAP, PREQUEUE_SECONDS, SALE_SECONDS, Sim, room_settings};

#[actix_web::test]
async fn a_simulated_sale_calls_and_admits_in_seq_order() {
    let app = spawn_app().await;
    let started = std::time::Instant::now();
    let event = on_sale_events(&app)[0];
    let sale = app.clock.now() + TimeDelta::seconds(PREQUEUE_SECONDS);
    fresh_prequeue(&app, event, &room_settings(60, false), sale);
    let mut sim = Sim::new(&app, event, 60, 20);
    for _ in 0..150 {
        sim.join();
    }
    for _ in 0..PREQUEUE_SECONDS + SALE_SECONDS {
        sim.second();
    }
    let (log, seen) = (sim.log.clone(), &sim.seen);
    eprintln!(
        "A3: {seen:?}, {} calls, cursor {}, {:.1} s",
        log.len(),
        sim.cursor,
        started.elapsed().as_secs_f64()
    );

    // The log is the one the ticks made: contiguous ranges, in time order.
    assert_eq!(calls(&app, event), log);
    let mut next = 1;
    for pair in log.windows(2) {
        assert!(pair[0].2 < pair[1].2, "one call per tick, in time order");
    }
    for (from, to, _) in &log {
        assert_eq!(*from, next, "contiguous");
        next = to + 1;
    }
    // For every pair seq_a < seq_b: called_at(a) <= called_at(b); and nobody's turn began
    // before their call, or after the grace.
    let called_at = |seq: i64| log.iter().find(|c| c.0 <= seq && seq <= c.1).map(|c| c.2);
    let mut numbered: Vec<_> = tickets_of(&app, event)
        .into_iter()
        .filter_map(|t| Some((t.seq?, t)))
        .collect();
    numbered.sort_by_key(|(seq, _)| *seq);
    let mut last = None;
    for (seq, t) in &numbered {
        let at = called_at(*seq);
        assert!(at.is_some() == (*seq <= sim.cursor), "seq {seq}");
        assert!(
            last.is_none() || at.is_none() || last <= at,
            "seq {seq} out of order"
        );
        last = at.or(last);
        if let Some(claimed) = t.claimed_at {
            let at = at.expect("claimed once called");
            assert!(
                at <= claimed && claimed <= at + TimeDelta::minutes(15),
                "{t:?}"
            );
        }
    }
    // Every ticket ended up where the model says.
    let states: HashMap<QueueTicketId, TicketState> = tickets_of(&app, event)
        .into_iter()
        .map(|t| (t.id, t.state))
        .collect();
    for b in &sim.buyers {
        assert_eq!(states[&b.id], sim.expected(b), "{b:?}");
    }
    // The run went through what it is about.
    assert!(
        seen.admitted > 100 && seen.late > 0 && seen.no_slot > 0,
        "{seen:?}"
    );
    assert!(
        seen.missed > 0 && seen.left > 0 && seen.early_refused > 0,
        "{seen:?}"
    );
    assert!(seen.pauses >= 2 && seen.paused_ticks > 0, "{seen:?}");
    assert!(seen.rate_changes >= 2 && seen.finished > 0, "{seen:?}");
    assert_eq!(seen.joins, sim.buyers.len());
    assert_eq!(seen.max_occupied, CAP, "the cap was reached");
}
