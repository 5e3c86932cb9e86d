//! What the seat map draws: the event's sections with their map rectangles and prices, and its
//! seats with their state and who holds them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    bookings, event_seats, event_sections, events, price_tiers, seats, sections, venues,
};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId, TierId, UserId, VenueId};
use crate::domain::money::{Currency, Money};
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
    pub tier_position: i32,
    pub price_cents: i64,
    pub capacity: i32,
}

/// The event's sections on sale, in map order, with their tier.
pub fn sections(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<MapSection>> {
    event_sections::table
        .inner_join(sections::table)
        .inner_join(price_tiers::table.on(price_tiers::id.eq(event_sections::tier_id)))
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
            price_tiers::position,
            price_tiers::price_cents,
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
    pub held_until: Option<NaiveDateTime>,
    /// The booking holding (or having bought) the seat.
    pub booking_id: Option<BookingId>,
}

/// The event's seats (of one section, or only the given seats), in map order.
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
            event_seats::held_until,
            event_seats::booking_id,
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

/// The event's currency, if the event exists.
pub fn currency(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<Currency>> {
    events::table
        .filter(events::id.eq(event))
        .select(events::currency)
        .first(conn)
        .optional()
}

/// A buyer's most recent booking for an event.
#[derive(Debug, Clone, Queryable)]
pub struct LatestBooking {
    pub id: BookingId,
    pub reference: String,
    pub status: BookingStatus,
    pub expires_at: NaiveDateTime,
    pub total: Money,
}

pub fn latest_booking(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
) -> QueryResult<Option<LatestBooking>> {
    bookings::table
        .filter(bookings::user_id.eq(user))
        .filter(bookings::event_id.eq(event))
        .order((bookings::created_at.desc(), bookings::id.desc()))
        .select((
            bookings::id,
            bookings::reference,
            bookings::status,
            bookings::expires_at,
            (bookings::total_cents, bookings::currency),
        ))
        .first(conn)
        .optional()
}

/// Who made each of these bookings (a live change's few holders).
pub fn booking_owners(
    conn: &mut DbConnection,
    ids: &[BookingId],
) -> QueryResult<Vec<(BookingId, UserId)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    bookings::table
        .filter(bookings::id.eq_any(ids))
        .select((bookings::id, bookings::user_id))
        .load(conn)
}

/// When the venue (its layout included) last changed.
pub fn venue_version(conn: &mut DbConnection, venue: VenueId) -> QueryResult<NaiveDateTime> {
    venues::table
        .filter(venues::id.eq(venue))
        .select(venues::updated_at)
        .first(conn)
}

/// A seat of the venue's layout: where it is and what it is called.
#[derive(Debug, Clone, Queryable)]
pub struct LayoutRow {
    pub seat_id: SeatId,
    pub section_id: SectionId,
    pub row_label: String,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
}

/// Every seat of the venue, in map order.
pub fn venue_seats(conn: &mut DbConnection, venue: VenueId) -> QueryResult<Vec<LayoutRow>> {
    seats::table
        .inner_join(sections::table)
        .filter(sections::venue_id.eq(venue))
        .order((seats::section_id, seats::row_index, seats::number))
        .select((
            seats::id,
            seats::section_id,
            seats::row_label,
            seats::number,
            seats::x,
            seats::y,
            seats::accessible,
        ))
        .load(conn)
}

/// A seat's state at one event.
#[derive(Debug, Clone, Copy, Queryable)]
pub struct SeatStateRow {
    pub seat_id: SeatId,
    pub status: SeatStatus,
    pub held_until: Option<NaiveDateTime>,
    pub booking_id: Option<BookingId>,
}

/// The states of the event's seats (of one section, when given): no layout, no order.
pub fn seat_states(
    conn: &mut DbConnection,
    event: EventId,
    section: Option<SectionId>,
) -> QueryResult<Vec<SeatStateRow>> {
    let mut query = event_seats::table
        .filter(event_seats::event_id.eq(event))
        .select((
            event_seats::seat_id,
            event_seats::status,
            event_seats::held_until,
            event_seats::booking_id,
        ))
        .into_boxed();
    if let Some(section) = section {
        query = query.filter(event_seats::section_id.eq(section));
    }
    query.load(conn)
}

/// What a map of the event drawn earlier depends on besides its seats' and places' states
/// (which the live hub's versions follow): the event as edited, its venue's layout, its
/// sections on sale, and the times at which it starts or stops selling.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct MapStamp {
    pub event_version: i32,
    pub event_updated: NaiveDateTime,
    pub status: String,
    pub venue_updated: NaiveDateTime,
    pub starts_at: NaiveDateTime,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
}

/// The event's [`MapStamp`] and when its sections on sale last changed; `None`: no such event.
pub fn map_stamp(
    conn: &mut DbConnection,
    event: EventId,
) -> QueryResult<Option<(MapStamp, Option<NaiveDateTime>)>> {
    let Some(stamp) = events::table
        .inner_join(venues::table)
        .filter(events::id.eq(event))
        .select((
            events::version,
            events::updated_at,
            events::status,
            venues::updated_at,
            events::starts_at,
            events::sales_start_at,
            events::sales_end_at,
        ))
        .first::<MapStamp>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let sections = event_sections::table
        .filter(event_sections::event_id.eq(event))
        .select(diesel::dsl::max(event_sections::updated_at))
        .first::<Option<NaiveDateTime>>(conn)?;
    Ok(Some((stamp, sections)))
}

/// The first hold of the event to run out after `now` (its seats look free from then on).
pub fn next_expiry(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    bookings::table
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .filter(bookings::expires_at.gt(now))
        .select(diesel::dsl::min(bookings::expires_at))
        .first(conn)
}
