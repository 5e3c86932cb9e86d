//! The simulated sale of A3: buyers with plans drawn from a seeded RNG, the admin's pauses
//! and rate changes, and the checks made as it runs (each tick, each claim, each action).

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDateTime, TimeDelta};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use boxoffice::domain::ids::{EventId, QueueTicketId};
use boxoffice::domain::queue::{Phase, TicketState, burst};
use boxoffice::services::queue::{self, Claim, RoomSettings};

use super::super::{counts, room, settings, tick, tickets_of};
use crate::helpers::TestApp;

pub(super) const CAP: i64 = 25;
const RATES: [i32; 5] = [6, 30, 60, 120, 600];
pub(super) const PREQUEUE_SECONDS: i64 = 60;
pub(super) const SALE_SECONDS: i64 = 30 * 60;

fn grace() -> TimeDelta {
    TimeDelta::minutes(15)
}

pub(super) fn room_settings(rate: i32, paused: bool) -> RoomSettings {
    RoomSettings {
        admission_minutes: 4,
        paused,
        ..settings(Some(rate), Some(CAP as i32))
    }
}

/// What a buyer does once called (seconds after the call), decided when they join.
#[derive(Debug, Clone, Copy)]
enum Plan {
    Claim(i64),
    Never,
}

/// What a buyer does once their turn runs (seconds after the claim).
#[derive(Debug, Clone, Copy)]
enum Turn {
    Finish(i64),
    Leave(i64),
    Idle,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Claim,
    Finish,
    Leave,
}

#[derive(Debug)]
pub(super) struct Buyer {
    pub(super) id: QueueTicketId,
    seq: Option<i64>,
    plan: Plan,
    turn: Turn,
    called_at: Option<NaiveDateTime>,
    active_until: Option<NaiveDateTime>,
    state: TicketState,
}

#[derive(Debug, Default)]
pub(super) struct Seen {
    pub(super) joins: usize,
    pub(super) admitted: usize,
    pub(super) late: usize,
    pub(super) no_slot: usize,
    pub(super) missed: usize,
    pub(super) early_refused: usize,
    pub(super) left: usize,
    pub(super) finished: usize,
    pub(super) pauses: usize,
    pub(super) rate_changes: usize,
    pub(super) paused_ticks: usize,
    pub(super) max_occupied: i64,
}

pub(super) struct Sim<'a> {
    app: &'a TestApp,
    event: EventId,
    rng: StdRng,
    pub(super) buyers: Vec<Buyer>,
    by_seq: HashMap<i64, usize>,
    due: BTreeMap<NaiveDateTime, Vec<(usize, Action)>>,
    pub(super) log: Vec<(i64, i64, NaiveDateTime)>,
    pub(super) cursor: i64,
    last_tick: NaiveDateTime,
    rate: i32,
    paused: bool,
    pub(super) seen: Seen,
}

impl<'a> Sim<'a> {
    pub(super) fn new(app: &'a TestApp, event: EventId, rate: i32, seed: u64) -> Self {
        Sim {
            app,
            event,
            rng: StdRng::seed_from_u64(seed),
            buyers: Vec::new(),
            by_seq: HashMap::new(),
            due: BTreeMap::new(),
            log: Vec::new(),
            cursor: 0,
            last_tick: app.clock.now(),
            rate,
            paused: false,
            seen: Seen::default(),
        }
    }

    fn now(&self) -> NaiveDateTime {
        self.app.clock.now()
    }

    fn at(&mut self, after: i64, who: usize, action: Action) {
        let when = self.now() + TimeDelta::seconds(after);
        self.due.entry(when).or_default().push((who, action));
    }

    pub(super) fn join(&mut self) {
        let joined = queue::join(&self.app.db, self.event, None, self.now()).unwrap();
        assert!(joined.new);
        let r = &mut self.rng;
        let plan = match r.random_range(0..100) {
            0..65 => Plan::Claim(r.random_range(0..=120)),
            // Late: after the claim window, within the grace (or refused and retrying).
            65..80 => Plan::Claim(r.random_range(181..=900)),
            // Too late: after the grace.
            80..85 => Plan::Claim(r.random_range(901..=1_000)),
            _ => Plan::Never,
        };
        let turn = match r.random_range(0..100) {
            0..70 => Turn::Finish(r.random_range(20..=300)),
            70..85 => Turn::Leave(r.random_range(10..=200)),
            _ => Turn::Idle,
        };
        // Some leave while they wait, called or not.
        let leaves = r.random_bool(0.08).then(|| r.random_range(30..=1_200));
        let who = self.buyers.len();
        if let Some(seq) = joined.ticket.seq {
            self.by_seq.insert(seq, who);
        }
        self.buyers.push(Buyer {
            id: joined.ticket.id,
            seq: joined.ticket.seq,
            plan,
            turn,
            called_at: None,
            active_until: None,
            state: TicketState::Waiting,
        });
        if let Some(after) = leaves {
            self.at(after, who, Action::Leave);
        }
        self.seen.joins += 1;
    }

    /// After the draw: every ticket's number, read back.
    fn numbered(&mut self) {
        let seqs: HashMap<QueueTicketId, i64> = tickets_of(self.app, self.event)
            .into_iter()
            .map(|t| (t.id, t.seq.expect("everyone is numbered by the draw")))
            .collect();
        for (who, b) in self.buyers.iter_mut().enumerate() {
            b.seq = Some(seqs[&b.id]);
            self.by_seq.insert(seqs[&b.id], who);
        }
    }

    fn tick(&mut self) {
        let now = self.now();
        let out = tick(self.app, self.event);
        self.last_tick = now;
        if out.drew.is_some() {
            self.numbered();
        }
        let r = room(self.app, self.event);
        assert!(r.cursor >= self.cursor, "the cursor went back");
        if r.phase != Phase::Open {
            assert_eq!(out.called, 0);
            return;
        }
        if self.paused {
            self.seen.paused_ticks += 1;
            assert_eq!((out.called, r.cursor), (0, self.cursor), "paused");
        }
        assert!(
            out.called as f64 <= burst(self.rate),
            "{out:?} at R {}",
            self.rate
        );
        let mut called = 0;
        for seq in self.cursor + 1..=r.cursor {
            let who = self.by_seq[&seq];
            if self.buyers[who].state != TicketState::Waiting {
                continue; // passed over for free (it left)
            }
            called += 1;
            self.buyers[who].called_at = Some(now);
            if let Plan::Claim(after) = self.buyers[who].plan {
                self.at(after, who, Action::Claim);
            }
        }
        assert_eq!(
            out.called, called,
            "the calls are the waiting tickets passed"
        );
        if r.cursor > self.cursor {
            self.log.push((self.cursor + 1, r.cursor, now));
        }
        self.cursor = r.cursor;
        // The cap, counted from the rows: turns running, and calls within the window.
        let window_start = now - TimeDelta::seconds(i64::from(r.claim_seconds));
        let before_window = self
            .log
            .iter()
            .filter(|c| c.2 <= window_start)
            .map(|c| c.1)
            .max()
            .unwrap_or(0);
        let (active, unclaimed) = counts(self.app, self.event, now, before_window, r.cursor);
        assert!(active + unclaimed <= CAP, "{active} + {unclaimed} at {now}");
        assert_eq!(
            (r.stats_active, r.stats_called_unclaimed),
            (active, unclaimed)
        );
        self.seen.max_occupied = self.seen.max_occupied.max(active + unclaimed);
    }

    fn claim(&mut self, who: usize) {
        let now = self.now();
        let b = &self.buyers[who];
        let cursor = room(self.app, self.event).cursor;
        let result = queue::claim(&self.app.db, b.id, now).unwrap();
        let waited = b.called_at.map(|at| now - at);
        let (w, g) = (TimeDelta::seconds(180), grace());
        match result {
            Claim::Admitted { active_until, late } => {
                assert!(b.seq.is_some_and(|s| s <= cursor), "{b:?} past {cursor}");
                let waited = waited.expect("admitted once called");
                assert!(waited <= g, "{b:?} admitted {waited} after the call");
                assert!(waited <= w || late, "{b:?} after {waited}, not late");
                assert!(waited >= w || !late, "{b:?} after {waited}, late");
                self.seen.admitted += 1;
                self.seen.late += usize::from(late);
                let b = &mut self.buyers[who];
                b.state = TicketState::Active;
                b.active_until = Some(active_until);
                match b.turn {
                    Turn::Finish(after) => self.at(after, who, Action::Finish),
                    Turn::Leave(after) => self.at(after, who, Action::Leave),
                    Turn::Idle => {}
                }
            }
            Claim::NoSlotYet => {
                let waited = waited.expect("called");
                assert!(w <= waited && waited <= g, "{b:?} refused after {waited}");
                self.seen.no_slot += 1;
                self.at(5, who, Action::Claim);
            }
            Claim::Missed | Claim::Ended(TicketState::Missed) => {
                assert!(waited.expect("called") > g, "{b:?} missed early");
                self.buyers[who].state = TicketState::Missed;
                self.seen.missed += 1;
            }
            other => panic!("{b:?} called at {:?}: {other:?}", b.called_at),
        }
    }

    /// A buyer who has not been called tries anyway (a forged form, a stale page).
    fn early_claim(&mut self) {
        let waiting: Vec<usize> = (0..self.buyers.len())
            .filter(|&i| {
                let b = &self.buyers[i];
                b.state == TicketState::Waiting && b.called_at.is_none()
            })
            .collect();
        if waiting.is_empty() {
            return;
        }
        let who = waiting[self.rng.random_range(0..waiting.len())];
        let b = &self.buyers[who];
        let cursor = room(self.app, self.event).cursor;
        assert!(b.seq.is_none_or(|s| s > cursor));
        let result = queue::claim(&self.app.db, b.id, self.now()).unwrap();
        assert_eq!(
            result,
            Claim::NotCalled,
            "{b:?} with the cursor at {cursor}"
        );
        self.seen.early_refused += 1;
    }

    /// The state the database holds for a buyer: the model's, after the last tick's tidy-up
    /// (turns run out by then are lapsed, calls older than the grace missed).
    pub(super) fn expected(&self, b: &Buyer) -> TicketState {
        let t = self.last_tick;
        match b.state {
            TicketState::Active if b.active_until.is_some_and(|u| u <= t) => TicketState::Lapsed,
            TicketState::Waiting if b.called_at.is_some_and(|c| c < t - grace()) => {
                TicketState::Missed
            }
            s => s,
        }
    }

    fn act(&mut self, who: usize, action: Action) {
        let now = self.now();
        let b = &self.buyers[who];
        let expected = self.expected(b);
        match action {
            Action::Claim if expected == TicketState::Waiting => self.claim(who),
            Action::Claim if expected == TicketState::Missed => {
                // Past the grace already at the last tick: the tidy-up marked it.
                let result = queue::claim(&self.app.db, b.id, now).unwrap();
                assert_eq!(result, Claim::Ended(TicketState::Missed), "{b:?}");
                self.buyers[who].state = TicketState::Missed;
                self.seen.missed += 1;
            }
            Action::Claim => {}
            Action::Finish => {
                let running = b.state == TicketState::Active && b.active_until > Some(now);
                let done = queue::finish(&self.app.db, b.id, now).unwrap();
                assert_eq!(done, running, "{b:?} finishing at {now}");
                if done {
                    self.buyers[who].state = TicketState::Done;
                    self.seen.finished += 1;
                }
            }
            Action::Leave => {
                let left = queue::leave(&self.app.db, b.id, now).unwrap();
                let may = matches!(expected, TicketState::Waiting | TicketState::Active);
                assert_eq!(left, may, "{b:?} leaving at {now}");
                if left {
                    self.buyers[who].state = TicketState::Left;
                    self.seen.left += 1;
                }
            }
        }
    }

    fn admin(&mut self) {
        let now = self.now();
        if self
            .rng
            .random_bool(if self.paused { 1.0 / 40.0 } else { 1.0 / 200.0 })
        {
            self.paused = !self.paused;
            queue::set_paused(&self.app.db, self.event, self.paused, now).unwrap();
            self.seen.pauses += usize::from(self.paused);
        }
        if self.rng.random_bool(1.0 / 150.0) {
            self.rate = RATES[self.rng.random_range(0..RATES.len())];
            let s = room_settings(self.rate, self.paused);
            let phase = room(self.app, self.event).phase;
            let r = queue::configure(&self.app.db, self.event, &s, now).unwrap();
            assert_eq!(r.phase, phase, "a new rate keeps the phase");
            self.seen.rate_changes += 1;
        }
    }

    pub(super) fn second(&mut self) {
        self.app.clock.advance(TimeDelta::seconds(1));
        let now = self.now();
        if self.rng.random_bool(0.5) {
            self.join();
        }
        for (who, action) in self.due.remove(&now).unwrap_or_default() {
            self.act(who, action);
        }
        if self.rng.random_bool(0.1) {
            self.early_claim();
        }
        self.admin();
        self.tick();
    }
}
