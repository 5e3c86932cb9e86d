//! The catalogue kept for a few seconds (issue 19, SCALE_OUT.md §5): the home page, search
//! results, event pages and venue pages as the catalogue read them, so that a crowd opening the
//! listing on an on-sale day costs one read every few seconds, not one per visitor.
//!
//! - An answer is kept for the TTL (`BOXOFFICE_CATALOGUE_TTL_MS`, default 5 s; 0 keeps
//!   nothing), measured on the app's clock. What it shows of seats left and sale states may be
//!   that old; the seat map itself is always live.
//! - Misses are coalesced: visitors asking for the same thing while it is being read wait for
//!   that one read instead of making their own.
//! - Every answer is forgotten when an event or venue changes: the code that changes one calls
//!   `LiveHub::catalogue_changed`, which moves a counter on this instance and, on PostgreSQL,
//!   on every other instance through the live relay. An answer read while the counter moved is
//!   handed to its reader but not kept, so a read that started before a change committed is
//!   never kept after it.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::DbConnection;
use crate::domain::catalogue::CatalogueQuery;
use crate::domain::ids::{EventId, VenueId};
use crate::domain::venue::VenueQuery;

use super::search::Home;
use super::venues::{VenueDetail, VenueList};
use super::views::{CatalogueError, EventDetail, SearchResults};

/// An answer and when (app time) and at which count of catalogue changes it was read.
struct Kept<V> {
    read_at: NaiveDateTime,
    changes: u64,
    value: V,
}

/// One question's answer, if kept; its lock is held while it is read.
type Slot<V> = Arc<Mutex<Option<Kept<V>>>>;

/// One kind of answer, by its question. Each question has its own lock, held while it is read,
/// so concurrent misses wait for one read.
struct Answers<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
}

impl<K, V> Default for Answers<K, V> {
    fn default() -> Self {
        Answers {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

/// At most this many questions of one kind are kept (the search has many); past it the kept
/// answers are dropped and kept again as they are asked.
const MOST_KEPT: usize = 2_000;

impl<K: Hash + Eq + Clone, V: Clone> Answers<K, V> {
    fn get<E>(
        &self,
        key: &K,
        fresh: impl Fn(&Kept<V>) -> bool,
        changes: &AtomicU64,
        read: impl FnOnce() -> Result<V, E>,
        now: NaiveDateTime,
    ) -> Result<V, E> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if slots.len() >= MOST_KEPT && !slots.contains_key(key) {
                slots.clear();
            }
            slots.entry(key.clone()).or_default().clone()
        };
        let mut kept = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = kept.as_ref().filter(|k| fresh(k)) {
            return Ok(k.value.clone());
        }
        let before = changes.load(Ordering::SeqCst);
        let value = read()?;
        *kept = (changes.load(Ordering::SeqCst) == before).then(|| Kept {
            read_at: now,
            changes: before,
            value: value.clone(),
        });
        Ok(value)
    }
}

/// The catalogue's answers kept on this instance.
pub struct CatalogueCache {
    ttl: TimeDelta,
    /// Moves on with every change to the catalogue heard of (`LiveHub::catalogue_changes`).
    changes: Arc<AtomicU64>,
    home: Answers<(), Arc<Home>>,
    search: Answers<CatalogueQuery, Arc<SearchResults>>,
    cities: Answers<(), Arc<Vec<String>>>,
    events: Answers<EventId, Arc<EventDetail>>,
    venue_lists: Answers<VenueQuery, Arc<VenueList>>,
    venues: Answers<VenueId, Arc<VenueDetail>>,
}

impl CatalogueCache {
    /// Keeps answers `ttl_ms` milliseconds of app time, or until `changes` moves on.
    pub fn new(ttl_ms: u32, changes: Arc<AtomicU64>) -> Self {
        CatalogueCache {
            ttl: TimeDelta::milliseconds(i64::from(ttl_ms)),
            changes,
            home: Answers::default(),
            search: Answers::default(),
            cities: Answers::default(),
            events: Answers::default(),
            venue_lists: Answers::default(),
            venues: Answers::default(),
        }
    }

    fn fresh<V>(&self, now: NaiveDateTime) -> impl Fn(&Kept<V>) -> bool + '_ {
        move |k| {
            k.changes == self.changes.load(Ordering::SeqCst)
                && k.read_at <= now
                && now - k.read_at < self.ttl
        }
    }

    /// [`super::home`], kept.
    pub fn home(
        &self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
    ) -> Result<Arc<Home>, CatalogueError> {
        let read = || super::home(conn, now).map(Arc::new);
        self.home
            .get(&(), self.fresh(now), &self.changes, read, now)
    }

    /// [`super::search`], kept by the query.
    pub fn search(
        &self,
        conn: &mut DbConnection,
        q: &CatalogueQuery,
        now: NaiveDateTime,
    ) -> Result<Arc<SearchResults>, CatalogueError> {
        let read = || super::search(conn, q, now).map(Arc::new);
        self.search
            .get(q, self.fresh(now), &self.changes, read, now)
    }

    /// [`super::cities`], kept.
    pub fn cities(
        &self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
    ) -> Result<Arc<Vec<String>>, CatalogueError> {
        let read = || super::cities(conn, now).map(Arc::new);
        self.cities
            .get(&(), self.fresh(now), &self.changes, read, now)
    }

    /// [`super::event`], kept by the event (an event the public may not see is not kept).
    pub fn event(
        &self,
        conn: &mut DbConnection,
        id: EventId,
        now: NaiveDateTime,
    ) -> Result<Arc<EventDetail>, CatalogueError> {
        let read = || super::event(conn, id, now).map(Arc::new);
        self.events
            .get(&id, self.fresh(now), &self.changes, read, now)
    }

    /// [`super::venues`], kept by the query.
    pub fn venues(
        &self,
        conn: &mut DbConnection,
        q: &VenueQuery,
        now: NaiveDateTime,
    ) -> Result<Arc<VenueList>, CatalogueError> {
        let read = || super::venues(conn, q, now).map(Arc::new);
        self.venue_lists
            .get(q, self.fresh(now), &self.changes, read, now)
    }

    /// [`super::venue`], kept by the venue (an unknown venue is not kept).
    pub fn venue(
        &self,
        conn: &mut DbConnection,
        id: VenueId,
        now: NaiveDateTime,
    ) -> Result<Arc<VenueDetail>, CatalogueError> {
        let read = || super::venue(conn, id, now).map(Arc::new);
        self.venues
            .get(&id, self.fresh(now), &self.changes, read, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + s, 0)
            .unwrap_or_default()
            .naive_utc()
    }

    fn cache(ttl_ms: u32) -> (CatalogueCache, Arc<AtomicU64>) {
        let changes = Arc::new(AtomicU64::new(0));
        (CatalogueCache::new(ttl_ms, changes.clone()), changes)
    }

    /// Reads through `answers` at `now`, counting the reads in `reads`.
    fn ask(
        c: &CatalogueCache,
        answers: &Answers<u32, u32>,
        reads: &AtomicU64,
        now: NaiveDateTime,
    ) -> u32 {
        let read = || -> Result<u32, ()> {
            Ok(u32::try_from(reads.fetch_add(1, Ordering::SeqCst)).unwrap_or(0))
        };
        answers
            .get(&7, c.fresh(now), &c.changes, read, now)
            .unwrap_or(u32::MAX)
    }

    #[test]
    fn an_answer_is_kept_for_the_ttl_on_the_app_clock() {
        let (c, _) = cache(5_000);
        let (answers, reads) = (Answers::default(), AtomicU64::new(0));
        assert_eq!(ask(&c, &answers, &reads, at(0)), 0);
        assert_eq!(ask(&c, &answers, &reads, at(4)), 0, "kept within the TTL");
        assert_eq!(ask(&c, &answers, &reads, at(5)), 1, "read again at the TTL");
        assert_eq!(
            ask(&c, &answers, &reads, at(-60)),
            2,
            "a clock moved back reads again"
        );
    }

    #[test]
    fn a_catalogue_change_forgets_every_answer() {
        let (c, changes) = cache(5_000);
        let (answers, reads) = (Answers::default(), AtomicU64::new(0));
        assert_eq!(ask(&c, &answers, &reads, at(0)), 0);
        changes.fetch_add(1, Ordering::SeqCst);
        assert_eq!(ask(&c, &answers, &reads, at(1)), 1);
        assert_eq!(ask(&c, &answers, &reads, at(2)), 1);
    }

    #[test]
    fn an_answer_read_while_the_catalogue_changed_is_not_kept() {
        let (c, changes) = cache(5_000);
        let answers: Answers<u32, u32> = Answers::default();
        let now = at(0);
        let read = || -> Result<u32, ()> {
            changes.fetch_add(1, Ordering::SeqCst);
            Ok(1)
        };
        assert_eq!(answers.get(&7, c.fresh(now), &c.changes, read, now), Ok(1));
        let reads = AtomicU64::new(10);
        assert_eq!(ask(&c, &answers, &reads, now), 10, "read again");
    }

    #[test]
    fn no_ttl_keeps_nothing() {
        let (c, _) = cache(0);
        let (answers, reads) = (Answers::default(), AtomicU64::new(0));
        assert_eq!(ask(&c, &answers, &reads, at(0)), 0);
        assert_eq!(ask(&c, &answers, &reads, at(0)), 1);
    }

    #[test]
    fn concurrent_misses_make_one_read() {
        let (c, _) = cache(5_000);
        let (c, answers, reads) = (
            Arc::new(c),
            Arc::new(Answers::default()),
            Arc::new(AtomicU64::new(0)),
        );
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (c, answers, reads) = (c.clone(), answers.clone(), reads.clone());
                std::thread::spawn(move || {
                    let read = || -> Result<u32, ()> {
                        reads.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        Ok(3)
                    };
                    answers.get(&7, c.fresh(at(0)), &c.changes, read, at(0))
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().ok(), Some(Ok(3)));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
    }
}
