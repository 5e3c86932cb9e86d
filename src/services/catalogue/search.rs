//! Finding events: the home page, search, and the cities with events.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::catalogue as queries;
use crate::db::models::EventRow;
use crate::domain::catalogue::CatalogueQuery;
use crate::domain::event::{SaleFacts, SaleState};
use crate::domain::ids::EventId;
use crate::domain::inventory::Counts;
use crate::domain::local_time::{LocalStart, zone};

use super::event::section_availability;
use super::views::{CatalogueError, EventSummary, SearchResults};

#[tracing::instrument(name = "catalogue.search", level = "debug", skip_all)]
pub fn search(
    conn: &mut DbConnection,
    q: &CatalogueQuery,
    now: NaiveDateTime,
) -> Result<SearchResults, CatalogueError> {
    let (rows, total) = queries::search(conn, q, now)?;
    let items = summarise(conn, rows, now)?;
    Ok(SearchResults {
        items,
        total,
        page: q.page,
        per_page: q.per_page,
    })
}

pub struct Home {
    pub featured: Vec<EventSummary>,
    pub upcoming: Vec<EventSummary>,
    pub cities: Vec<String>,
}

#[tracing::instrument(name = "catalogue.home", level = "debug", skip_all)]
pub fn home(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Home, CatalogueError> {
    let featured = queries::featured(conn, now, 3)?;
    let upcoming_query = CatalogueQuery {
        words: Vec::new(),
        city: None,
        category: None,
        from: None,
        to: None,
        available_only: false,
        sort: Default::default(),
        page: 1,
        per_page: 8,
    };
    let (upcoming, _) = queries::search(conn, &upcoming_query, now)?;
    let featured = summarise(conn, featured, now)?;
    let upcoming = summarise(conn, upcoming, now)?;
    Ok(Home {
        featured,
        upcoming,
        cities: queries::cities(conn, now)?,
    })
}

pub fn cities(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Vec<String>, CatalogueError> {
    Ok(queries::cities(conn, now)?)
}

/// Adds prices and inventory to event rows, with one query per kind for the whole list.
pub(super) fn summarise(
    conn: &mut DbConnection,
    rows: Vec<EventRow>,
    now: NaiveDateTime,
) -> Result<Vec<EventSummary>, CatalogueError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<EventId> = rows.iter().map(|r| r.id).collect();
    let prices = queries::min_prices(conn, &ids)?;
    let mut totals: HashMap<EventId, Counts> = HashMap::new();
    for (section, counts) in section_availability(conn, &ids, now)? {
        *totals.entry(section.event_id).or_default() += counts;
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let counts = totals.get(&row.id).copied().unwrap_or_default();
            let price = prices.get(&row.id).copied();
            to_summary(row, price, counts, now)
        })
        .collect())
}

pub(super) fn to_summary(
    row: EventRow,
    min_price_cents: Option<i64>,
    counts: Counts,
    now: NaiveDateTime,
) -> EventSummary {
    let sale = SaleState::of(
        &SaleFacts {
            status: row.status,
            starts_at: row.starts_at,
            sales_start_at: row.sales_start_at,
            sales_end_at: row.sales_end_at,
            capacity: counts.capacity,
            available: counts.available,
        },
        now,
    );
    EventSummary {
        local_start: LocalStart::new(row.starts_at, zone(&row.venue.timezone)),
        id: row.id,
        title: row.title,
        summary: row.summary,
        description: row.description,
        category: row.category,
        status: row.status,
        featured: row.featured,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        venue: row.venue,
        currency: row.currency,
        min_price_cents,
        capacity: counts.capacity,
        available: counts.available,
        sale,
    }
}
