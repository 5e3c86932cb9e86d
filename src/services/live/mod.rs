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
//! it when its stream opens ([`LiveHub::subscribe`]). On SQLite (one process) changes are
//! numbered and sent in process; on PostgreSQL [`LiveHub::publish`] hands them to the relay
//! (`relay.rs`), which numbers them from a sequence and sends them through `LISTEN/NOTIFY`, and
//! every instance batches what it hears the same way, its own changes included.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

use crate::domain::ids::EventId;

mod catalogue;
mod change;
mod published;
mod relay;
mod slots;
mod wire;

pub use change::Change;
use change::{merge, merged};
pub use published::{Audience, CatchUp, Published, Subscription};

pub use relay::LISTENER_NAME;
pub use slots::{SlotRefused, StreamSlot, StreamSlots};

/// How many batches a slow viewer may fall behind (some seconds of ticks) before it is told to
/// refresh rather than buffered without bound.
const BUFFER: usize = 64;
/// How many of an event's last batches are kept for streams that open after a page was drawn.
const RECENT: usize = 32;
/// The default tick.
pub const DEFAULT_TICK: Duration = Duration::from_millis(150);

/// Versions: every published change moves [`LiveHub::version`] on by one. Whatever draws seats
/// reads the version *before* it reads the database and marks what it draws with it
/// (`data-v`); the page ignores a redrawn seat, section or basket older than the one it shows.
/// Answers and live updates travel by different connections and may arrive out of order (a
/// release's answer after the next hold's); without versions a late one would paint a seat
/// back to an older state. Every change is followed by a live update at least as new, so the
/// page always ends on the newest state. On SQLite the counter is the process's; on PostgreSQL
/// it is the `live_version` sequence, raised as notifications are heard, so the numbers mean
/// the same on every instance (`relay.rs`).
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
    /// On PostgreSQL: changes go to every instance through `LISTEN/NOTIFY` (`relay.rs`).
    relay: OnceLock<Arc<relay::Relay>>,
    /// Changes to the catalogue heard of (`catalogue.rs`).
    catalogue: Arc<AtomicU64>,
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
    /// Moves on with every change to the event this instance made or heard of.
    stamp: u64,
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
                relay: OnceLock::new(),
                catalogue: Arc::default(),
            }),
            slots: StreamSlots::default(),
        }
    }

    /// Tells every viewer of `change.event`, at the next tick. Call it after the change
    /// committed.
    pub fn publish(&self, change: Change) {
        self.publish_all([change]);
    }

    /// Sends this hub's changes through PostgreSQL at `url` and hears every instance's there
    /// (`relay.rs`), instead of numbering and sending them in process.
    pub fn relay_through(&self, url: &str) -> std::io::Result<()> {
        let relay = relay::start(&self.inner, url)?;
        if self.inner.relay.set(relay.clone()).is_err() {
            relay.close();
        }
        self.start_ticker();
        Ok(())
    }

    /// Publishes several changes.
    pub fn publish_all(&self, changes: impl IntoIterator<Item = Change>) {
        let changes: Vec<Change> = changes.into_iter().filter(|c| !c.is_empty()).collect();
        if changes.is_empty() {
            return;
        }
        self.start_ticker();
        if let Some(relay) = self.inner.relay.get() {
            // Numbered by PostgreSQL's sequence now, so that what this request draws next is
            // newer; batched here at once, and sent to the other instances by the relay.
            match relay.number(changes.len()) {
                Some(numbers) => {
                    for (change, number) in changes.into_iter().zip(numbers) {
                        self.inner.receive(change.clone(), number);
                        relay.send(Some(number), change);
                    }
                }
                None => {
                    // Numbered when sent. A drawing of the event made before now is not kept
                    // meanwhile.
                    for change in changes {
                        self.inner.lock().entry(change.event).or_default().stamp += 1;
                        relay.send(None, change);
                    }
                }
            }
            return;
        }
        let mut events = self.inner.lock();
        for change in changes {
            // Under the lock, so that batches and versions agree (a batch carries every change
            // up to its `through`).
            let version = self.inner.version.fetch_add(1, Ordering::SeqCst) + 1;
            Inner::add(&mut events, change, version);
        }
    }

    /// How many changes were published so far (see [`LiveHub`] on versions).
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::SeqCst)
    }

    /// A number that moves on with every change to `event` this instance made or heard of (0:
    /// none since the process started): what was drawn of the event while it stays the same is
    /// still the event as it is.
    pub fn event_version(&self, event: EventId) -> u64 {
        self.inner.lock().get(&event).map_or(0, |f| f.stamp)
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

    fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    /// Adds a change numbered `version` to its event's next batch. Batched even while nobody
    /// watches: a page drawn a moment ago is about to open its stream and ask for what it
    /// missed.
    fn add(events: &mut HashMap<EventId, Feed>, change: Change, version: u64) {
        let feed = events.entry(change.event).or_default();
        feed.last = feed.last.max(version);
        feed.stamp += 1;
        match &mut feed.pending {
            Some((pending, through, _)) => {
                merge(pending, change);
                *through = (*through).max(version);
            }
            None => feed.pending = Some((merged(change), version, Instant::now())),
        }
    }

    /// A change heard from PostgreSQL, numbered there: the version first, then the batch.
    fn receive(&self, change: Change, version: u64) {
        if change.is_empty() || self.closed.load(Ordering::SeqCst) {
            return;
        }
        let mut events = self.lock();
        self.version.fetch_max(version, Ordering::SeqCst);
        Inner::add(&mut events, change, version);
    }

    /// Changes may have been missed up to `version` (the relay's connection was lost): every
    /// open stream ends (the browser comes back and is told to draw its map again), and a
    /// page drawn before `version` that opens its stream is told the same.
    fn refresh_all(&self, version: u64) {
        let mut events = self.lock();
        self.version.fetch_max(version, Ordering::SeqCst);
        for feed in events.values_mut() {
            feed.sender = None;
            feed.recent.clear();
            feed.forgotten = feed.forgotten.max(version);
            feed.stamp += 1;
        }
        // Catalogue changes may have been missed too.
        self.catalogue.fetch_add(1, Ordering::SeqCst);
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

impl LiveHub {
    /// Ends every viewer's stream (the server is shutting down) and accepts no new ones.
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        if let Some(relay) = self.inner.relay.get() {
            relay.close();
        }
        self.inner.lock().clear();
    }
}

#[cfg(test)]
mod tests;
