//! The public venues: the list (by name, optionally in one city) and one venue with its
//! sections and upcoming published events.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::models::VenueRef;
use crate::db::venues::{self as queries, SectionCapacity};
use crate::domain::ids::VenueId;
use crate::domain::venue::VenueQuery;

use super::search::summarise;
use super::views::{CatalogueError, EventSummary};

/// At most this many upcoming events are listed on a venue's page (soonest first); the count
/// says how many there are in all.
pub const VENUE_PAGE_EVENTS: i64 = 48;

/// A venue with its sections, its total capacity and how many published events are to come.
#[derive(Debug, Clone)]
pub struct VenueSummary {
    pub venue: VenueRef,
    pub sections: Vec<SectionCapacity>,
    /// Seats of the seated sections plus the standing capacities.
    pub capacity: i64,
    /// Published events starting after now.
    pub upcoming_events: i64,
}

#[derive(Debug, Clone)]
pub struct VenueList {
    pub items: Vec<VenueSummary>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl VenueList {
    pub fn last_page(&self) -> u32 {
        let pages = (self.total + i64::from(self.per_page) - 1) / i64::from(self.per_page);
        u32::try_from(pages.max(1)).unwrap_or(u32::MAX)
    }
}

/// One venue and its next published events ([`VENUE_PAGE_EVENTS`] at most).
#[derive(Debug, Clone)]
pub struct VenueDetail {
    pub venue: VenueSummary,
    pub events: Vec<EventSummary>,
}

/// Adds sections, capacities and upcoming counts to venue rows, one query per kind.
fn summarise_venues(
    conn: &mut DbConnection,
    rows: Vec<VenueRef>,
    now: NaiveDateTime,
) -> Result<Vec<VenueSummary>, CatalogueError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<VenueId> = rows.iter().map(|v| v.id).collect();
    let mut sections = queries::sections(conn, &ids)?;
    let counts = queries::upcoming_counts(conn, &ids, now)?;
    Ok(rows
        .into_iter()
        .map(|venue| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                sections.drain(..).partition(|s| s.venue_id == venue.id);
            sections = rest;
            VenueSummary {
                capacity: mine.iter().map(|s| s.capacity).sum(),
                upcoming_events: counts.get(&venue.id).copied().unwrap_or(0),
                sections: mine,
                venue,
            }
        })
        .collect())
}

#[tracing::instrument(name = "catalogue.venues", level = "debug", skip_all)]
pub fn venues(
    conn: &mut DbConnection,
    q: &VenueQuery,
    now: NaiveDateTime,
) -> Result<VenueList, CatalogueError> {
    let (rows, total) = queries::list(conn, q)?;
    Ok(VenueList {
        items: summarise_venues(conn, rows, now)?,
        total,
        page: q.page,
        per_page: q.per_page,
    })
}

#[tracing::instrument(name = "catalogue.venue", level = "debug", skip_all, fields(venue.id = %id))]
pub fn venue(
    conn: &mut DbConnection,
    id: VenueId,
    now: NaiveDateTime,
) -> Result<VenueDetail, CatalogueError> {
    let row = queries::venue(conn, id)?.ok_or(CatalogueError::NotFound)?;
    let venue = summarise_venues(conn, vec![row], now)?
        .pop()
        .ok_or(CatalogueError::NotFound)?;
    let events = queries::upcoming_events(conn, id, now, VENUE_PAGE_EVENTS)?;
    Ok(VenueDetail {
        venue,
        events: summarise(conn, events, now)?,
    })
}
