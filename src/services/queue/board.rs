//! Each instance's picture of the waiting rooms (WAITING_ROOM.md §3.6): one [`Snapshot`] per
//! room, read from the database once a second (and at once after a change made here), so
//! that a waiting page's poll is answered from memory: no database access per poll, whatever
//! the number of waiting browsers. The cursor only grows, so a snapshot a second old only
//! delays "it's your turn" by that second.
//!
//! [`Board::status`] is what a waiting page and its JSON twin show: the same figures for both.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};
use chrono_tz::Tz;

use super::tick::DRAW_DELAY;
use crate::db::queue::board as q;
use crate::db::{Db, DbError};
use crate::domain::ids::EventId;
use crate::domain::queue::Phase;
use crate::services::admission::Refused;

/// A snapshot older than this (the database did not answer) makes the page say so.
pub const STALE_AFTER: Duration = Duration::from_secs(10);
/// The window of the measured call rate.
const RATE_WINDOW: TimeDelta = TimeDelta::seconds(120);
/// How much of it must have passed before the measured rate replaces the configured one.
const RATE_WARMUP: TimeDelta = TimeDelta::seconds(60);

/// One room as every waiting page of this instance sees it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub event: EventId,
    pub title: String,
    pub timezone: Tz,
    pub enabled: bool,
    pub phase: Phase,
    pub paused: bool,
    pub message: Option<String>,
    pub sales_start_at: Option<NaiveDateTime>,
    pub prequeue_opens_at: Option<NaiveDateTime>,
    pub issued: i64,
    pub cursor: i64,
    /// Tickets waiting for the draw (pre-queue), else 0.
    pub prequeue_size: i64,
    pub seats_left: Option<i64>,
    pub active: i64,
    pub called_unclaimed: i64,
    pub max_active: Option<i32>,
    pub rate_per_minute: Option<i32>,
    /// Calls per second measured over the last two minutes (`None`: less than a minute of
    /// calls, then the configured rate is used).
    pub measured_rate: Option<f64>,
    pub claim_seconds: i32,
    pub admission_minutes: i32,
    pub require_account: bool,
    pub auto_close: bool,
    pub version: i64,
    /// When it was read (this process's clock).
    pub read_at: Instant,
}

impl Snapshot {
    /// Whether the seat map and the holds need an admission now (§3.9).
    pub fn gates(&self) -> bool {
        self.enabled && matches!(self.phase, Phase::Prequeue | Phase::Open)
    }

    /// Nobody is waiting behind the cursor (tickets that left still count until passed).
    pub fn nobody_waiting(&self) -> bool {
        self.issued <= self.cursor
    }

    /// A slot is free under the cap.
    pub fn slot_free(&self) -> bool {
        self.max_active
            .is_none_or(|m| self.active + self.called_unclaimed < i64::from(m))
    }

    /// The call rate the estimates use, per second: measured once there is a minute of it,
    /// else the configured one; never above the configured one (calls cannot go faster, so
    /// a lowered rate shows at once rather than after the measuring window); `None` when
    /// neither is known.
    pub fn calls_per_second(&self) -> Option<f64> {
        let configured = self.rate_per_minute.map(|r| f64::from(r) / 60.0);
        match (self.measured_rate, configured) {
            (Some(m), Some(c)) => Some(m.min(c)),
            (m, c) => m.or(c),
        }
        .filter(|r| *r > 0.0)
    }

    /// When the draw runs: two seconds after the sale starts.
    pub fn draw_at(&self) -> Option<NaiveDateTime> {
        self.sales_start_at.map(|t| t + DRAW_DELAY)
    }

    /// Sold out: no seat free or held, and the room closes itself.
    pub fn sold_out(&self) -> bool {
        self.phase == Phase::Closed && self.auto_close && self.seats_left == Some(0)
    }

    pub fn stale(&self) -> bool {
        self.read_at.elapsed() > STALE_AFTER
    }
}

/// The refusal reasons counted (the labels of `admission_refused_total{reason}`), with
/// `missing` for no token at all and `no_turn` for a hold the database refused.
pub const REFUSAL_REASONS: [&str; 9] = [
    "missing",
    "malformed",
    "forged",
    "version",
    "kind",
    "other_event",
    "other_account",
    "expired",
    "no_turn",
];

/// Every room's snapshot on this instance, and its counters.
#[derive(Default)]
pub struct Board {
    rooms: RwLock<Arc<HashMap<EventId, Arc<Snapshot>>>>,
    refusals: [AtomicU64; REFUSAL_REASONS.len()],
    polls: AtomicU64,
    refreshes: AtomicU64,
}

impl Board {
    pub fn new() -> Self {
        Self::default()
    }

    /// The room of `event`, if it has one that is on (or closed).
    pub fn get(&self, event: EventId) -> Option<Arc<Snapshot>> {
        let rooms = self.rooms.read().map(|r| r.clone()).ok()?;
        rooms.get(&event).cloned()
    }

    /// Every room this instance knows (on or closed), as last read.
    pub fn rooms(&self) -> Vec<Arc<Snapshot>> {
        self.rooms
            .read()
            .map(|r| r.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Reads every room again (three queries for all of them).
    pub fn refresh(&self, db: &Db, now: NaiveDateTime) -> Result<usize, DbError> {
        let (rows, calls, sizes) = db.read(|c| {
            let rows = q::rooms(c)?;
            let calls = q::calls_since(c, now - RATE_WINDOW)?;
            let prequeues: Vec<EventId> = rows
                .iter()
                .filter(|r| r.room.phase == Phase::Prequeue)
                .map(|r| r.room.event_id)
                .collect();
            let sizes = q::prequeue_sizes(c, &prequeues)?;
            Ok::<_, DbError>((rows, calls, sizes))
        })?;
        let read_at = Instant::now();
        let rooms: HashMap<EventId, Arc<Snapshot>> = rows
            .into_iter()
            .map(|row| {
                let r = row.room;
                let measured = calls
                    .iter()
                    .find(|(e, _, _)| *e == r.event_id)
                    .and_then(|(_, n, first)| measured_rate(*n, *first, now));
                let snapshot = Snapshot {
                    event: r.event_id,
                    title: row.title,
                    timezone: row.timezone.parse().unwrap_or(Tz::UTC),
                    enabled: r.enabled,
                    phase: r.phase,
                    paused: r.paused,
                    message: r.message,
                    sales_start_at: row.sales_start_at,
                    prequeue_opens_at: r.prequeue_opens_at,
                    issued: r.issued,
                    cursor: r.cursor,
                    prequeue_size: sizes
                        .iter()
                        .find(|(e, _)| *e == r.event_id)
                        .map_or(0, |(_, n)| *n),
                    seats_left: r.stats_seats_left,
                    active: r.stats_active,
                    called_unclaimed: r.stats_called_unclaimed,
                    max_active: r.max_active,
                    rate_per_minute: r.rate_per_minute,
                    measured_rate: measured,
                    claim_seconds: r.claim_seconds,
                    admission_minutes: r.admission_minutes,
                    require_account: r.require_account,
                    auto_close: r.auto_close,
                    version: r.version,
                    read_at,
                };
                (r.event_id, Arc::new(snapshot))
            })
            .collect();
        let n = rooms.len();
        if let Ok(mut held) = self.rooms.write() {
            *held = Arc::new(rooms);
        }
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        Ok(n)
    }

    /// Counts a refused admission by its reason.
    pub fn refused(&self, reason: &str) {
        if let Some(i) = REFUSAL_REASONS.iter().position(|r| *r == reason) {
            self.refusals[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a token refusal.
    pub fn refused_token(&self, refused: Option<Refused>) {
        self.refused(refused.map_or("missing", Refused::reason));
    }

    /// The refusals so far, by reason.
    pub fn refusals(&self) -> Vec<(&'static str, u64)> {
        REFUSAL_REASONS
            .iter()
            .zip(&self.refusals)
            .map(|(r, n)| (*r, n.load(Ordering::Relaxed)))
            .collect()
    }

    pub fn polled(&self) {
        self.polls.fetch_add(1, Ordering::Relaxed);
    }

    pub fn polls(&self) -> u64 {
        self.polls.load(Ordering::Relaxed)
    }
}

/// Calls per second over the window, once the first call in it is a minute old.
fn measured_rate(calls: i64, first: NaiveDateTime, now: NaiveDateTime) -> Option<f64> {
    let span = (now - first).min(RATE_WINDOW);
    (span >= RATE_WARMUP).then(|| calls as f64 / span.as_seconds_f64())
}
