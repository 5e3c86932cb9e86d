//! The public venue queries: venues by name (optionally in one city), one venue, their sections
//! with capacities, and their upcoming published events.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::DbConnection;
use super::MultiBackend;
use super::models::{EventRow, VenueRef};
use super::schema::{events, seats, sections, venues};
use crate::domain::event::EventStatus;
use crate::domain::ids::{SectionId, VenueId};
use crate::domain::venue::{SectionKind, VenueQuery};

diesel::define_sql_function!(
    /// SQL `lower()`: ASCII case folding on SQLite, full Unicode on PostgreSQL.
    fn lower(x: Text) -> Text
);

/// A section as the public sees it: a seated one holds its seats (blocked ones too, as the
/// venue editor counts them), a standing one its capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionCapacity {
    pub id: SectionId,
    pub venue_id: VenueId,
    pub name: String,
    pub kind: SectionKind,
    pub capacity: i64,
}

fn matching(q: &VenueQuery) -> venues::BoxedQuery<'static, MultiBackend> {
    let mut query = venues::table.into_boxed();
    if let Some(city) = &q.city {
        query = query.filter(lower(venues::city).eq(city.to_lowercase()));
    }
    query
}

/// One page of the venues, by name, and how many match.
pub fn list(conn: &mut DbConnection, q: &VenueQuery) -> QueryResult<(Vec<VenueRef>, i64)> {
    let total: i64 = matching(q).count().get_result(conn)?;
    if total <= q.offset() {
        return Ok((Vec::new(), total));
    }
    let rows = matching(q)
        .order((venues::name.asc(), venues::id.asc()))
        .limit(i64::from(q.per_page))
        .offset(q.offset())
        .select(VenueRef::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn venue(conn: &mut DbConnection, id: VenueId) -> QueryResult<Option<VenueRef>> {
    venues::table
        .find(id)
        .select(VenueRef::as_select())
        .first(conn)
        .optional()
}

/// The sections of these venues in map order, each with its capacity.
pub fn sections(conn: &mut DbConnection, ids: &[VenueId]) -> QueryResult<Vec<SectionCapacity>> {
    let rows: Vec<(SectionId, VenueId, String, SectionKind, Option<i32>)> = sections::table
        .filter(sections::venue_id.eq_any(ids))
        .order((sections::venue_id, sections::position, sections::id))
        .select((
            sections::id,
            sections::venue_id,
            sections::name,
            sections::kind,
            sections::capacity,
        ))
        .load(conn)?;
    let seated: Vec<SectionId> = rows
        .iter()
        .filter(|r| r.3 == SectionKind::Seated)
        .map(|r| r.0)
        .collect();
    let seat_counts: HashMap<SectionId, i64> = if seated.is_empty() {
        HashMap::new()
    } else {
        seats::table
            .filter(seats::section_id.eq_any(&seated))
            .group_by(seats::section_id)
            .select((seats::section_id, count_star()))
            .load::<(SectionId, i64)>(conn)?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|(id, venue_id, name, kind, capacity)| SectionCapacity {
            capacity: match kind {
                SectionKind::Standing => i64::from(capacity.unwrap_or(0)),
                SectionKind::Seated => seat_counts.get(&id).copied().unwrap_or(0),
            },
            id,
            venue_id,
            name,
            kind,
        })
        .collect())
}

/// Published events starting after `now` at these venues, how many per venue (a venue with none
/// is absent).
pub fn upcoming_counts(
    conn: &mut DbConnection,
    ids: &[VenueId],
    now: NaiveDateTime,
) -> QueryResult<HashMap<VenueId, i64>> {
    Ok(events::table
        .filter(events::venue_id.eq_any(ids))
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::starts_at.gt(now))
        .group_by(events::venue_id)
        .select((events::venue_id, count_star()))
        .load::<(VenueId, i64)>(conn)?
        .into_iter()
        .collect())
}

/// The first `limit` published events starting after `now` at the venue, soonest first.
pub fn upcoming_events(
    conn: &mut DbConnection,
    id: VenueId,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    events::table
        .inner_join(venues::table)
        .filter(events::venue_id.eq(id))
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::starts_at.gt(now))
        .order((events::starts_at.asc(), events::id.asc()))
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}
