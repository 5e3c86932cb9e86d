//! The admin's view of events of every status: rows, counts, venues and their sections, tiers and
//! what is on sale.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;

use super::lower;
use crate::db::DbConnection;
use crate::db::schema::{bookings, event_sections, events, price_tiers, seats, sections, venues};
use crate::domain::access::Scope;
use crate::domain::catalogue::contains_pattern;
use crate::domain::event::{Category, EventStatus};
use crate::domain::ids::{EventId, EventSectionId, OrganizerId, SectionId, TierId, VenueId};
use crate::domain::money::Currency;
use crate::domain::venue::SectionKind;

/// An event as the editor reads it: every column the form and the admin document show.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct AdminEventRow {
    pub id: EventId,
    pub venue_id: VenueId,
    pub organizer_id: OrganizerId,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub description: String,
    pub category: Category,
    pub status: EventStatus,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub currency: Currency,
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
    pub id: EventSectionId,
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
    scope: &Scope,
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
    if let Some(ids) = scope.ids() {
        query = query.filter(events::organizer_id.eq_any(ids.to_vec()));
    }
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
pub fn status_counts(
    conn: &mut DbConnection,
    scope: &Scope,
) -> QueryResult<Vec<(EventStatus, i64)>> {
    let mut query = events::table
        .group_by(events::status)
        .select((events::status, count_star()))
        .into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(events::organizer_id.eq_any(ids.to_vec()));
    }
    query.load(conn)
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

/// The venues of the organizers in `scope`, by name.
pub fn all_venues(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<VenueBrief>> {
    let mut query = venues::table
        .order((venues::name, venues::id))
        .select((venues::id, venues::name, venues::city, venues::timezone))
        .into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(venues::organizer_id.eq_any(ids.to_vec()));
    }
    query.load(conn)
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
