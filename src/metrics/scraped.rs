//! The figures read when scraped, not counted as they happen: the pool, the worker's backlogs,
//! places held, open live streams, the waiting rooms.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::labels::{Backlog, One, Place, PoolState};

/// What one scrape read (`services::observe` gathers it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub pool_in_use: i64,
    pub pool_idle: i64,
    /// What the database said; `None` when it could not be read (the gauges keep the last
    /// figures read, and the counters are served all the same).
    pub stored: Option<Stored>,
    pub live_streams: i64,
    /// The waiting rooms as this instance last read them (summed over rooms).
    pub rooms_open: i64,
    pub waiting: i64,
    pub active: i64,
    /// Admissions refused since start-up, by reason; polls of the waiting page since start-up.
    pub refusals: Vec<(&'static str, u64)>,
    pub polls: u64,
}

/// The figures read from the database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stored {
    pub jobs_due: i64,
    pub emails_due: i64,
    /// How long the oldest due job (email) has been due, in seconds; 0 when none is.
    pub oldest_job_due_seconds: f64,
    pub oldest_email_due_seconds: f64,
    pub seats_held: i64,
    pub standing_held: i64,
}

type FloatGauge = Gauge<f64, AtomicU64>;

#[derive(Default)]
pub(super) struct Gauges {
    pool: Family<One<PoolState>, Gauge>,
    due: Family<One<Backlog>, Gauge>,
    oldest_due: Family<One<Backlog>, FloatGauge>,
    held: Family<One<Place>, Gauge>,
    live_streams: Gauge,
    rooms_open: Gauge,
    waiting: Gauge,
    active: Gauge,
    refusals: Family<One<&'static str>, Counter>,
    polls: Counter,
}

impl Gauges {
    pub(super) fn register(&self, r: &mut Registry) {
        r.register(
            "db_pool_connections",
            "Database pool connections, in use and idle",
            self.pool.clone(),
        );
        r.register(
            "backlog_due",
            "Jobs and outbox emails due now and not yet taken",
            self.due.clone(),
        );
        r.register(
            "backlog_oldest_due_age_seconds",
            "How long the oldest due job or email has waited (0 when none is due)",
            self.oldest_due.clone(),
        );
        r.register(
            "seats_held",
            "Seats and standing places held now (pending bookings whose hold has not run out)",
            self.held.clone(),
        );
        r.register(
            "live_streams_open",
            "Live seat-map streams open on this instance",
            self.live_streams.clone(),
        );
        r.register(
            "waiting_room_rooms_open",
            "Waiting rooms turned on, as this instance last read them",
            self.rooms_open.clone(),
        );
        r.register(
            "waiting_room_waiting",
            "People in line in the waiting rooms (numbers issued and not yet called, pre-queue included)",
            self.waiting.clone(),
        );
        r.register(
            "waiting_room_active",
            "Admitted buyers with a running turn",
            self.active.clone(),
        );
        r.register(
            "waiting_room_refusals",
            "Admissions refused on this instance, by reason",
            self.refusals.clone(),
        );
        r.register(
            "waiting_room_polls",
            "Polls of the waiting page answered by this instance",
            self.polls.clone(),
        );
    }

    pub(super) fn set(&self, f: &Figures) {
        self.pool
            .get_or_create(&[("state", PoolState::InUse)])
            .set(f.pool_in_use);
        self.pool
            .get_or_create(&[("state", PoolState::Idle)])
            .set(f.pool_idle);
        if let Some(stored) = &f.stored {
            self.set_stored(stored);
        }
        self.live_streams.set(f.live_streams);
        self.rooms_open.set(f.rooms_open);
        self.waiting.set(f.waiting);
        self.active.set(f.active);
        // The board counts since start-up; the counters follow it (scrapes are one at a time).
        for (reason, n) in &f.refusals {
            let counter = self.refusals.get_or_create(&[("reason", *reason)]);
            counter.inc_by(n.saturating_sub(counter.get()));
        }
        self.polls.inc_by(f.polls.saturating_sub(self.polls.get()));
    }

    fn set_stored(&self, f: &Stored) {
        self.due
            .get_or_create(&[("queue", Backlog::Jobs)])
            .set(f.jobs_due);
        self.due
            .get_or_create(&[("queue", Backlog::Emails)])
            .set(f.emails_due);
        self.oldest_due
            .get_or_create(&[("queue", Backlog::Jobs)])
            .set(f.oldest_job_due_seconds);
        self.oldest_due
            .get_or_create(&[("queue", Backlog::Emails)])
            .set(f.oldest_email_due_seconds);
        self.held
            .get_or_create(&[("kind", Place::Seated)])
            .set(f.seats_held);
        self.held
            .get_or_create(&[("kind", Place::Standing)])
            .set(f.standing_held);
    }
}
