//! The seat map drawn once for everyone (issue 18): the big part of the page (the map's SVG or
//! the list of seats) is drawn for "everyone" once per state of the event and kept, with its
//! brotli and gzip compressions (`web::encoding`), by event, part of the venue and view. A
//! visitor's own seats are the small personal layer: their few seats are redrawn as theirs and
//! put in place of the shared ones; their name, CSRF token and basket are the page around it.
//!
//! A drawing stays good while nothing it shows changed: no live change to the event since
//! (`LiveHub::event_version`), the event, venue and sections as edited (`MapState`), and not
//! past the next moment at which it changes by itself (a hold running out, sales opening).
//! Misses are coalesced: while one request draws, the others wait for its drawing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use chrono::NaiveDateTime;
use tokio::sync::OnceCell;

use crate::domain::ids::{EventId, SeatId, SectionId};
use crate::services::seatmap::{self, MapState, Scope};
use crate::web::encoding::Piece;
use crate::web::error::AppError;
use crate::web::pages::seatmap::view::{self, SeatMap};
use crate::web::state::AppState;

mod parts;

use parts::{Drawing, Parts};

/// Drawings kept at most (the oldest goes first).
const KEPT: usize = 64;
/// A drawing older than this is drawn again even if nothing seems to have changed (changes
/// made outside the application, straight in the database).
const MAX_AGE: Duration = Duration::from_secs(30);

/// What part of the venue a page asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Asked {
    /// No section: the venue's default.
    Default,
    All,
    Section(SectionId),
}

impl Asked {
    pub fn of(section: Option<&str>) -> Asked {
        match section {
            None => Asked::Default,
            Some("all") => Asked::All,
            Some(s) => s
                .parse::<i64>()
                .map_or(Asked::Default, |id| Asked::Section(SectionId(id))),
        }
    }

    fn query(self) -> Option<String> {
        match self {
            Asked::Default => None,
            Asked::All => Some("all".to_owned()),
            Asked::Section(id) => Some(id.to_string()),
        }
    }

    /// Whether a drawing of `scope` answers this ask (an unknown section falls back to the
    /// default and is not kept under its own key).
    fn answered_by(self, scope: Scope) -> bool {
        match self {
            Asked::Section(id) => scope == Scope::Section(id),
            _ => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    event: EventId,
    asked: Asked,
    list: bool,
}

/// One drawing of the map for everyone.
pub struct Drawn {
    /// The live version read before the database (`data-v` of what it draws).
    pub v: u64,
    /// The map as read, with no visitor's basket.
    pub map: SeatMap,
    /// The big part of the page, drawn in parts, each compressed on its own (each encoding
    /// the first time a visitor needs it).
    parts: Parts,
    event_version: u64,
    state: MapState,
    drawn_at: NaiveDateTime,
    good_until: Option<NaiveDateTime>,
    made: Instant,
}

impl Drawn {
    fn good(&self, event_version: u64, state: &MapState, now: NaiveDateTime) -> bool {
        self.event_version == event_version
            && self.state == *state
            && now >= self.drawn_at
            && self.good_until.is_none_or(|t| now < t)
            && self.made.elapsed() < MAX_AGE
    }

    /// The parts with `mine` (the visitor's seats) drawn as the visitor's own; the others
    /// are shared (see [`Parts::pieces`]).
    pub fn with_mine(&self, mine: &[SeatId], list: bool) -> Result<Vec<(usize, String)>, AppError> {
        self.parts.with_mine(&self.drawing(list), mine)
    }

    /// The drawing as pieces of an answer, `own` (from [`Drawn::with_mine`]) in place of the
    /// parts it redraws.
    pub fn pieces<'a>(&'a self, own: &'a [(usize, String)]) -> Vec<Piece<'a>> {
        self.parts.pieces(own)
    }

    fn drawing(&self, list: bool) -> Drawing<'_> {
        Drawing {
            map: &self.map,
            list,
            v: self.v,
        }
    }
}

/// The map's SVG as the page shows it, with a mark where its seats go (`parts.rs`).
#[derive(Template)]
#[template(path = "seats/_map.html")]
struct MapBody<'a> {
    map: &'a SeatMap,
    event_id: EventId,
    oob: bool,
    v: u64,
}

/// The seats as tables (or the overview's sections as a list), with a mark where each
/// table's seats go.
#[derive(Template)]
#[template(path = "seats/_list.html")]
struct ListBody<'a> {
    map: &'a SeatMap,
    event_id: EventId,
}

/// The drawings kept.
#[derive(Default)]
pub struct MapCache {
    kept: Mutex<HashMap<Key, Arc<OnceCell<Arc<Drawn>>>>>,
}

impl MapCache {
    /// The place for `key`'s drawing: the kept one if still good, else a fresh empty one
    /// (which the first request fills and the others wait for) and the drawing it replaces
    /// (whose parts the new one takes over where they are the same).
    fn slot(
        &self,
        key: Key,
        good: impl Fn(&Drawn) -> bool,
    ) -> (Arc<OnceCell<Arc<Drawn>>>, Option<Arc<Drawn>>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if !kept.contains_key(&key) && kept.len() >= KEPT {
            let oldest = kept
                .iter()
                .min_by_key(|(_, cell)| cell.get().map(|d| d.made))
                .map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                kept.remove(&oldest);
            }
        }
        let slot = kept.entry(key).or_default();
        let mut before = None;
        if slot.get().is_some_and(|d| !good(d)) {
            before = std::mem::take(slot).get().cloned();
        }
        (slot.clone(), before)
    }

    fn forget(&self, key: Key) {
        self.kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }
}

/// The map of `event` for everyone, as asked, drawn now or kept from earlier; `state`: the
/// event as the request just read it.
pub async fn drawn(
    app: &AppState,
    event: EventId,
    asked: Asked,
    list: bool,
    state: &MapState,
    now: NaiveDateTime,
) -> Result<Arc<Drawn>, AppError> {
    let key = Key { event, asked, list };
    let event_version = app.live.event_version(event);
    let (slot, before) = app.maps.slot(key, |d| d.good(event_version, state, now));
    let drawing = slot
        .get_or_try_init(|| draw(app, event, asked, list, before))
        .await?
        .clone();
    if !asked.answered_by(drawing.map.scope) {
        app.maps.forget(key);
    }
    Ok(drawing)
}

/// Draws the map for everyone, taking over the parts of the drawing `before` it that are the
/// same.
async fn draw(
    app: &AppState,
    event: EventId,
    asked: Asked,
    list: bool,
    before: Option<Arc<Drawn>>,
) -> Result<Arc<Drawn>, AppError> {
    // Versions before the database (see `LiveHub` on versions).
    let v = app.live.version();
    let event_version = app.live.event_version(event);
    let layouts = app.layouts.clone();
    let section = asked.query();
    let (map, state, drawn_at, good_until) = app
        .read(move |conn, now| {
            let state = seatmap::map_state(conn, event)?;
            let map = view::load(conn, &layouts, event, section.as_deref(), now)?;
            let good_until = state.next_moment(conn, event, now)?;
            Ok((map, state, now, good_until))
        })
        .await?;
    let started = Instant::now();
    let frame = if list {
        ListBody {
            map: &map,
            event_id: event,
        }
        .render()
    } else {
        MapBody {
            map: &map,
            event_id: event,
            oob: false,
            v,
        }
        .render()
    }
    .map_err(AppError::internal)?;
    let now = Drawing { map: &map, list, v };
    let parts = Parts::new(&frame, &now, before.as_deref().map(|b| (&b.map, &b.parts)))?;
    tracing::debug!(
        event = %event,
        parts = parts.count(),
        kept = before.as_deref().map_or(0, |b| parts.kept_from(&b.parts)),
        micros = started.elapsed().as_micros() as u64,
        "seat map drawn"
    );
    Ok(Arc::new(Drawn {
        v,
        map,
        parts,
        event_version,
        state,
        drawn_at,
        good_until,
        made: Instant::now(),
    }))
}
