//! The map's overview, whether it sells, snapshots for live updates, the default scope.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::seatmap::{self as queries};
use crate::domain::ids::{BookingId, EventId, SeatId};
use crate::domain::seatmap::OVERVIEW_ABOVE;
use crate::domain::venue::SectionKind;
use crate::services::catalogue::{self, CatalogueError};

use super::load::section_view;
use super::seats::{SharedSeats, raw_seats, standing_views};
use super::views::{Scope, SectionView, StandingView};

/// The seated and standing sections with what is left in each (the overview's shapes).
pub fn overview_sections(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Vec<SectionView>, CatalogueError> {
    let currency = queries::currency(conn, event)?.ok_or(CatalogueError::NotFound)?;
    let rows = queries::sections(conn, event)?;
    let counts = catalogue::section_counts(conn, event, now)?;
    Ok(rows
        .iter()
        .map(|r| section_view(r, currency, counts.get(&r.id).copied()))
        .collect())
}

/// Whether seats of the event can be held now (published, sales open, not started).
pub fn on_sale(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<bool, CatalogueError> {
    use crate::domain::event::SaleState;
    Ok(crate::db::holds::event(conn, event)?.is_some_and(|ev| {
        matches!(
            crate::services::holds::sale_state(&ev, now),
            SaleState::OnSale | SaleState::FewLeft
        )
    }))
}

/// What every viewer of a change needs, read once: the changed seats (with their holders) and
/// every section with what is left in it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub seats: SharedSeats,
    pub sections: Vec<SectionView>,
    /// Seats can be held (the event may have closed meanwhile).
    pub on_sale: bool,
}

impl Snapshot {
    /// The standing areas, as the standing panel shows them.
    pub fn standing(&self) -> Vec<StandingView> {
        standing_views(&self.sections)
    }
}

pub fn snapshot(
    conn: &mut DbConnection,
    event: EventId,
    seats: &[SeatId],
    bookings: &[BookingId],
    now: NaiveDateTime,
) -> Result<Snapshot, CatalogueError> {
    Ok(Snapshot {
        seats: raw_seats(conn, event, seats, bookings)?,
        sections: overview_sections(conn, event, now)?,
        on_sale: on_sale(conn, event, now)?,
    })
}

/// What a page that names no section shows: big venues their sections, others every seat.
pub fn default_scope(conn: &mut DbConnection, event: EventId) -> Result<Scope, CatalogueError> {
    let seats: i64 = queries::sections(conn, event)?
        .iter()
        .filter(|r| r.kind == SectionKind::Seated)
        .map(|r| i64::from(r.capacity))
        .sum();
    Ok(if seats > OVERVIEW_ABOVE {
        Scope::Overview
    } else {
        Scope::All
    })
}
