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
use crate::domain::seatmap::SeatState;
use crate::services::seatmap::{self, MapState, Scope};
use crate::web::encoding::Shared;
use crate::web::error::AppError;
use crate::web::pages::seatmap::view::{self, SeatMap, SeatView};
use crate::web::state::AppState;

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
    /// The big part of the page, drawn.
    pub body: String,
    /// ... and compressed (each encoding the first time a visitor needs it).
    pub compressed: Shared,
    event_version: u64,
    state: MapState,
    drawn_at: NaiveDateTime,
    good_until: Option<NaiveDateTime>,
    made: Instant,
    /// Where each seat is in `map.seats`.
    index: HashMap<SeatId, usize>,
}

impl Drawn {
    fn good(&self, event_version: u64, state: &MapState, now: NaiveDateTime) -> bool {
        self.event_version == event_version
            && self.state == *state
            && now >= self.drawn_at
            && self.good_until.is_none_or(|t| now < t)
            && self.made.elapsed() < MAX_AGE
    }

    /// The body with `mine` drawn as the visitor's own, or `None` when none of them is shown
    /// (the shared body then serves).
    pub fn with_mine(&self, mine: &[SeatId], list: bool) -> Result<Option<String>, AppError> {
        let mut body: Option<String> = None;
        for id in mine {
            let Some(seat) = self.index.get(id).map(|i| &self.map.seats[*i]) else {
                continue;
            };
            // Drawn held (by someone, as everyone sees it): it is this visitor's.
            if seat.state != SeatState::Held {
                continue;
            }
            let seat = SeatView {
                state: SeatState::Mine,
                ..seat.clone()
            };
            let current = body.as_deref().unwrap_or(&self.body);
            let Some(range) = element(current, *id, list) else {
                continue;
            };
            let drawn = one_seat(&seat, &self.map, self.v, list)?;
            let mut next = String::with_capacity(current.len() + drawn.len());
            next.push_str(&current[..range.start]);
            next.push_str(&drawn);
            next.push_str(&current[range.end..]);
            body = Some(next);
        }
        Ok(body)
    }
}

/// Where seat `id`'s element is in a drawn body.
fn element(body: &str, id: SeatId, list: bool) -> Option<std::ops::Range<usize>> {
    if list {
        let start = body.find(&format!("<tr id=\"r{id}\""))?;
        let end = start + body[start..].find("</tr>")? + "</tr>".len();
        return Some(start..end);
    }
    let start = body
        .find(&format!("<circle id=\"s{id}\""))
        .or_else(|| body.find(&format!("<rect id=\"s{id}\"")))?;
    let end = start + body[start..].find("/>")? + "/>".len();
    Some(start..end)
}

#[derive(Template)]
#[template(path = "seats/_seat.html")]
struct OneSeat<'a> {
    s: &'a SeatView,
    event_id: EventId,
    on_sale: bool,
    oob: bool,
    v: u64,
}

#[derive(Template)]
#[template(path = "seats/_row.html")]
struct OneRow<'a> {
    s: &'a SeatView,
    on_sale: bool,
    oob: bool,
    v: u64,
}

fn one_seat(seat: &SeatView, map: &SeatMap, v: u64, list: bool) -> Result<String, AppError> {
    let (event_id, on_sale) = (map.detail.event.id, map.on_sale);
    let drawn = if list {
        OneRow {
            s: seat,
            on_sale,
            oob: false,
            v,
        }
        .render()
    } else {
        OneSeat {
            s: seat,
            event_id,
            on_sale,
            oob: false,
            v,
        }
        .render()
    };
    drawn.map_err(AppError::internal)
}

/// The map's SVG, as the page shows it.
#[derive(Template)]
#[template(path = "seats/_map.html")]
struct MapBody<'a> {
    map: &'a SeatMap,
    event_id: EventId,
    on_sale: bool,
    oob: bool,
    v: u64,
}

/// The seats as tables (or the overview's sections as a list).
#[derive(Template)]
#[template(path = "seats/_list.html")]
struct ListBody<'a> {
    map: &'a SeatMap,
    event_id: EventId,
    on_sale: bool,
    oob: bool,
    v: u64,
}

/// The drawings kept.
#[derive(Default)]
pub struct MapCache {
    kept: Mutex<HashMap<Key, Arc<OnceCell<Arc<Drawn>>>>>,
}

impl MapCache {
    /// The place for `key`'s drawing: the kept one if still good, else a fresh empty one
    /// (which the first request fills and the others wait for).
    fn slot(&self, key: Key, good: impl Fn(&Drawn) -> bool) -> Arc<OnceCell<Arc<Drawn>>> {
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
        if slot.get().is_some_and(|d| !good(d)) {
            *slot = Arc::default();
        }
        slot.clone()
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
    let slot = app.maps.slot(key, |d| d.good(event_version, state, now));
    let drawing = slot
        .get_or_try_init(|| draw(app, event, asked, list))
        .await?
        .clone();
    if !asked.answered_by(drawing.map.scope) {
        app.maps.forget(key);
    }
    Ok(drawing)
}

/// Draws the map for everyone.
async fn draw(
    app: &AppState,
    event: EventId,
    asked: Asked,
    list: bool,
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
    let (event_id, on_sale) = (event, map.on_sale);
    let body = if list {
        ListBody {
            map: &map,
            event_id,
            on_sale,
            oob: false,
            v,
        }
        .render()
    } else {
        MapBody {
            map: &map,
            event_id,
            on_sale,
            oob: false,
            v,
        }
        .render()
    }
    .map_err(AppError::internal)?;
    let index = map
        .seats
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id, i))
        .collect();
    Ok(Arc::new(Drawn {
        v,
        map,
        body,
        compressed: Shared::default(),
        event_version,
        state,
        drawn_at,
        good_until,
        made: Instant::now(),
        index,
    }))
}
