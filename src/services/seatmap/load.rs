//! Loading an event's seat map for one scope: what the web layer draws.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::seatmap::{self as queries, MapSection, SeatStateRow};
use crate::domain::event::SaleState;
use crate::domain::ids::{EventId, SectionId};
use crate::domain::inventory::Counts;
use crate::domain::seatmap::OVERVIEW_ABOVE;
use crate::domain::venue::SectionKind;
use crate::services::catalogue::{self, CatalogueError, EventDetail};

use super::layouts::{Layouts, VenueLayout};
use super::scope::Scope;

/// An event's map for one scope, as read: what the page draws.
pub struct MapData {
    pub detail: EventDetail,
    /// The sections on sale, in map order, with their tier and price.
    pub sections: Vec<MapSection>,
    /// What is left in each.
    pub counts: HashMap<SectionId, Counts>,
    pub scope: Scope,
    /// The venue is big enough to open on the overview.
    pub big: bool,
    /// Seats of the seated sections.
    pub seat_count: i64,
    /// The seats the scope shows (none on the overview).
    pub seats: Option<MapSeats>,
    /// Holds are possible now.
    pub on_sale: bool,
}

/// The seats of a map: the venue's layout and the event's seat states.
pub struct MapSeats {
    pub layout: Arc<VenueLayout>,
    pub states: Vec<SeatStateRow>,
}

/// The map of `event`. `section`: a seated section's id, or `all` for every seat; otherwise
/// big venues open on the overview and small ones show every seat.
#[tracing::instrument(name = "seatmap.load", level = "debug", skip_all, fields(event.id = %event))]
pub fn load(
    conn: &mut DbConnection,
    layouts: &Layouts,
    event: EventId,
    section: Option<&str>,
    now: NaiveDateTime,
) -> Result<MapData, CatalogueError> {
    let detail = catalogue::event(conn, event, now)?;
    let sections = queries::sections(conn, event)?;
    let counts = catalogue::section_counts(conn, event, now)?;
    let seat_count: i64 = sections
        .iter()
        .filter(|r| r.kind == SectionKind::Seated)
        .map(|r| i64::from(r.capacity))
        .sum();
    let big = seat_count > OVERVIEW_ABOVE;
    let chosen = section.and_then(|s| {
        if s == "all" {
            return Some(Scope::All);
        }
        let id = SectionId(s.parse().ok()?);
        sections
            .iter()
            .any(|r| r.id == id && r.kind == SectionKind::Seated)
            .then_some(Scope::Section(id))
    });
    let scope = chosen.unwrap_or(if big { Scope::Overview } else { Scope::All });
    let seats = match scope {
        Scope::Overview => None,
        _ => Some(MapSeats {
            states: queries::seat_states(conn, event, scope.section())?,
            layout: layouts.venue(conn, detail.event.venue.id)?,
        }),
    };
    let on_sale = matches!(detail.event.sale, SaleState::OnSale | SaleState::FewLeft);
    Ok(MapData {
        detail,
        sections,
        counts,
        scope,
        big,
        seat_count,
        seats,
        on_sale,
    })
}

/// What a map drawn earlier depends on besides the seats' and places' states: the event, its
/// venue and sections as edited (see `db::seatmap::MapStamp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapState {
    stamp: queries::MapStamp,
    sections: Option<NaiveDateTime>,
}

/// The event's [`MapState`]; `NotFound` for no such event.
pub fn map_state(conn: &mut DbConnection, event: EventId) -> Result<MapState, CatalogueError> {
    let (stamp, sections) = queries::map_stamp(conn, event)?.ok_or(CatalogueError::NotFound)?;
    Ok(MapState { stamp, sections })
}

impl MapState {
    /// The first moment after `now` at which a map drawn now may look different without any
    /// change being made to it: a hold runs out, sales open or close, or the event starts.
    pub fn next_moment(
        &self,
        conn: &mut DbConnection,
        event: EventId,
        now: NaiveDateTime,
    ) -> Result<Option<NaiveDateTime>, CatalogueError> {
        let s = &self.stamp;
        let expiry = queries::next_expiry(conn, event, now)?;
        Ok(
            [expiry, s.sales_start_at, s.sales_end_at, Some(s.starts_at)]
                .into_iter()
                .flatten()
                .filter(|t| *t > now)
                .min(),
        )
    }
}
