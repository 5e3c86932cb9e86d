//! Live seat-map updates (ARCHITECTURE §5): after a hold, release, expiry or sale commits, the
//! changed seats are published here and every viewer of the event's map hears about them.
//!
//! Changes are not sent one by one: [`LiveHub::publish`] gathers an event's changes for one tick
//! (`BOXOFFICE_LIVE_TICK_MS`, default 150 ms) and a ticker thread sends them as one
//! [`Published`] batch to every viewer of the event (a tokio broadcast channel per event), so a
//! viewer gets a few messages a second however fast seats move. A batch carries what everyone
//! needs, read and drawn once: the changed seats' new state ([`Published::snapshot`], read by
//! the first viewer that needs it) and, per audience (a part of the venue, as a map or a list),
//! the message itself ([`Published::rendered`]); every stream of that audience sends the same
//! bytes. The last batches are kept, so a page drawn at version `v` can ask for what came after
//! it when its stream opens ([`LiveHub::subscribe`]). Fan-out is in process; everything goes
//! through [`LiveHub::publish`], so the scale-out work can add PostgreSQL `LISTEN/NOTIFY` in
//! one place.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{OnceCell, broadcast};

use crate::domain::ids::{BookingId, EventId, SeatId};
use crate::services::seatmap::Scope;

mod slots;

pub use slots::{SlotRefused, StreamSlot, StreamSlots};

/// How many batches a slow viewer may fall behind (some seconds of ticks) before it is told to
/// refresh rather than buffered without bound.
const BUFFER: usize = 64;
/// How many of an event's last batches are kept for streams that open after a page was drawn.
const RECENT: usize = 32;
/// The default tick.
pub const DEFAULT_TICK: Duration = Duration::from_millis(150);

/// What changed at one event: seat ids only (viewers read the seats' new state), whether
/// standing places moved, and the bookings whose contents changed (their owners' baskets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub event: EventId,
    pub seats: Vec<SeatId>,
    pub standing: bool,
    pub bookings: Vec<BookingId>,
}

impl Change {
    /// These seats changed.
    pub fn seats(event: EventId, seats: Vec<SeatId>) -> Self {
        Change {
            event,
            seats,
            standing: false,
            bookings: Vec::new(),
        }
    }

    /// Standing places changed.
    pub fn standing(event: EventId) -> Self {
        Change {
            event,
            seats: Vec::new(),
            standing: true,
            bookings: Vec::new(),
        }
    }

    /// ... in these bookings.
    pub fn of(mut self, bookings: impl IntoIterator<Item = BookingId>) -> Self {
        self.bookings.extend(bookings);
        self
    }

    fn is_empty(&self) -> bool {
        self.seats.is_empty() && !self.standing
    }
}

/// Who a rendered message is for: the part of the venue a page shows, as a map or a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Audience {
    pub scope: Scope,
    pub list: bool,
}

/// One tick's changes to an event, as every viewer receives them.
#[derive(Debug)]
pub struct Published {
    /// The changes merged (seats and bookings once each).
    pub change: Change,
    /// The newest version among them (see [`LiveHub`] on versions).
    pub through: u64,
    /// The changed seats' new state, read by the first viewer to need it and kept for the
    /// others, with the [`LiveHub::version`] read just before.
    pub snapshot: OnceLock<Option<(u64, Arc<crate::services::seatmap::Snapshot>)>>,
    /// The message each audience is sent, drawn by its first viewer (`None`: nothing it shows
    /// changed).
    rendered: Mutex<HashMap<Audience, Arc<OnceCell<Option<Bytes>>>>>,
}

impl Published {
    fn new(change: Change, through: u64) -> Self {
        Published {
            change,
            through,
            snapshot: OnceLock::new(),
            rendered: Mutex::new(HashMap::new()),
        }
    }

    /// Where `audience`'s message is kept: the first viewer fills it, the others wait for it.
    pub fn rendered(&self, audience: Audience) -> Arc<OnceCell<Option<Bytes>>> {
        self.rendered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(audience)
            .or_default()
            .clone()
    }
}

/// What a new stream must do before it hears new batches (see [`LiveHub::subscribe`]).
#[derive(Debug)]
pub enum CatchUp {
    /// The page was drawn after everything sent so far (or did not say when it was drawn).
    Nothing,
    /// Send these kept batches first.
    Replay(Vec<Arc<Published>>),
    /// Some of what the page missed is no longer kept: it must draw itself again.
    Refresh,
}

/// A viewer's subscription to an event.
pub struct Subscription {
    pub rx: broadcast::Receiver<Arc<Published>>,
    pub catch_up: CatchUp,
}

/// Versions: every published change moves [`LiveHub::version`] on by one. Whatever draws seats
/// reads the version *before* it reads the database and marks what it draws with it
/// (`data-v`); the page ignores a redrawn seat, section or basket older than the one it shows.
/// Answers and live updates travel by different connections and may arrive out of order (a
/// release's answer after the next hold's); without versions a late one would paint a seat
/// back to an older state. Every change is followed by a live update at least as new, so the
/// page always ends on the newest state. The counter is per process, like the fan-out: the
/// scale-out work moves both to PostgreSQL (a sequence next to `LISTEN/NOTIFY`).
pub struct LiveHub {
    inner: Arc<Inner>,
    /// Open streams, capped (see [`StreamSlots`]).
    pub slots: StreamSlots,
}

struct Inner {
    events: Mutex<HashMap<EventId, Feed>>,
    closed: AtomicBool,
    version: AtomicU64,
    tick: Duration,
    ticker: OnceLock<()>,
}

/// One event's changes: those waiting for the next tick and the last batches sent.
#[derive(Default)]
struct Feed {
    /// Created by the first viewer; kept while the hub lives.
    sender: Option<broadcast::Sender<Arc<Published>>>,
    /// Changes waiting: merged, the newest version among them, and when the first came.
    pending: Option<(Change, u64, Instant)>,
    recent: VecDeque<Arc<Published>>,
    /// The newest version of this event's changes that no kept batch carries.
    forgotten: u64,
    /// The newest version of any change to this event.
    last: u64,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub::with_tick(DEFAULT_TICK)
    }
}

impl LiveHub {
    pub fn new() -> Self {
        LiveHub::default()
    }

    /// A hub that sends each event's changes once per `tick`.
    pub fn with_tick(tick: Duration) -> Self {
        LiveHub {
            inner: Arc::new(Inner {
                events: Mutex::new(HashMap::new()),
                closed: AtomicBool::new(false),
                version: AtomicU64::new(0),
                tick,
                ticker: OnceLock::new(),
            }),
            slots: StreamSlots::default(),
        }
    }

    /// Tells every viewer of `change.event`, at the next tick. Call it after the change
    /// committed.
    pub fn publish(&self, change: Change) {
        if change.is_empty() {
            return;
        }
        self.start_ticker();
        let mut events = self.inner.lock();
        // Under the lock, so that batches and versions agree (a batch carries every change up
        // to its `through`).
        let version = self.inner.version.fetch_add(1, Ordering::SeqCst) + 1;
        let feed = events.entry(change.event).or_default();
        feed.last = version;
        // Batched even while nobody watches: a page drawn a moment ago is about to open its
        // stream and ask for what it missed.
        match &mut feed.pending {
            Some((pending, through, _)) => {
                merge(pending, change);
                *through = version;
            }
            None => feed.pending = Some((merged(change), version, Instant::now())),
        }
    }

    /// Publishes several changes.
    pub fn publish_all(&self, changes: impl IntoIterator<Item = Change>) {
        for change in changes {
            self.publish(change);
        }
    }

    /// How many changes were published so far (see [`LiveHub`] on versions).
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::SeqCst)
    }

    /// The version of the newest change to `event` (0: none since the process started):
    /// what was drawn of the event at a later version is still the event as it is.
    pub fn event_version(&self, event: EventId) -> u64 {
        self.inner.lock().get(&event).map_or(0, |f| f.last)
    }

    /// Listens to an event's batches. `since`: the version a page was drawn at; what was sent
    /// after it comes first ([`CatchUp`]). After [`LiveHub::close`], the receiver is closed at
    /// once.
    pub fn subscribe(&self, event: EventId, since: Option<u64>) -> Subscription {
        if self.inner.closed.load(Ordering::SeqCst) {
            return Subscription {
                rx: broadcast::channel(1).1,
                catch_up: CatchUp::Nothing,
            };
        }
        self.start_ticker();
        let mut events = self.inner.lock();
        let feed = events.entry(event).or_default();
        let rx = feed
            .sender
            .get_or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe();
        let catch_up = match since {
            None => CatchUp::Nothing,
            Some(v) if feed.forgotten > v => CatchUp::Refresh,
            Some(v) => {
                let missed: Vec<_> = feed
                    .recent
                    .iter()
                    .filter(|p| p.through > v)
                    .cloned()
                    .collect();
                if missed.is_empty() {
                    CatchUp::Nothing
                } else {
                    CatchUp::Replay(missed)
                }
            }
        };
        Subscription { rx, catch_up }
    }

    /// Sends every event's waiting changes now, as one batch each (the ticker sends each
    /// batch one tick after its first change).
    pub fn flush(&self) {
        self.inner.flush(None);
    }

    /// The ticker: a thread that, while the hub lives, sends each event's batch one tick after
    /// the first change in it (looking a few times a tick).
    fn start_ticker(&self) {
        self.inner.ticker.get_or_init(|| {
            let weak: Weak<Inner> = Arc::downgrade(&self.inner);
            let tick = self.inner.tick;
            let look = (tick / 5).max(Duration::from_millis(2));
            let spawned = std::thread::Builder::new()
                .name("live-ticker".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(look);
                        let Some(inner) = weak.upgrade() else { break };
                        if inner.closed.load(Ordering::SeqCst) {
                            break;
                        }
                        inner.flush(Some(tick));
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "the live ticker could not start; live updates stop");
            }
        });
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<EventId, Feed>> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends the waiting batches, or with `due`, those whose first change is that old.
    fn flush(&self, due: Option<Duration>) {
        let mut events = self.lock();
        for feed in events.values_mut() {
            let ready = feed
                .pending
                .as_ref()
                .is_some_and(|(_, _, first)| due.is_none_or(|due| first.elapsed() >= due));
            if !ready {
                continue;
            }
            let Some((change, through, _)) = feed.pending.take() else {
                continue;
            };
            let published = Arc::new(Published::new(change, through));
            if feed.recent.len() == RECENT
                && let Some(old) = feed.recent.pop_front()
            {
                feed.forgotten = feed.forgotten.max(old.through);
            }
            feed.recent.push_back(published.clone());
            if let Some(sender) = &feed.sender {
                // No receivers now: kept in `recent` for a page about to open its stream.
                let _ = sender.send(published);
            }
        }
    }
}

/// A change with its seats and bookings sorted and once each.
fn merged(change: Change) -> Change {
    let mut out = Change {
        seats: Vec::new(),
        bookings: Vec::new(),
        standing: false,
        event: change.event,
    };
    merge(&mut out, change);
    out
}

fn merge(into: &mut Change, change: Change) {
    let seats: BTreeSet<SeatId> = into.seats.drain(..).chain(change.seats).collect();
    let bookings: BTreeSet<BookingId> = into.bookings.drain(..).chain(change.bookings).collect();
    into.seats = seats.into_iter().collect();
    into.bookings = bookings.into_iter().collect();
    into.standing |= change.standing;
}

impl LiveHub {
    /// Ends every viewer's stream (the server is shutting down) and accepts no new ones.
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        self.inner.lock().clear();
    }
}

#[cfg(test)]
mod tests;
