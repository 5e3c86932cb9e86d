//! SQL of the venue editor: a venue with its sections and seats, what event inventory uses
//! them, and the writes that create or reshape them.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{event_seats, event_sections, events, seats, sections, venues};
use crate::domain::ids::{EventId, SeatId, SectionId, VenueId};
use crate::domain::venue::SectionKind;

/// Rows per multi-row statement: well under both backends' bind-parameter limits.
const CHUNK: usize = 1_000;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = venues)]
pub struct VenueFields {
    pub id: VenueId,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub address: String,
    pub city: String,
    pub country: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sections)]
pub struct StoredSection {
    pub id: SectionId,
    pub name: String,
    pub kind: SectionKind,
    pub capacity: Option<i32>,
    pub position: i32,
    pub map_x: i32,
    pub map_y: i32,
    pub map_width: i32,
    pub map_height: i32,
    pub layout: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = seats)]
pub struct StoredSeat {
    pub id: SeatId,
    pub section_id: SectionId,
    pub row_label: String,
    pub row_index: i32,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
    pub blocked: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sections)]
pub struct NewSectionRow<'a> {
    pub venue_id: VenueId,
    pub name: &'a str,
    pub kind: SectionKind,
    pub capacity: Option<i32>,
    pub position: i32,
    pub map_x: i32,
    pub map_y: i32,
    pub map_width: i32,
    pub map_height: i32,
    pub layout: Option<&'a str>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = seats)]
pub struct NewSeatRow<'a> {
    pub section_id: SectionId,
    pub row_label: &'a str,
    pub row_index: i32,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
    pub blocked: bool,
}

pub fn venue(conn: &mut DbConnection, id: VenueId) -> QueryResult<Option<VenueFields>> {
    venues::table
        .find(id)
        .select(VenueFields::as_select())
        .first(conn)
        .optional()
}

pub fn sections_of(conn: &mut DbConnection, venue: VenueId) -> QueryResult<Vec<StoredSection>> {
    sections::table
        .filter(sections::venue_id.eq(venue))
        .order((sections::position, sections::id))
        .select(StoredSection::as_select())
        .load(conn)
}

pub fn seats_of(conn: &mut DbConnection, venue: VenueId) -> QueryResult<Vec<StoredSeat>> {
    seats::table
        .inner_join(sections::table)
        .filter(sections::venue_id.eq(venue))
        .order((seats::section_id, seats::row_index, seats::number))
        .select(StoredSeat::as_select())
        .load(conn)
}

pub fn slug_taken(conn: &mut DbConnection, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        venues::table.filter(venues::slug.eq(slug)),
    ))
    .get_result(conn)
}

/// How many events (any status) each venue has.
pub fn event_counts(conn: &mut DbConnection) -> QueryResult<Vec<(VenueId, i64)>> {
    events::table
        .group_by(events::venue_id)
        .select((events::venue_id, diesel::dsl::count_star()))
        .load(conn)
}

/// Bumps `updated_at` first thing in an edit: on PostgreSQL the row lock makes concurrent
/// edits of one venue take turns (SQLite's single writer does that already). 0: no such venue.
pub fn touch_venue(
    conn: &mut DbConnection,
    id: VenueId,
    now: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(venues::table.find(id))
        .set(venues::updated_at.eq(now))
        .execute(conn)
}

pub fn update_venue(
    conn: &mut DbConnection,
    v: &VenueFields,
    now: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(venues::table.find(v.id))
        .set((
            venues::name.eq(&v.name),
            venues::description.eq(&v.description),
            venues::address.eq(&v.address),
            venues::city.eq(&v.city),
            venues::country.eq(&v.country),
            venues::timezone.eq(&v.timezone),
            venues::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn insert_section(conn: &mut DbConnection, row: &NewSectionRow<'_>) -> QueryResult<SectionId> {
    diesel::insert_into(sections::table)
        .values(row)
        .returning(sections::id)
        .get_result(conn)
}

pub fn update_section(
    conn: &mut DbConnection,
    id: SectionId,
    row: &NewSectionRow<'_>,
) -> QueryResult<usize> {
    diesel::update(sections::table.find(id))
        .set((
            sections::kind.eq(row.kind),
            sections::capacity.eq(row.capacity),
            sections::position.eq(row.position),
            sections::map_x.eq(row.map_x),
            sections::map_y.eq(row.map_y),
            sections::map_width.eq(row.map_width),
            sections::map_height.eq(row.map_height),
            sections::layout.eq(row.layout),
        ))
        .execute(conn)
}

/// Multi-row inserts in chunks. diesel's batch insert isn't available through the
/// `MultiConnection` backend, so this goes through `backend::execute`; the statement is the same.
pub fn insert_seats(conn: &mut DbConnection, rows: &[NewSeatRow<'_>]) -> QueryResult<()> {
    for chunk in rows.chunks(CHUNK) {
        super::backend::execute(conn, diesel::insert_into(seats::table).values(chunk))?;
    }
    Ok(())
}

pub fn update_seat(conn: &mut DbConnection, id: SeatId, s: &NewSeatRow<'_>) -> QueryResult<usize> {
    diesel::update(seats::table.find(id))
        .set((
            seats::row_index.eq(s.row_index),
            seats::x.eq(s.x),
            seats::y.eq(s.y),
            seats::accessible.eq(s.accessible),
            seats::blocked.eq(s.blocked),
        ))
        .execute(conn)
}

pub fn delete_seats(conn: &mut DbConnection, ids: &[SeatId]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in ids.chunks(CHUNK) {
        n += diesel::delete(seats::table.filter(seats::id.eq_any(chunk))).execute(conn)?;
    }
    Ok(n)
}

pub fn delete_sections(conn: &mut DbConnection, ids: &[SectionId]) -> QueryResult<usize> {
    diesel::delete(sections::table.filter(sections::id.eq_any(ids))).execute(conn)
}

/// Per event, how many of these seats its inventory has: `(event, title, seats)`.
pub fn seat_usage(
    conn: &mut DbConnection,
    ids: &[SeatId],
) -> QueryResult<Vec<(EventId, String, i64)>> {
    let mut all: Vec<(EventId, String, i64)> = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(EventId, String, i64)> = event_seats::table
            .inner_join(events::table)
            .filter(event_seats::seat_id.eq_any(chunk))
            .group_by((events::id, events::title))
            .select((events::id, events::title, diesel::dsl::count_star()))
            .load(conn)?;
        for (id, title, n) in rows {
            match all.iter_mut().find(|(e, _, _)| *e == id) {
                Some(entry) => entry.2 += n,
                None => all.push((id, title, n)),
            }
        }
    }
    all.sort_by_key(|(id, _, _)| *id);
    Ok(all)
}

/// The events whose inventory has these sections: `(event, title, section)`.
pub fn section_usage(
    conn: &mut DbConnection,
    ids: &[SectionId],
) -> QueryResult<Vec<(EventId, String, SectionId)>> {
    event_sections::table
        .inner_join(events::table)
        .filter(event_sections::section_id.eq_any(ids))
        .order((events::id, event_sections::section_id))
        .select((events::id, events::title, event_sections::section_id))
        .load(conn)
}

/// Deletes a venue no event uses (its sections and seats go with it, by their cascades); 0
/// when an event uses it. The events' foreign key (no cascade) refuses it too.
pub fn delete_unused(conn: &mut DbConnection, id: VenueId) -> QueryResult<usize> {
    use diesel::dsl::{exists, not};
    diesel::delete(
        venues::table
            .filter(venues::id.eq(id))
            .filter(not(exists(events::table.filter(events::venue_id.eq(id))))),
    )
    .execute(conn)
}
