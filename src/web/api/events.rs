//! `GET /api/v1/events`, `/api/v1/events/{id}`, `/api/v1/events/{id}/seats`.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::catalogue::{CatalogueQuery, RawCatalogueQuery};
use crate::domain::event::{Category, EventStatus, SaleState};
use crate::domain::ids::{EventId, SeatId, SectionId, TierId, VenueId};
use crate::domain::local_time::rfc3339_utc;
use crate::domain::venue::SeatStatus;
use crate::services::catalogue::{self, EventSummary};
use crate::web::api::conditional::{self, CATALOGUE, LIVE};
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

pub const PAGE_SIZE: u32 = 20;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = EventVenue)]
struct VenueJson<'a> {
    id: VenueId,
    name: &'a str,
    city: &'a str,
    country: &'a str,
    timezone: &'a str,
}

/// A published event. Times are RFC 3339, UTC.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Event)]
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

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = EventList)]
struct EventList<'a> {
    items: Vec<EventJson<'a>>,
    page: u32,
    per_page: u32,
    total: i64,
}

#[utoipa::path(
    operation_id = "listEvents",
    tag = "catalogue",
    summary = "Search the published events",
    params(
        RawCatalogueQuery,
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer: 304 when it has not changed."),
    ),
    responses(
        (status = 200, description = "A page of events.", body = EventList,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the `ETag` sent in `If-None-Match`.",
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 422, description = "A filter could not be read.", body = Problem, content_type = "application/problem+json"),
    )
)]
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

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = EventTier)]
struct TierJson<'a> {
    id: TierId,
    name: &'a str,
    price_cents: i64,
    capacity: i64,
    available: i64,
}

impl<'a> TierJson<'a> {
    fn of(t: &'a crate::services::catalogue::TierAvailability) -> Self {
        TierJson {
            id: t.id,
            name: &t.name,
            price_cents: t.price.cents,
            capacity: t.capacity,
            available: t.available,
        }
    }
}

/// A published event with its tiers and limits.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = EventDetail)]
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
    /// The providers and ways to pay this event accepts, in the order the Pay step lists them.
    payment_options: Vec<PaymentOptionJson>,
}

/// One way to pay an event: a method at a provider.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PaymentOption)]
struct PaymentOptionJson {
    provider: crate::providers::ProviderId,
    method: crate::providers::Method,
}

/// Every method of each provider the event offers.
fn payment_options(
    providers: &crate::providers::Providers,
    offered: &[crate::providers::ProviderId],
) -> Vec<PaymentOptionJson> {
    providers
        .options(offered)
        .into_iter()
        .map(|(p, method)| PaymentOptionJson {
            provider: p.id(),
            method,
        })
        .collect()
}

fn event_id(raw: &str) -> Result<EventId, AppError> {
    raw.parse::<i64>()
        .map(EventId)
        .map_err(|_| AppError::NotFound)
}

#[utoipa::path(
    operation_id = "getEvent",
    tag = "catalogue",
    summary = "One published event",
    params(
        ("id" = i64, Path, description = "The event's id."),
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer: 304 when it has not changed."),
    ),
    responses(
        (status = 200, description = "The event.", body = EventDetailJson,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the `ETag` sent in `If-None-Match`.",
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "Unknown, or a draft.", body = Problem, content_type = "application/problem+json"),
    )
)]
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
        tiers: detail.tiers.iter().map(TierJson::of).collect(),
        payment_options: payment_options(&state.providers, &detail.payment_providers),
    };
    conditional::json(&req, &json, CATALOGUE)
}

/// A seat and its state now (a seat under an expired hold is `available`).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Seat)]
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

/// A standing section and the places left in it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = StandingSection)]
struct StandingJson<'a> {
    section_id: SectionId,
    name: &'a str,
    tier_id: TierId,
    capacity: i64,
    available: i64,
    price_cents: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = EventSeats)]
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

#[utoipa::path(
    operation_id = "getEventSeats",
    tag = "catalogue",
    summary = "An event's seats and standing sections, live",
    params(
        ("id" = i64, Path, description = "The event's id."),
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer: 304 when it has not changed."),
    ),
    responses(
        (status = 200, description = "Every seat and standing section.", body = SeatsJson,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the `ETag` sent in `If-None-Match`.",
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "Unknown, or a draft.", body = Problem, content_type = "application/problem+json"),
    )
)]
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

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(index).service(show).service(seats);
}
