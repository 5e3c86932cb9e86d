//! The public catalogue: search, the home page, one event, its seats.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::catalogue as queries;
use crate::db::models::{EventRow, SectionRow, TierRow, VenueRef};
use crate::db::{DbConnection, DbError};
use crate::domain::catalogue::CatalogueQuery;
use crate::domain::event::{Category, EventStatus, SaleFacts, SaleState};
use crate::domain::ids::{EventId, SeatId, SectionId, TierId};
use crate::domain::inventory::{Counts, SectionCounters};
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::money::Money;
use crate::domain::venue::{SeatStatus, SectionKind};

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("no such event")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CatalogueError {
    fn from(e: diesel::result::Error) -> Self {
        CatalogueError::Db(DbError::Query(e))
    }
}

/// An event as cards and the API list show it.
#[derive(Debug, Clone)]
pub struct EventSummary {
    pub id: EventId,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub category: Category,
    pub status: EventStatus,
    pub featured: bool,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub local_start: LocalStart,
    pub venue: VenueRef,
    pub currency: String,
    pub min_price_cents: Option<i64>,
    pub capacity: i64,
    pub available: i64,
    pub sale: SaleState,
}

impl EventSummary {
    pub fn min_price(&self) -> Option<String> {
        self.min_price_cents
            .map(|c| Money::new(c, &self.currency).to_string())
    }

    pub fn category_label(&self) -> &'static str {
        self.category.label()
    }
}

/// A price tier with what is left in it.
#[derive(Debug, Clone)]
pub struct TierAvailability {
    pub id: TierId,
    pub name: String,
    pub price_cents: i64,
    pub price: String,
    pub capacity: i64,
    pub available: i64,
}

impl TierAvailability {
    pub fn sold_out(&self) -> bool {
        self.available <= 0
    }
}

#[derive(Debug, Clone)]
pub struct EventDetail {
    pub event: EventSummary,
    pub max_tickets_per_order: i32,
    /// The box office's cap on one account's tickets (held and bought); `None`: none.
    pub max_tickets_per_account: Option<i32>,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
    pub sales_open: Option<LocalStart>,
    pub cancellation_reason: Option<String>,
    pub tiers: Vec<TierAvailability>,
    pub standing: Vec<StandingAvailability>,
}

#[derive(Debug, Clone)]
pub struct StandingAvailability {
    pub section_id: SectionId,
    pub name: String,
    pub tier_id: TierId,
    pub price_cents: i64,
    pub capacity: i64,
    pub available: i64,
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    pub items: Vec<EventSummary>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl SearchResults {
    pub fn last_page(&self) -> u32 {
        let pages = (self.total + i64::from(self.per_page) - 1) / i64::from(self.per_page);
        u32::try_from(pages.max(1)).unwrap_or(u32::MAX)
    }
}

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

/// One public event with its tiers and what is left in each.
pub fn event(
    conn: &mut DbConnection,
    id: EventId,
    now: NaiveDateTime,
) -> Result<EventDetail, CatalogueError> {
    let row = queries::public_event(conn, id)?.ok_or(CatalogueError::NotFound)?;
    let ids = [row.id];
    let tiers = queries::tiers(conn, &ids)?;
    let sections = section_availability(conn, &ids, now)?;
    let standing = standing_of(&sections);

    let mut per_tier: HashMap<TierId, Counts> = HashMap::new();
    for (section, counts) in &sections {
        *per_tier.entry(section.tier_id).or_default() += *counts;
    }
    let tier_rows: Vec<TierAvailability> = tiers
        .iter()
        .map(|t: &TierRow| {
            let counts = per_tier.get(&t.id).copied().unwrap_or_default();
            TierAvailability {
                id: t.id,
                name: t.name.clone(),
                price_cents: t.price_cents,
                price: Money::new(t.price_cents, &row.currency).to_string(),
                capacity: counts.capacity,
                available: counts.available,
            }
        })
        // A tier no section uses is not for sale at this event.
        .filter(|t| t.capacity > 0)
        .collect();
    let totals = per_tier.values().fold(Counts::default(), |mut acc, c| {
        acc += *c;
        acc
    });
    let min_price = tier_rows.iter().map(|t| t.price_cents).min();
    let sales_start_at = row.sales_start_at;
    let sales_end_at = row.sales_end_at;
    let max_tickets_per_order = row.max_tickets_per_order;
    let max_tickets_per_account = row.max_tickets_per_account;
    let cancellation_reason = row.cancellation_reason.clone();
    let tz = zone(&row.venue.timezone);
    let event = to_summary(row, min_price, totals, now);
    Ok(EventDetail {
        sales_open: sales_start_at
            .filter(|t| *t > now)
            .map(|t| LocalStart::new(t, tz)),
        event,
        max_tickets_per_order,
        max_tickets_per_account,
        sales_start_at,
        sales_end_at,
        cancellation_reason,
        tiers: tier_rows,
        standing,
    })
}

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

/// What is left in each section of one event (expired holds count as free).
pub fn section_counts(
    conn: &mut DbConnection,
    id: EventId,
    now: NaiveDateTime,
) -> Result<HashMap<SectionId, Counts>, CatalogueError> {
    Ok(section_availability(conn, &[id], now)?
        .into_iter()
        .map(|(r, counts)| (r.section_id, counts))
        .collect())
}

/// Every section on sale at the given events with what is left in it.
fn section_availability(
    conn: &mut DbConnection,
    ids: &[EventId],
    now: NaiveDateTime,
) -> Result<Vec<(SectionRow, Counts)>, CatalogueError> {
    let rows = queries::sections(conn, ids)?;
    let expired = queries::expired_holds(conn, &rows, now)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let counts = SectionCounters {
                capacity: i64::from(r.capacity),
                held: i64::from(r.held),
                sold: i64::from(r.sold),
                blocked: i64::from(r.blocked),
                expired: expired.get(&r.id).copied().unwrap_or(0),
            }
            .counts();
            (r, counts)
        })
        .collect())
}

fn standing_of(sections: &[(SectionRow, Counts)]) -> Vec<StandingAvailability> {
    sections
        .iter()
        .filter(|(r, _)| r.kind == SectionKind::Standing)
        .map(|(r, counts)| StandingAvailability {
            section_id: r.section_id,
            name: r.name.clone(),
            tier_id: r.tier_id,
            price_cents: r.price_cents,
            capacity: counts.capacity,
            available: counts.available,
        })
        .collect()
}

/// Adds prices and inventory to event rows, with one query per kind for the whole list.
fn summarise(
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

fn to_summary(
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
