//! `GET /api/v1/venues` and `/api/v1/venues/{id}`: the public venues (no credentials), with
//! conditional GETs as the event list has.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::ids::{SectionId, VenueId};
use crate::domain::venue::{RawVenueQuery, SectionKind, VenueQuery};
use crate::services::catalogue::VenueSummary;
use crate::web::api::conditional::{self, CATALOGUE};
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

/// As many venues a page as the event list has events.
pub const PAGE_SIZE: u32 = super::events::PAGE_SIZE;

/// A section: a seated one's capacity is its seats, a standing one's its places.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = VenueSection)]
struct SectionJson<'a> {
    id: SectionId,
    name: &'a str,
    kind: SectionKind,
    capacity: i64,
}

/// A venue with its sections and how many published events are to come there.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Venue)]
struct VenueJson<'a> {
    id: VenueId,
    name: &'a str,
    city: &'a str,
    /// ISO 3166-1 alpha-2.
    country: &'a str,
    address: &'a str,
    /// IANA time zone of the venue's clocks (event times are shown in it).
    timezone: &'a str,
    /// The seats of its seated sections plus the capacities of its standing ones.
    capacity: i64,
    sections: Vec<SectionJson<'a>>,
    /// Published events at the venue starting after now.
    upcoming_events: i64,
}

impl<'a> From<&'a VenueSummary> for VenueJson<'a> {
    fn from(v: &'a VenueSummary) -> Self {
        VenueJson {
            id: v.venue.id,
            name: &v.venue.name,
            city: &v.venue.city,
            country: &v.venue.country,
            address: &v.venue.address,
            timezone: &v.venue.timezone,
            capacity: v.capacity,
            sections: v
                .sections
                .iter()
                .map(|s| SectionJson {
                    id: s.id,
                    name: &s.name,
                    kind: s.kind,
                    capacity: s.capacity,
                })
                .collect(),
            upcoming_events: v.upcoming_events,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = VenueList)]
struct VenueList<'a> {
    items: Vec<VenueJson<'a>>,
    page: u32,
    per_page: u32,
    total: i64,
}

#[utoipa::path(
    operation_id = "listPublicVenues",
    tag = "venues",
    summary = "The venues, by name",
    params(
        RawVenueQuery,
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer: 304 when it has not changed."),
    ),
    responses(
        (status = 200, description = "A page of venues.", body = VenueList,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the `ETag` sent in `If-None-Match`.",
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 422, description = "`page` or `per_page` could not be read.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/venues")]
async fn index(
    state: web::Data<AppState>,
    raw: web::Query<RawVenueQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (query, errors) = VenueQuery::parse(&raw, PAGE_SIZE);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let kept = state.catalogue.clone();
    let venues = state
        .read(move |conn, now| Ok(kept.venues(conn, &query, now)?))
        .await?;
    let list = VenueList {
        items: venues.items.iter().map(VenueJson::from).collect(),
        page: venues.page,
        per_page: venues.per_page,
        total: venues.total,
    };
    conditional::json(&req, &list, CATALOGUE)
}

#[utoipa::path(
    operation_id = "getPublicVenue",
    tag = "venues",
    summary = "One venue",
    params(
        ("id" = i64, Path, description = "The venue's id."),
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer: 304 when it has not changed."),
    ),
    responses(
        (status = 200, description = "The venue.", body = VenueJson,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the `ETag` sent in `If-None-Match`.",
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "No such venue.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/venues/{id}")]
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = path
        .parse::<i64>()
        .map(VenueId)
        .map_err(|_| AppError::NotFound)?;
    let kept = state.catalogue.clone();
    let detail = state
        .read(move |conn, now| Ok(kept.venue(conn, id, now)?))
        .await?;
    conditional::json(&req, &VenueJson::from(&detail.venue), CATALOGUE)
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(index).service(show);
}
