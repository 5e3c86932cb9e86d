//! The sections with what is left in each, whether the event sells, snapshots for live
//! updates, the default scope.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::seatmap::{self as queries, MapSection};
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId};
use crate::domain::inventory::Counts;
use crate::domain::money::Currency;
use crate::domain::seatmap::OVERVIEW_ABOVE;
use crate::domain::venue::SectionKind;
use crate::services::catalogue::{self, CatalogueError};

use super::scope::Scope;
use super::seats::{SharedSeats, raw_seats};

/// The event's sections on sale (seated and standing) with what is left in each.
#[derive(Debug, Clone)]
pub struct Sections {
    pub currency: Currency,
    pub rows: Vec<MapSection>,
    pub counts: HashMap<SectionId, Counts>,
}

/// The seated and standing sections with what is left in each (the overview's shapes).
pub fn sections(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Sections, CatalogueError> {
    let currency = queries::currency(conn, event)?.ok_or(CatalogueError::NotFound)?;
    let rows = queries::sections(conn, event)?;
    let counts = catalogue::section_counts(conn, event, now)?;
    Ok(Sections {
        currency,
        rows,
        counts,
    })
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

/// What every viewer of a change needs, read once: the changed seats (with their holders and
/// the owners of the changed bookings) and every section with what is left in it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub seats: SharedSeats,
    pub sections: Sections,
    /// Seats can be held (the event may have closed meanwhile).
    pub on_sale: bool,
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
        sections: sections(conn, event, now)?,
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
