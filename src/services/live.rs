//! Live seat-map updates (ARCHITECTURE §5): after a hold, release, expiry or sale commits, the
//! changed seats are published here and every viewer of the event's map hears about them.
//! Fan-out is in process (a tokio broadcast channel per event). Everything goes through
//! [`LiveHub::publish`], so the scale-out work can add PostgreSQL `LISTEN/NOTIFY` in one place.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::broadcast;

use crate::domain::ids::{EventId, SeatId};

/// How many changes a slow viewer may fall behind before it is told to refresh.
const BUFFER: usize = 256;

/// What changed at one event: seat ids only (viewers read the seats' new state), and whether
/// standing places moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub event: EventId,
    pub seats: Vec<SeatId>,
    pub standing: bool,
}

/// A change as viewers receive it. The first viewer to need the changed seats' new state reads
/// it and keeps it here for the others, so a change costs one read however many watch; with
/// it, the [`LiveHub::version`] read just before.
#[derive(Debug)]
pub struct Published {
    pub change: Change,
    pub snapshot: OnceLock<Option<(u64, Arc<crate::services::seatmap::Snapshot>)>>,
}

/// Versions: every published change moves [`LiveHub::version`] on by one. Whatever draws seats
/// reads the version *before* it reads the database and marks what it draws with it
/// (`data-v`); the page ignores a redrawn seat, section or basket older than the one it shows.
/// Answers and live updates travel by different connections and may arrive out of order (a
/// release's answer after the next hold's); without versions a late one would paint a seat
/// back to an older state. Every change is followed by a live update at least as new, so the
/// page always ends on the newest state. The counter is per process, like the fan-out: the
/// scale-out work moves both to PostgreSQL (a sequence next to `LISTEN/NOTIFY`).
#[derive(Default)]
pub struct LiveHub {
    channels: Mutex<HashMap<EventId, broadcast::Sender<Arc<Published>>>>,
    closed: AtomicBool,
    version: AtomicU64,
    /// Open streams, capped (see [`StreamSlots`]).
    pub slots: StreamSlots,
}

impl LiveHub {
    pub fn new() -> Self {
        LiveHub::default()
    }

    /// Tells every viewer of `change.event`. Call it after the change committed.
    pub fn publish(&self, change: Change) {
        if change.seats.is_empty() && !change.standing {
            return;
        }
        self.version.fetch_add(1, Ordering::SeqCst);
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        let published = Arc::new(Published {
            change: change.clone(),
            snapshot: OnceLock::new(),
        });
        if let Some(sender) = channels.get(&change.event)
            && sender.send(published).is_err()
        {
            // Nobody is watching any more.
            channels.remove(&change.event);
        }
    }

    /// Publishes several changes, grouped by event.
    pub fn publish_all(&self, changes: impl IntoIterator<Item = Change>) {
        let mut by_event: HashMap<EventId, Change> = HashMap::new();
        for c in changes {
            let entry = by_event.entry(c.event).or_insert_with(|| Change {
                event: c.event,
                seats: Vec::new(),
                standing: false,
            });
            entry.seats.extend(c.seats);
            entry.standing |= c.standing;
        }
        for (_, change) in by_event {
            self.publish(change);
        }
    }

    /// How many changes were published so far (see [`LiveHub`] on versions).
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    /// Listens to an event's changes. After [`LiveHub::close`], the receiver is closed at once.
    pub fn subscribe(&self, event: EventId) -> broadcast::Receiver<Arc<Published>> {
        if self.closed.load(Ordering::SeqCst) {
            return broadcast::channel(1).1;
        }
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels
            .entry(event)
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe()
    }
}

/// Caps on open live streams (issue 16: 20,000 streams from one host used up the server's
/// open files): per client address and in all. A stream holds a [`StreamSlot`] for as long as
/// it is open; dropping it (the stream ended or the client went away) frees the slot.
#[derive(Default)]
pub struct StreamSlots {
    inner: Arc<Mutex<SlotCounts>>,
}

#[derive(Default)]
struct SlotCounts {
    total: usize,
    per_client: HashMap<String, usize>,
}

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRefused {
    /// This client already has its share open (429).
    Client,
    /// The server has as many open as it takes (503).
    Full,
}

/// One open stream's place; frees itself when dropped.
pub struct StreamSlot {
    inner: Arc<Mutex<SlotCounts>>,
    client: String,
}

impl StreamSlots {
    pub fn new() -> Self {
        StreamSlots::default()
    }

    /// Takes a slot for `client`, if it has fewer than `per_client` open and the server fewer
    /// than `total`.
    pub fn acquire(
        &self,
        client: &str,
        per_client: usize,
        total: usize,
    ) -> Result<StreamSlot, SlotRefused> {
        let mut counts = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mine = counts.per_client.get(client).copied().unwrap_or(0);
        if mine >= per_client {
            return Err(SlotRefused::Client);
        }
        if counts.total >= total {
            return Err(SlotRefused::Full);
        }
        counts.total += 1;
        *counts.per_client.entry(client.to_owned()).or_insert(0) += 1;
        Ok(StreamSlot {
            inner: self.inner.clone(),
            client: client.to_owned(),
        })
    }

    /// Streams open now.
    pub fn open(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut counts = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                counts.per_client.remove(&self.client);
            }
        }
    }
}

impl LiveHub {
    /// Ends every viewer's stream (the server is shutting down) and accepts no new ones.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.channels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_of_an_event_hear_its_changes_only() {
        let hub = LiveHub::new();
        let mut one = hub.subscribe(EventId(1));
        let mut two = hub.subscribe(EventId(2));
        hub.publish(Change {
            event: EventId(1),
            seats: vec![SeatId(7)],
            standing: false,
        });
        assert_eq!(one.try_recv().unwrap().change.seats, vec![SeatId(7)]);
        assert!(two.try_recv().is_err());
    }

    #[test]
    fn every_change_moves_the_version_on_watched_or_not() {
        let hub = LiveHub::new();
        assert_eq!(hub.version(), 0);
        let change = |event, seats: Vec<SeatId>, standing| Change {
            event: EventId(event),
            seats,
            standing,
        };
        hub.publish(change(1, vec![SeatId(7)], false)); // nobody watches event 1
        let _watcher = hub.subscribe(EventId(2));
        hub.publish(change(2, Vec::new(), true));
        hub.publish(change(2, Vec::new(), false)); // nothing changed
        assert_eq!(hub.version(), 2);
        hub.publish_all([
            change(3, vec![SeatId(1)], false),
            change(4, vec![SeatId(2)], false),
        ]);
        assert_eq!(hub.version(), 4);
    }

    #[test]
    fn stream_slots_are_capped_per_client_and_in_all_and_freed_on_drop() {
        let slots = StreamSlots::new();
        let a1 = slots.acquire("a", 2, 3).unwrap();
        let _a2 = slots.acquire("a", 2, 3).unwrap();
        assert_eq!(slots.acquire("a", 2, 3).err(), Some(SlotRefused::Client));
        let _b1 = slots.acquire("b", 2, 3).unwrap();
        assert_eq!(slots.acquire("c", 2, 3).err(), Some(SlotRefused::Full));
        drop(a1);
        assert_eq!(slots.open(), 2);
        assert!(slots.acquire("c", 2, 3).is_ok());
    }

    #[test]
    fn closing_ends_every_stream_and_refuses_new_ones() {
        let hub = LiveHub::new();
        let mut one = hub.subscribe(EventId(1));
        hub.close();
        assert_eq!(
            one.try_recv().unwrap_err(),
            broadcast::error::TryRecvError::Closed
        );
        let mut late = hub.subscribe(EventId(1));
        assert_eq!(
            late.try_recv().unwrap_err(),
            broadcast::error::TryRecvError::Closed
        );
    }
}
