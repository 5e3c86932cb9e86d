//! Live seat-map updates (ARCHITECTURE §5): after a hold, release, expiry or sale commits, the
//! changed seats are published here and every viewer of the event's map hears about them.
//! Fan-out is in process (a tokio broadcast channel per event). Everything goes through
//! [`LiveHub::publish`], so the scale-out work can add PostgreSQL `LISTEN/NOTIFY` in one place.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
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
/// it and keeps it here for the others, so a change costs one read however many watch.
#[derive(Debug)]
pub struct Published {
    pub change: Change,
    pub snapshot: OnceLock<Option<Arc<crate::services::seatmap::Snapshot>>>,
}

#[derive(Default)]
pub struct LiveHub {
    channels: Mutex<HashMap<EventId, broadcast::Sender<Arc<Published>>>>,
    closed: AtomicBool,
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
