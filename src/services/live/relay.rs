//! Live changes across instances (issue 19, SCALE_OUT.md §3): on PostgreSQL every instance's
//! changes go through `LISTEN/NOTIFY`, so a viewer on one instance sees a hold made through
//! another.
//!
//! - [`LiveHub::publish`](super::LiveHub::publish), after the change committed, numbers it
//!   from the `live_version` sequence (one `nextval` on the relay's own connection, never
//!   inside the hold's transaction), batches it for this instance's viewers at once and queues
//!   it here. Numbered before the request draws its answer, the answer is newer than the page
//!   it answers, as on SQLite.
//! - The publisher thread merges the queue by event every [`DRAIN`] and sends each as
//!   `pg_notify('boxoffice_live', number || '|' || change)` on its own connection, one short
//!   autocommit statement (NOTIFY never runs inside a hold, where PostgreSQL would hold its
//!   cluster-wide notify lock until the commit). A change that could not be numbered at once
//!   takes its number here (and is batched here for this instance). Payloads stay under
//!   `wire::MAX_PAYLOAD`: a big change (a sweep, a cancellation) goes in several.
//! - The listener thread, on its own connection, runs `LISTEN boxoffice_live`, then reads the
//!   sequence and raises the hub's version to it, then tells every local viewer to refresh
//!   (they may have missed changes while it was away), then hands every other instance's
//!   notification to the hub (its own publisher's it already has). Every [`CHECK`] it asks
//!   the sequence again: a number handed out a whole check ago and never heard means something
//!   was missed, and the viewers refresh. On any error it drops the connection and starts
//!   over, waiting 0.5 s, doubling to 30 s.
//!
//! - A change to the catalogue (`LiveHub::catalogue_changed`) goes on the same channel as the
//!   payload `catalogue`, unnumbered; each instance that hears it forgets the catalogue answers
//!   it keeps (`services::catalogue::CatalogueCache`), as it does after a reconnect.
//!
//! Versions come from the sequence, so `data-v` means the same on every instance: a drawing
//! reads the hub's version, then the database; a change it missed was numbered after its commit,
//! so after that version, and its own update repaints the seat.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::pg::PgConnection;

use crate::db::live;
use crate::domain::ids::EventId;

use super::wire::{parse, payloads};
use super::{Change, Inner, merge, merged};

/// How often queued changes are sent, and the listener looks for notifications.
const DRAIN: Duration = Duration::from_millis(20);
/// How often the listener checks its connection and the sequence.
const CHECK: Duration = Duration::from_secs(5);
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_MOST: Duration = Duration::from_secs(30);

/// Changes waiting to be sent, with their numbers (`None`: to be numbered when sent).
pub(super) struct Relay {
    queue: Mutex<Vec<(Option<u64>, Change)>>,
    wake: Condvar,
    closed: AtomicBool,
    /// The connection changes are numbered on, and its address.
    numbering: Mutex<Option<PgConnection>>,
    url: String,
    /// The publisher's backend: its notifications are this instance's own.
    own: AtomicI32,
    /// The catalogue changed: to be told to the other instances.
    catalogue: AtomicBool,
}

impl Relay {
    pub(super) fn send(&self, number: Option<u64>, change: Change) {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((number, change));
        self.wake.notify_one();
    }

    /// `n` new numbers from the sequence, or `None` if PostgreSQL cannot be reached now (the
    /// publisher numbers the changes when it sends them).
    pub(super) fn number(&self, n: usize) -> Option<Vec<u64>> {
        let mut conn = self.numbering.lock().unwrap_or_else(|e| e.into_inner());
        if conn.is_none() {
            *conn = PgConnection::establish(&self.url)
                .map_err(|e| tracing::warn!(error = %e, "cannot number live changes now"))
                .ok();
        }
        match live::numbers(conn.as_mut()?, n) {
            Ok(numbers) => Some(numbers),
            Err(e) => {
                tracing::warn!(error = %e, "cannot number live changes now");
                *conn = None;
                None
            }
        }
    }

    /// Tells the other instances the catalogue changed (at the next drain).
    pub(super) fn send_catalogue(&self) {
        self.catalogue.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake.notify_all();
    }

    fn closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// What was queued, waiting up to a drain for something.
    fn take(&self) -> Vec<(Option<u64>, Change)> {
        let queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let (mut queue, _) = self
            .wake
            .wait_timeout_while(queue, DRAIN, |q| {
                q.is_empty() && !self.closed() && !self.catalogue.load(Ordering::SeqCst)
            })
            .unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *queue)
    }
}

/// Starts the publisher and the listener for a hub on `url` (a PostgreSQL database).
pub(super) fn start(hub: &Arc<Inner>, url: &str) -> std::io::Result<Arc<Relay>> {
    let url = with_keepalives(url);
    let relay = Arc::new(Relay {
        queue: Mutex::new(Vec::new()),
        wake: Condvar::new(),
        closed: AtomicBool::new(false),
        numbering: Mutex::new(None),
        url: named(&url, "boxoffice_live_numbering"),
        own: AtomicI32::new(0),
        catalogue: AtomicBool::new(false),
    });
    let out_url = named(&url, "boxoffice_live_publisher");
    let url = named(&url, LISTENER_NAME);
    let (out, weak) = (relay.clone(), Arc::downgrade(hub));
    std::thread::Builder::new()
        .name("live-publisher".into())
        .spawn(move || publisher(&out, &weak, &out_url))?;
    let (quit, weak) = (relay.clone(), Arc::downgrade(hub));
    std::thread::Builder::new()
        .name("live-listener".into())
        .spawn(move || listener(&quit, &weak, &url))?;
    Ok(relay)
}

/// The listener's connection as `pg_stat_activity` shows it.
pub const LISTENER_NAME: &str = "boxoffice_live_listener";

fn named(url: &str, name: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}application_name={name}")
}

/// libpq keepalives, so that a half-open socket is noticed, and a bound on connecting.
fn with_keepalives(url: &str) -> String {
    if url.contains("keepalives") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!(
        "{url}{sep}keepalives=1&keepalives_idle=10&keepalives_interval=5&keepalives_count=3&connect_timeout=5"
    )
}

fn publisher(relay: &Relay, hub: &Weak<Inner>, url: &str) {
    let mut out = Outgoing {
        url,
        conn: None,
        backoff: BACKOFF_FIRST,
    };
    while !relay.closed() && hub.strong_count() > 0 {
        if relay.catalogue.swap(false, Ordering::SeqCst)
            && deliver(relay, hub, &mut out, live::notify_catalogue).is_none()
        {
            return;
        }
        // Merged by event: numbered together if all were numbered (the newest number), else
        // numbered when sent.
        let mut by_event: BTreeMap<EventId, (Option<u64>, Change)> = BTreeMap::new();
        for (number, change) in relay.take() {
            match by_event.get_mut(&change.event) {
                Some((n, into)) => {
                    *n = n.zip(number).map(|(a, b)| a.max(b));
                    merge(into, change);
                }
                None => {
                    by_event.insert(change.event, (number, merged(change)));
                }
            }
        }
        for (number, change) in by_event.into_values() {
            // The first payload takes the number when the change has none; the rest share it.
            let mut number = number;
            let fresh = number.is_none();
            for payload in payloads(&change) {
                // Sent in order; tried again until it goes (or the hub stops).
                let sent = deliver(relay, hub, &mut out, |c| live::notify(c, number, &payload));
                let Some(v) = sent else { return };
                number = Some(v);
            }
            // Numbered just now: this instance's viewers hear it here.
            if let (true, Some(v), Some(hub)) = (fresh, number, hub.upgrade()) {
                hub.receive(change, v);
            }
        }
    }
}

/// The publisher's connection.
struct Outgoing<'a> {
    url: &'a str,
    conn: Option<PgConnection>,
    backoff: Duration,
}

/// Runs `send` on the publisher's connection, connecting first if need be, and again after a
/// pause until it goes; `None` if the hub stopped meanwhile.
fn deliver<T>(
    relay: &Relay,
    hub: &Weak<Inner>,
    out: &mut Outgoing,
    mut send: impl FnMut(&mut PgConnection) -> diesel::QueryResult<T>,
) -> Option<T> {
    loop {
        if relay.closed() || hub.strong_count() == 0 {
            return None;
        }
        if out.conn.is_none() {
            match PgConnection::establish(out.url) {
                Ok(mut c) => {
                    relay.own.store(live::backend(&mut c), Ordering::SeqCst);
                    out.conn = Some(c);
                }
                Err(e) => tracing::warn!(error = %e, "the live publisher cannot connect"),
            }
        }
        let sent = match &mut out.conn {
            Some(c) => send(c).map_err(|e| e.to_string()),
            None => Err("not connected".to_owned()),
        };
        match sent {
            Ok(v) => {
                out.backoff = BACKOFF_FIRST;
                return Some(v);
            }
            Err(e) => {
                tracing::warn!(error = %e, wait_ms = out.backoff.as_millis() as u64,
                    "live changes could not be sent to the other instances; trying again");
                out.conn = None;
                std::thread::sleep(out.backoff);
                out.backoff = (out.backoff * 2).min(BACKOFF_MOST);
            }
        }
    }
}

fn listener(relay: &Relay, hub: &Weak<Inner>, url: &str) {
    let mut backoff = BACKOFF_FIRST;
    while !relay.closed() {
        match listen(relay, hub, url) {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, wait_ms = backoff.as_millis() as u64,
                    "the live listener lost PostgreSQL; its viewers refresh when it is back");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(BACKOFF_MOST);
            }
        }
    }
}

/// Listens until the hub stops (`Ok`) or the connection fails.
fn listen(relay: &Relay, hub: &Weak<Inner>, url: &str) -> Result<(), String> {
    let err = |e: diesel::result::Error| e.to_string();
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    live::listen(&mut conn).map_err(err)?;
    let start = live::handed_out(&mut conn).map_err(err)?;
    match hub.upgrade() {
        Some(hub) => hub.refresh_all(start),
        None => return Ok(()),
    }
    tracing::info!(version = start, "live listener connected");
    let mut checked = Instant::now();
    // The sequence at the last check: heard by the next one, or something was missed.
    let mut expected = start;
    loop {
        let Some(hub) = hub.upgrade() else {
            return Ok(());
        };
        if relay.closed() {
            return Ok(());
        }
        for notification in conn.notifications_iter() {
            let notification = notification.map_err(err)?;
            if notification.process_id == relay.own.load(Ordering::SeqCst) {
                // This instance's own, batched when it was numbered.
                continue;
            }
            if notification.payload == live::CATALOGUE {
                hub.catalogue.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            match parse(&notification.payload) {
                Some((version, change)) => hub.receive(change, version),
                None => {
                    tracing::warn!(payload = %notification.payload, "a live notification could not be read")
                }
            }
        }
        if checked.elapsed() >= CHECK {
            checked = Instant::now();
            let now = live::handed_out(&mut conn).map_err(err)?;
            if hub.version() < expected {
                tracing::warn!(
                    heard = hub.version(),
                    expected,
                    "live changes were missed; viewers refresh"
                );
                hub.refresh_all(now);
            }
            expected = now;
        }
        drop(hub);
        std::thread::sleep(DRAIN);
    }
}
