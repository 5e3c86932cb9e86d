//! What the seat map draws: the event's sections with their map rectangles, and its seats with
//! their state and who holds them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{event_seats, event_sections, seats, sections};
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId, TierId};
use crate::domain::venue::{SeatStatus, SectionKind};

#[derive(Debug, Clone, Queryable)]
pub struct MapSection {
    pub id: SectionId,
    pub name: String,
    pub kind: SectionKind,
    pub map_x: i32,
    pub map_y: i32,
    pub map_width: i32,
    pub map_height: i32,
    pub tier_id: TierId,
    pub capacity: i32,
}

/// The event's sections on sale, in map order.
pub fn sections(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<MapSection>> {
    event_sections::table
        .inner_join(sections::table)
        .filter(event_sections::event_id.eq(event))
        .order((sections::position, sections::id))
        .select((
            sections::id,
            sections::name,
            sections::kind,
            sections::map_x,
            sections::map_y,
            sections::map_width,
            sections::map_height,
            event_sections::tier_id,
            event_sections::capacity,
        ))
        .load(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct MapSeat {
    pub seat_id: SeatId,
    pub section_id: SectionId,
    pub row_label: String,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
    pub status: SeatStatus,
    pub booking_id: Option<BookingId>,
    pub held_until: Option<NaiveDateTime>,
}

/// The event's seats (of one section, or of the given seats), in map order.
pub fn seats_of(
    conn: &mut DbConnection,
    event: EventId,
    section: Option<SectionId>,
    only: Option<&[SeatId]>,
) -> QueryResult<Vec<MapSeat>> {
    let mut query = event_seats::table
        .inner_join(seats::table)
        .filter(event_seats::event_id.eq(event))
        .order((seats::section_id, seats::row_index, seats::number))
        .select((
            seats::id,
            seats::section_id,
            seats::row_label,
            seats::number,
            seats::x,
            seats::y,
            seats::accessible,
            event_seats::status,
            event_seats::booking_id,
            event_seats::held_until,
        ))
        .into_boxed();
    if let Some(section) = section {
        query = query.filter(event_seats::section_id.eq(section));
    }
    if let Some(ids) = only {
        query = query.filter(event_seats::seat_id.eq_any(ids.to_vec()));
    }
    query.load(conn)
}
