//! What the catalogue answers: event summaries and details, availability by tier and area.

use chrono::NaiveDateTime;

use crate::db::DbError;
use crate::db::models::VenueRef;
use crate::domain::event::{Category, EventStatus, SaleState};
use crate::domain::ids::{EventId, SectionId, TierId};
use crate::domain::local_time::LocalStart;
use crate::domain::money::{Currency, Money};

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
    pub currency: Currency,
    pub min_price_cents: Option<i64>,
    pub capacity: i64,
    pub available: i64,
    pub sale: SaleState,
}

impl EventSummary {
    pub fn min_price(&self) -> Option<Money> {
        self.min_price_cents.map(|c| Money::new(c, self.currency))
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
    pub price: Money,
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
    /// The providers its Pay step offers, in order (issue 23).
    pub payment_providers: Vec<crate::providers::ProviderId>,
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
