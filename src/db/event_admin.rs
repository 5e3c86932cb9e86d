//! The event editor's SQL (issue 7): the admin's view of events of every status, their
//! inventory, and the guarded writes (`WHERE version = ?`, `WHERE status = ?`, "nothing held or
//! sold") whose affected-row counts the service checks.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, exists, not};
use diesel::prelude::*;

use super::DbConnection;
use super::models::NewEventSeat;
use super::schema::{
    booking_items, bookings, event_seats, event_sections, events, price_tiers, seats, sections,
    venues,
};
use crate::domain::catalogue::contains_pattern;
use crate::domain::event::{Category, EventStatus};
use crate::domain::ids::{EventId, SeatId, SectionId, TierId, VenueId};
use crate::domain::venue::{SeatStatus, SectionKind};

diesel::define_sql_function!(
    /// SQL `lower()`.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

/// An event as the editor reads it: every column the form and the admin document show.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct AdminEventRow {
    pub id: EventId,
    pub venue_id: VenueId,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub description: String,
    pub category: Category,
    pub status: EventStatus,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub currency: String,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
    pub max_tickets_per_order: i32,
    pub published_at: Option<NaiveDateTime>,
    pub version: i32,
    pub max_tickets_per_account: Option<i32>,
}

/// The venue fields the editor shows.
#[derive(Debug, Clone, Queryable)]
pub struct VenueBrief {
    pub id: VenueId,
    pub name: String,
    pub city: String,
    pub timezone: String,
}

/// A section of a venue, with its number of seats (seated) or its capacity (standing).
#[derive(Debug, Clone)]
pub struct VenueSection {
    pub id: SectionId,
    pub name: String,
    pub kind: SectionKind,
    pub capacity: i32,
}

/// A section on sale at an event: its inventory row, tier and counters.
#[derive(Debug, Clone, Queryable)]
pub struct OnSale {
    pub id: i64,
    pub section_id: SectionId,
    pub tier_id: TierId,
    pub held: i32,
    pub sold: i32,
}

#[derive(Debug, Clone, Queryable)]
pub struct TierLine {
    pub id: TierId,
    pub name: String,
    pub price_cents: i64,
    pub position: i32,
}

pub fn event(conn: &mut DbConnection, id: EventId) -> QueryResult<Option<AdminEventRow>> {
    events::table
        .filter(events::id.eq(id))
        .select(AdminEventRow::as_select())
        .first(conn)
        .optional()
}

/// Events of every status, soonest first, filtered by status and words of the title or venue.
pub fn list(
    conn: &mut DbConnection,
    status: Option<EventStatus>,
    words: &[String],
    limit: i64,
) -> QueryResult<Vec<AdminEventRow>> {
    let mut query = events::table
        .inner_join(venues::table)
        .select(AdminEventRow::as_select())
        .order((events::starts_at.asc(), events::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(events::status.eq(status));
    }
    for word in words {
        let pattern = contains_pattern(word);
        query = query.filter(
            lower(events::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(venues::name).like(pattern.clone()).escape('\\'))
                .or(lower(venues::city).like(pattern).escape('\\')),
        );
    }
    query.load(conn)
}

/// Number of events per status.
pub fn status_counts(conn: &mut DbConnection) -> QueryResult<Vec<(EventStatus, i64)>> {
    events::table
        .group_by(events::status)
        .select((events::status, count_star()))
        .load(conn)
}

pub fn venue(conn: &mut DbConnection, id: VenueId) -> QueryResult<Option<VenueBrief>> {
    venues::table
        .filter(venues::id.eq(id))
        .select((venues::id, venues::name, venues::city, venues::timezone))
        .first(conn)
        .optional()
}

pub fn venues_of(conn: &mut DbConnection, ids: &[VenueId]) -> QueryResult<Vec<VenueBrief>> {
    venues::table
        .filter(venues::id.eq_any(ids))
        .select((venues::id, venues::name, venues::city, venues::timezone))
        .load(conn)
}

pub fn all_venues(conn: &mut DbConnection) -> QueryResult<Vec<VenueBrief>> {
    venues::table
        .order((venues::name, venues::id))
        .select((venues::id, venues::name, venues::city, venues::timezone))
        .load(conn)
}

/// A venue's sections in map order, each with its seat count or standing capacity.
pub fn venue_sections(conn: &mut DbConnection, venue: VenueId) -> QueryResult<Vec<VenueSection>> {
    let rows: Vec<(SectionId, String, SectionKind, Option<i32>)> = sections::table
        .filter(sections::venue_id.eq(venue))
        .order((sections::position, sections::id))
        .select((
            sections::id,
            sections::name,
            sections::kind,
            sections::capacity,
        ))
        .load(conn)?;
    let ids: Vec<SectionId> = rows.iter().map(|r| r.0).collect();
    let counts: Vec<(SectionId, i64)> = seats::table
        .filter(seats::section_id.eq_any(&ids))
        .group_by(seats::section_id)
        .select((seats::section_id, count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, kind, capacity)| VenueSection {
            capacity: match kind {
                SectionKind::Standing => capacity.unwrap_or(0),
                SectionKind::Seated => counts
                    .iter()
                    .find(|(s, _)| *s == id)
                    .map_or(0, |(_, n)| i32::try_from(*n).unwrap_or(i32::MAX)),
            },
            id,
            name,
            kind,
        })
        .collect())
}

pub fn slug_taken(conn: &mut DbConnection, slug: &str) -> QueryResult<bool> {
    diesel::select(exists(events::table.filter(events::slug.eq(slug)))).get_result(conn)
}

pub fn tiers(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<TierLine>> {
    price_tiers::table
        .filter(price_tiers::event_id.eq(event))
        .order((price_tiers::position, price_tiers::id))
        .select((
            price_tiers::id,
            price_tiers::name,
            price_tiers::price_cents,
            price_tiers::position,
        ))
        .load(conn)
}

pub fn on_sale(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<OnSale>> {
    event_sections::table
        .filter(event_sections::event_id.eq(event))
        .order(event_sections::id)
        .select((
            event_sections::id,
            event_sections::section_id,
            event_sections::tier_id,
            event_sections::held,
            event_sections::sold,
        ))
        .load(conn)
}

pub fn has_bookings(conn: &mut DbConnection, event: EventId) -> QueryResult<bool> {
    diesel::select(exists(bookings::table.filter(bookings::event_id.eq(event)))).get_result(conn)
}

/// The event fields an edit writes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = events)]
#[diesel(treat_none_as_null = true)]
pub struct EventChanges<'a> {
    pub venue_id: VenueId,
    pub title: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub category: Category,
    pub starts_at: NaiveDateTime,
    pub starts_local: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub currency: &'a str,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
    pub max_tickets_per_order: i32,
    /// `None` clears the cap (`treat_none_as_null`).
    pub max_tickets_per_account: Option<i32>,
    pub updated_at: NaiveDateTime,
}

/// The optimistic-concurrency write: changes the event only if it is still at `version` and in
/// one of `statuses`, and bumps the version. Returns the number of rows changed (0 or 1).
pub fn update_guarded(
    conn: &mut DbConnection,
    id: EventId,
    version: i32,
    statuses: &[EventStatus],
    changes: &EventChanges<'_>,
) -> QueryResult<usize> {
    diesel::update(
        events::table
            .filter(events::id.eq(id))
            .filter(events::version.eq(version))
            .filter(events::status.eq_any(statuses)),
    )
    .set((changes, events::version.eq(events::version + 1)))
    .execute(conn)
}

/// draft → published, guarded on the version, the status, a start still to come and at least
/// one section on sale.
pub fn publish(
    conn: &mut DbConnection,
    id: EventId,
    version: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        events::table
            .filter(events::id.eq(id))
            .filter(events::version.eq(version))
            .filter(events::status.eq(EventStatus::Draft))
            .filter(events::starts_at.gt(now))
            .filter(exists(
                event_sections::table.filter(event_sections::event_id.eq(id)),
            )),
    )
    .set((
        events::status.eq(EventStatus::Published),
        events::published_at.eq(now),
        events::updated_at.eq(now),
        events::version.eq(events::version + 1),
    ))
    .execute(conn)
}

/// published → completed, guarded on the version and the status.
pub fn close(
    conn: &mut DbConnection,
    id: EventId,
    version: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        events::table
            .filter(events::id.eq(id))
            .filter(events::version.eq(version))
            .filter(events::status.eq(EventStatus::Published)),
    )
    .set((
        events::status.eq(EventStatus::Completed),
        events::updated_at.eq(now),
        events::version.eq(events::version + 1),
    ))
    .execute(conn)
}

pub fn update_tier(
    conn: &mut DbConnection,
    event: EventId,
    tier: TierId,
    name: &str,
    price_cents: i64,
    position: i32,
) -> QueryResult<usize> {
    diesel::update(
        price_tiers::table
            .filter(price_tiers::id.eq(tier))
            .filter(price_tiers::event_id.eq(event)),
    )
    .set((
        price_tiers::name.eq(name),
        price_tiers::price_cents.eq(price_cents),
        price_tiers::position.eq(position),
    ))
    .execute(conn)
}

/// Gives a section on sale another tier, only while nothing in it is held or sold.
pub fn retier_section(
    conn: &mut DbConnection,
    event_section: i64,
    tier: TierId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        event_sections::table
            .filter(event_sections::id.eq(event_section))
            .filter(event_sections::held.eq(0))
            .filter(event_sections::sold.eq(0)),
    )
    .set((
        event_sections::tier_id.eq(tier),
        event_sections::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Takes a section off sale (its seat rows go with it), only while nothing in it is held or
/// sold and no booking, live or past, ever referred to it.
pub fn remove_section(
    conn: &mut DbConnection,
    event: EventId,
    section: SectionId,
) -> QueryResult<usize> {
    let seat_rows = event_seats::table
        .filter(event_seats::event_id.eq(event))
        .filter(event_seats::section_id.eq(section))
        .select(event_seats::id.nullable());
    let es_ids = event_sections::table
        .filter(event_sections::event_id.eq(event))
        .filter(event_sections::section_id.eq(section))
        .select(event_sections::id.nullable());
    let referenced = exists(
        booking_items::table.filter(
            booking_items::event_seat_id
                .eq_any(seat_rows)
                .or(booking_items::event_section_id.eq_any(es_ids)),
        ),
    );
    let free: bool = diesel::select(not(referenced)).get_result(conn)?;
    if !free {
        return Ok(0);
    }
    diesel::delete(
        event_seats::table
            .filter(event_seats::event_id.eq(event))
            .filter(event_seats::section_id.eq(section))
            .filter(event_seats::status.eq_any(vec![SeatStatus::Available, SeatStatus::Blocked])),
    )
    .execute(conn)?;
    diesel::delete(
        event_sections::table
            .filter(event_sections::event_id.eq(event))
            .filter(event_sections::section_id.eq(section))
            .filter(event_sections::held.eq(0))
            .filter(event_sections::sold.eq(0)),
    )
    .execute(conn)
}

/// Removes all of an event's inventory, only while it has no booking at all.
pub fn clear_inventory(conn: &mut DbConnection, event: EventId) -> QueryResult<bool> {
    let booked: bool = diesel::select(exists(bookings::table.filter(bookings::event_id.eq(event))))
        .get_result(conn)?;
    if booked {
        return Ok(false);
    }
    diesel::delete(event_seats::table.filter(event_seats::event_id.eq(event))).execute(conn)?;
    diesel::delete(event_sections::table.filter(event_sections::event_id.eq(event)))
        .execute(conn)?;
    Ok(true)
}

/// A seated section's seats as `(seat, blocked by the venue)`, in map order.
pub fn section_seats(
    conn: &mut DbConnection,
    section: SectionId,
) -> QueryResult<Vec<(SeatId, bool)>> {
    seats::table
        .filter(seats::section_id.eq(section))
        .order((seats::row_index, seats::number, seats::id))
        .select((seats::id, seats::blocked))
        .load(conn)
}

/// The seat rows of a section put on sale (blocked ones counted by the triggers).
pub fn seat_rows(
    event: EventId,
    section: SectionId,
    seats: &[(SeatId, bool)],
    now: NaiveDateTime,
) -> Vec<NewEventSeat> {
    seats
        .iter()
        .map(|(seat, blocked)| NewEventSeat {
            event_id: event,
            seat_id: *seat,
            section_id: section,
            status: if *blocked {
                SeatStatus::Blocked
            } else {
                SeatStatus::Available
            },
            booking_id: None,
            updated_at: now,
        })
        .collect()
}
