//! `GET /api/v1/events`, `/api/v1/events/{id}`, `/api/v1/events/{id}/seats`.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;

use crate::domain::catalogue::{CatalogueQuery, RawCatalogueQuery};
use crate::domain::event::{Category, EventStatus, SaleState};
use crate::domain::ids::{EventId, SeatId, SectionId, TierId, VenueId};
use crate::domain::local_time::rfc3339_utc;
use crate::domain::venue::SeatStatus;
use crate::services::catalogue::{self, EventSummary};
use crate::web::api::conditional::{self, CATALOGUE, LIVE};
use crate::web::error::AppError;
use crate::web::state::AppState;

pub const PAGE_SIZE: u32 = 20;

#[derive(Serialize)]
struct VenueJson<'a> {
    id: VenueId,
    name: &'a str,
    city: &'a str,
    country: &'a str,
    timezone: &'a str,
}

#[derive(Serialize)]
struct EventJson<'a> {
    id: EventId,
    title: &'a str,
    summary: &'a str,
    description: &'a str,
    category: Category,
    status: EventStatus,
    starts_at: String,
    ends_at: Option<String>,
    venue: VenueJson<'a>,
    currency: &'a str,
    min_price_cents: Option<i64>,
    capacity: i64,
    available: i64,
    sale_state: SaleState,
}

impl<'a> From<&'a EventSummary> for EventJson<'a> {
    fn from(e: &'a EventSummary) -> Self {
        EventJson {
            id: e.id,
            title: &e.title,
            summary: &e.summary,
            description: &e.description,
            category: e.category,
            status: e.status,
            starts_at: rfc3339_utc(e.starts_at),
            ends_at: e.ends_at.map(rfc3339_utc),
            venue: VenueJson {
                id: e.venue.id,
                name: &e.venue.name,
                city: &e.venue.city,
                country: &e.venue.country,
                timezone: &e.venue.timezone,
            },
            currency: e.currency.as_str(),
            min_price_cents: e.min_price_cents,
            capacity: e.capacity,
            available: e.available,
            sale_state: e.sale,
        }
    }
}

#[derive(Serialize)]
struct EventList<'a> {
    items: Vec<EventJson<'a>>,
    page: u32,
    per_page: u32,
    total: i64,
}

#[get("/events")]
async fn index(
    state: web::Data<AppState>,
    raw: web::Query<RawCatalogueQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (query, errors) = CatalogueQuery::parse(&raw, PAGE_SIZE);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let kept = state.catalogue.clone();
    let results = state
        .read(move |conn, now| Ok(kept.search(conn, &query, now)?))
        .await?;
    let list = EventList {
        items: results.items.iter().map(EventJson::from).collect(),
        page: results.page,
        per_page: results.per_page,
        total: results.total,
    };
    conditional::json(&req, &list, CATALOGUE)
}

#[derive(Serialize)]
struct TierJson<'a> {
    id: TierId,
    name: &'a str,
    price_cents: i64,
    capacity: i64,
    available: i64,
}

#[derive(Serialize)]
struct EventDetailJson<'a> {
    #[serde(flatten)]
    event: EventJson<'a>,
    max_tickets_per_order: i32,
    /// At most this many tickets per account, held and bought together (`null`: no cap).
    max_tickets_per_account: Option<i32>,
    sales_start_at: Option<String>,
    sales_end_at: Option<String>,
    cancellation_reason: Option<&'a str>,
    tiers: Vec<TierJson<'a>>,
}

fn event_id(raw: &str) -> Result<EventId, AppError> {
    raw.parse::<i64>()
        .map(EventId)
        .map_err(|_| AppError::NotFound)
}

#[get("/events/{id}")]
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = event_id(&path)?;
    let kept = state.catalogue.clone();
    let detail = state
        .read(move |conn, now| Ok(kept.event(conn, id, now)?))
        .await?;
    let json = EventDetailJson {
        event: EventJson::from(&detail.event),
        max_tickets_per_order: detail.max_tickets_per_order,
        max_tickets_per_account: detail.max_tickets_per_account,
        sales_start_at: detail.sales_start_at.map(rfc3339_utc),
        sales_end_at: detail.sales_end_at.map(rfc3339_utc),
        cancellation_reason: detail.cancellation_reason.as_deref(),
        tiers: detail
            .tiers
            .iter()
            .map(|t| TierJson {
                id: t.id,
                name: &t.name,
                price_cents: t.price.cents,
                capacity: t.capacity,
                available: t.available,
            })
            .collect(),
    };
    conditional::json(&req, &json, CATALOGUE)
}

#[derive(Serialize)]
struct SeatJson<'a> {
    id: SeatId,
    section_id: SectionId,
    section: &'a str,
    row: &'a str,
    number: i32,
    x: i32,
    y: i32,
    accessible: bool,
    tier_id: TierId,
    price_cents: i64,
    status: SeatStatus,
}

#[derive(Serialize)]
struct StandingJson<'a> {
    section_id: SectionId,
    name: &'a str,
    tier_id: TierId,
    capacity: i64,
    available: i64,
    price_cents: i64,
}

#[derive(Serialize)]
struct SeatsJson<'a> {
    seats: Vec<SeatJson<'a>>,
    standing: Vec<StandingJson<'a>>,
}

impl<'a> SeatsJson<'a> {
    fn of(all: &'a catalogue::EventSeats) -> Self {
        SeatsJson {
            seats: all
                .seats
                .iter()
                .map(|s| SeatJson {
                    id: s.id,
                    section_id: s.section_id,
                    section: &s.section,
                    row: &s.row,
                    number: s.number,
                    x: s.x,
                    y: s.y,
                    accessible: s.accessible,
                    tier_id: s.tier_id,
                    price_cents: s.price_cents,
                    status: s.status,
                })
                .collect(),
            standing: all
                .standing
                .iter()
                .map(|a| StandingJson {
                    section_id: a.section_id,
                    name: &a.name,
                    tier_id: a.tier_id,
                    capacity: a.capacity,
                    available: a.available,
                    price_cents: a.price_cents,
                })
                .collect(),
        }
    }
}

#[get("/events/{id}/seats")]
async fn seats(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = event_id(&path)?;
    let seats = state
        .read(move |conn, now| Ok(catalogue::seats(conn, id, now)?))
        .await?;
    conditional::json(&req, &SeatsJson::of(&seats), LIVE)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(index).service(show).service(seats);
}
