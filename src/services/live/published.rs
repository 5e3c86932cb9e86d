//! What viewers receive: one tick's batch of an event's changes, drawn once per audience.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use tokio::sync::{OnceCell, broadcast};

use crate::services::seatmap::Scope;

use super::Change;

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
    /// The newest version among them (see [`LiveHub`](super::LiveHub) on versions).
    pub through: u64,
    /// The changed seats' new state, read by the first viewer to need it and kept for the
    /// others, with the [`LiveHub::version`](super::LiveHub::version) read just before.
    pub snapshot: OnceLock<Option<(u64, Arc<crate::services::seatmap::Snapshot>)>>,
    /// The message each audience is sent, drawn by its first viewer (`None`: nothing it shows
    /// changed).
    rendered: Mutex<HashMap<Audience, Arc<OnceCell<Option<Bytes>>>>>,
}

impl Published {
    pub(super) fn new(change: Change, through: u64) -> Self {
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

/// What a new stream must do before it hears new batches (see [`LiveHub::subscribe`](super::LiveHub::subscribe)).
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
