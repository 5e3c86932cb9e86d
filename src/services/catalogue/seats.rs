//! An event's seats as the public API lists them.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::catalogue as queries;
use crate::domain::ids::{EventId, SeatId, SectionId, TierId};
use crate::domain::venue::SeatStatus;

use super::event::{section_availability, standing_of};
use super::views::{CatalogueError, StandingAvailability};

/// A seat on the map with what a buyer needs to know about it.
#[derive(Debug, Clone)]
pub struct SeatView {
    pub id: SeatId,
    pub section_id: SectionId,
    pub section: String,
    pub row: String,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
    pub tier_id: TierId,
    pub price_cents: i64,
    /// Public status: a seat under an expired hold is `available`.
    pub status: SeatStatus,
}

pub struct EventSeats {
    pub seats: Vec<SeatView>,
    pub standing: Vec<StandingAvailability>,
}

#[tracing::instrument(name = "catalogue.seats", level = "debug", skip_all, fields(event.id = %id))]
pub fn seats(
    conn: &mut DbConnection,
    id: EventId,
    now: NaiveDateTime,
) -> Result<EventSeats, CatalogueError> {
    if queries::public_event(conn, id)?.is_none() {
        return Err(CatalogueError::NotFound);
    }
    let seats = queries::event_seats(conn, id)?
        .into_iter()
        .map(|s| SeatView {
            status: match (s.status, s.held_until) {
                (SeatStatus::Held, Some(until)) if until <= now => SeatStatus::Available,
                (status, _) => status,
            },
            id: s.seat_id,
            section_id: s.section_id,
            section: s.section,
            row: s.row_label,
            number: s.number,
            x: s.x,
            y: s.y,
            accessible: s.accessible,
            tier_id: s.tier_id,
            price_cents: s.price_cents,
        })
        .collect();
    let standing = standing_of(&section_availability(conn, &[id], now)?);
    Ok(EventSeats { seats, standing })
}
