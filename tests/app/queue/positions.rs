//! A4 (WAITING_ROOM.md §4): a ticket's "people ahead" never increases across successive polls.
//! A property test over random operation sequences (joins, ticks after a few seconds, gaps
//! without a tick, claims, leaves, finished turns, pauses, rate and cap changes, the room
//! turned off and on again, across the draw): after every operation each waiting, numbered
//! ticket's people ahead is read as a poll computes it (`seq − cursor − 1`, from the room row
//! and the ticket row) and compared with its previous reading. Each case gets a fresh room on
//! the test's one event; 16 cases, so it stays quick on PostgreSQL.

use std::collections::HashMap;

use chrono::TimeDelta;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use boxoffice::domain::ids::QueueTicketId;
use boxoffice::domain::queue::TicketState;
use boxoffice::services::queue::{self, RoomSettings};

use super::{fresh_prequeue, on_sale_events, room, settings, tick, tickets_of};
use crate::helpers::{TestApp, spawn_app};

#[derive(Debug, Clone)]
enum Op {
    Join(u8),
    /// Seconds pass, then the room ticks.
    Tick(u8),
    /// Seconds pass with no tick (the worker is away).
    Gap(u16),
    Claim(usize),
    Leave(usize),
    Finish(usize),
    Pause(bool),
    Rate(i32),
    Cap(i32),
    Enabled(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u8..=3).prop_map(Op::Join),
        6 => (0u8..=10).prop_map(Op::Tick),
        1 => (0u16..=400).prop_map(Op::Gap),
        3 => any::<usize>().prop_map(Op::Claim),
        1 => any::<usize>().prop_map(Op::Leave),
        2 => any::<usize>().prop_map(Op::Finish),
        1 => any::<bool>().prop_map(Op::Pause),
        1 => prop::sample::select(vec![6, 60, 120, 600]).prop_map(Op::Rate),
        1 => (1i32..=5).prop_map(Op::Cap),
        1 => any::<bool>().prop_map(Op::Enabled),
    ]
}

/// One case: the room's settings as the ops left them, and the readings so far.
struct Case<'a> {
    app: &'a TestApp,
    event: boxoffice::domain::ids::EventId,
    settings: RoomSettings,
    tickets: Vec<QueueTicketId>,
    /// Per waiting ticket: its seq and people ahead at the last reading.
    seen: HashMap<QueueTicketId, (i64, i64)>,
    cursor: i64,
    readings: usize,
}

impl Case<'_> {
    fn pick(&self, i: usize) -> Option<QueueTicketId> {
        (!self.tickets.is_empty()).then(|| self.tickets[i % self.tickets.len()])
    }

    fn apply(&mut self, op: &Op) {
        let (db, event, now) = (&self.app.db, self.event, self.app.clock.now());
        match *op {
            Op::Join(n) => {
                for _ in 0..n {
                    // Refused while the room is off; that is part of the sequence too.
                    if let Ok(joined) = queue::join(db, event, None, now) {
                        self.tickets.push(joined.ticket.id);
                    }
                }
            }
            Op::Tick(s) => {
                self.app.clock.advance(TimeDelta::seconds(i64::from(s)));
                tick(self.app, event);
            }
            Op::Gap(s) => self.app.clock.advance(TimeDelta::seconds(i64::from(s))),
            Op::Claim(i) => {
                if let Some(id) = self.pick(i) {
                    queue::claim(db, id, now).unwrap();
                }
            }
            Op::Leave(i) => {
                if let Some(id) = self.pick(i) {
                    queue::leave(db, id, now).unwrap();
                }
            }
            Op::Finish(i) => {
                if let Some(id) = self.pick(i) {
                    queue::finish(db, id, now).unwrap();
                }
            }
            Op::Pause(paused) => {
                self.settings.paused = paused;
                queue::set_paused(db, event, paused, now).unwrap();
            }
            Op::Rate(r) => self.configure(|s| s.rate_per_minute = Some(r)),
            Op::Cap(m) => self.configure(|s| s.max_active = Some(m)),
            Op::Enabled(on) => self.configure(|s| s.enabled = on),
        }
    }

    fn configure(&mut self, change: impl FnOnce(&mut RoomSettings)) {
        change(&mut self.settings);
        // Pausing goes through `set_paused`; the settings carry the room's current state.
        self.settings.paused = room(self.app, self.event).paused;
        queue::configure(
            &self.app.db,
            self.event,
            &self.settings,
            self.app.clock.now(),
        )
        .unwrap();
    }

    /// Every waiting, numbered ticket's people ahead, as a poll computes it, against its last
    /// reading.
    fn observe(&mut self, after: &Op) -> Result<(), TestCaseError> {
        let r = room(self.app, self.event);
        prop_assert!(
            r.cursor >= self.cursor,
            "the cursor went back after {:?}",
            after
        );
        self.cursor = r.cursor;
        for t in tickets_of(self.app, self.event) {
            let Some(seq) = t.seq.filter(|_| t.state == TicketState::Waiting) else {
                continue;
            };
            let ahead = seq - r.cursor - 1;
            if let Some((seq_before, ahead_before)) = self.seen.insert(t.id, (seq, ahead)) {
                prop_assert_eq!(seq, seq_before, "{:?} renumbered after {:?}", t.id, after);
                prop_assert!(
                    ahead <= ahead_before,
                    "{:?}: {} ahead, then {} after {:?}",
                    t.id,
                    ahead_before,
                    ahead,
                    after
                );
            }
            self.readings += 1;
        }
        Ok(())
    }
}

#[actix_web::test]
async fn people_ahead_never_increases_across_polls() {
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    let started = std::time::Instant::now();
    let mut runner = TestRunner::new(Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    });
    let readings = std::cell::Cell::new(0);
    let strategy = proptest::collection::vec(op(), 20..80);
    let result = runner.run(&strategy, |ops| {
        let s = RoomSettings {
            admission_minutes: 1,
            claim_seconds: 20,
            grace_minutes: 1,
            ..settings(Some(120), Some(3))
        };
        let sale = app.clock.now() + TimeDelta::seconds(15);
        fresh_prequeue(&app, event, &s, sale);
        let mut case = Case {
            app: &app,
            event,
            settings: s,
            tickets: Vec::new(),
            seen: HashMap::new(),
            cursor: 0,
            readings: 0,
        };
        case.apply(&Op::Join(3));
        for op in &ops {
            case.apply(op);
            case.observe(op)?;
        }
        readings.set(readings.get() + case.readings);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "A4: 16 cases, {} readings, {:.1} s",
        readings.get(),
        started.elapsed().as_secs_f64()
    );
    assert!(readings.get() > 100, "the cases read some positions");
}
