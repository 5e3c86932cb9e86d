//! `/api/v1/admin/…` (API.md), behind the admin guard.

use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::access::Right;
use crate::domain::ids::{EventId, SectionId, VenueId};
use crate::domain::venue::SectionKind;
use crate::services::{cancellation, dashboard, stats};
use crate::web::access::Staff;
use crate::web::admin_guard;
use crate::web::api::doc::problems;
use crate::web::api::invalid;
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AdminVenueSection)]
struct SectionJson<'a> {
    id: SectionId,
    name: &'a str,
    kind: SectionKind,
    capacity: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AdminVenueSummary)]
struct VenueJson<'a> {
    id: VenueId,
    name: &'a str,
    city: &'a str,
    capacity: i64,
    sections: Vec<SectionJson<'a>>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AdminVenueList)]
struct VenueList<'a> {
    items: Vec<VenueJson<'a>>,
}

#[utoipa::path(
    operation_id = "listVenues",
    tag = "admin",
    summary = "Every venue with its sections",
    responses(
        (status = 200, description = "The venues.", body = VenueList),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/venues")]
async fn venues(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let scope = staff.scope(Right::ReadCatalogue);
    let venues = state
        .read(move |conn, _| Ok(dashboard::venues(conn, &scope)?))
        .await?;
    Ok(HttpResponse::Ok().json(VenueList {
        items: venues
            .iter()
            .map(|v| VenueJson {
                id: v.venue.id,
                name: &v.venue.name,
                city: &v.venue.city,
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
            })
            .collect(),
    }))
}

/// `GET /api/v1/admin/events/{id}/stats` (API.md): inventory, tickets sold, revenue from paid
/// bookings only, money refunded, and bookings by status; beyond API.md, sales by tier
/// (`tiers`) and tickets used at the door (`checked_in`).
#[utoipa::path(
    operation_id = "getEventStats",
    tag = "admin",
    summary = "An event's sales figures",
    params(("id" = i64, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "Inventory, sales, revenue and bookings by status.", body = shape::EventStats),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
    ),
    security(("bearer" = []))
)]
#[get("/events/{id}/stats")]
async fn event_stats(
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let (stats, tiers, checked_in) = state
        .read(move |conn, now| {
            let Some(figures) = stats::event_stats(conn, event, now)? else {
                return Ok(None);
            };
            let tiers = stats::tier_sales(conn, event)?;
            let checked_in = stats::tickets_checked_in(conn, event)?;
            Ok(Some((figures, tiers, checked_in)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(stats_document(event, &stats, &tiers, checked_in)))
}

/// The stats as API.md writes them, with the tiers and door figures.
fn stats_document(
    event: EventId,
    stats: &stats::EventStats,
    tiers: &[stats::TierSales],
    checked_in: i64,
) -> serde_json::Value {
    let tiers: Vec<serde_json::Value> = tiers
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id,
                "name": t.name,
                "price_cents": t.price_cents,
                "tickets_sold": t.tickets,
                "revenue_cents": t.revenue_cents,
            })
        })
        .collect();
    let bookings: serde_json::Map<String, serde_json::Value> = stats
        .sales
        .bookings
        .iter()
        .map(|(status, n)| (status.as_str().to_owned(), serde_json::json!(n)))
        .collect();
    serde_json::json!({
        "event_id": event,
        "capacity": stats.capacity,
        "available": stats.available,
        "held": stats.held,
        "sold": stats.sold,
        "tickets_sold": stats.sales.tickets_sold,
        "revenue_cents": stats.sales.revenue_cents,
        "refunded_cents": stats.sales.refunded_cents,
        "bookings": bookings,
        "tiers": tiers,
        "checked_in": checked_in,
    })
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EventCancellation)]
struct CancelBody {
    /// Why; the buyers are told (up to 500 characters).
    reason: String,
}

/// `POST /api/v1/admin/events/{id}/cancel` (API.md): 202 at once; refunds run in the
/// background; calling it again is harmless and answers the progress. Beyond API.md,
/// `failed` counts refunds the gateway kept refusing (they wait for an admin's retry).
#[utoipa::path(
    operation_id = "cancelEvent",
    tag = "admin",
    summary = "Cancel an event and refund its buyers",
    params(("id" = i64, Path, description = "The event's id.")),
    request_body = CancelBody,
    responses(
        (status = 202, description = "Cancelled or cancelling; refunds run in the background.", body = shape::CancelProgress),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 422, response = inline(problems::Invalid)),
    ),
    security(("bearer" = []))
)]
#[post("/events/{id}/cancel")]
async fn cancel_event(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    body: web::Json<CancelBody>,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let (live, by) = (state.live.clone(), staff.account.id);
    let reason = body.into_inner().reason;
    let progress = state
        .run(move |db, now| cancellation::cancel(db, &live, event, &reason, by, now))
        .await?
        .map_err(|e| match e {
            cancellation::CancelError::NotFound => AppError::NotFound,
            cancellation::CancelError::NoReason => invalid(
                "reason",
                "Say why the event is cancelled (up to 500 characters); the buyers are told.",
            ),
            cancellation::CancelError::Db(e) => e.into(),
        })?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "status": progress.status(),
        "bookings_to_refund": progress.to_refund,
        "refunded": progress.refunded,
        "failed": progress.failed,
    })))
}

/// The documents built with `json!` above, for the OpenAPI document only.
mod shape {
    #![expect(dead_code, reason = "schema-only: describes the json! documents above")]

    use std::collections::BTreeMap;

    use crate::domain::ids::{EventId, TierId};

    /// Sales of one tier.
    #[derive(utoipa::ToSchema)]
    #[schema(as = TierSales)]
    pub struct TierSales {
        id: TierId,
        name: String,
        price_cents: i64,
        tickets_sold: i64,
        revenue_cents: i64,
    }

    /// An event's figures: revenue counts paid bookings only.
    #[derive(utoipa::ToSchema)]
    pub struct EventStats {
        event_id: EventId,
        capacity: i64,
        available: i64,
        held: i64,
        sold: i64,
        tickets_sold: i64,
        revenue_cents: i64,
        refunded_cents: i64,
        /// Bookings by status (`pending`, `paid`, `expired`, `cancelled`, `refunded`).
        bookings: BTreeMap<String, i64>,
        tiers: Vec<TierSales>,
        /// Tickets used at the door.
        checked_in: i64,
    }

    #[derive(utoipa::ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum CancelStatus {
        Cancelling,
        Cancelled,
    }

    /// How far the cancellation's refunds are.
    #[derive(utoipa::ToSchema)]
    pub struct CancelProgress {
        status: CancelStatus,
        bookings_to_refund: i64,
        refunded: i64,
        /// Refunds the gateway kept refusing (they wait for an admin's retry).
        failed: i64,
    }
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/admin")
            .wrap(actix_web::middleware::from_fn(admin_guard::api))
            .service(venues)
            .service(event_stats)
            .service(cancel_event)
            .configure(super::admin_venues::routes)
            .configure(super::admin_organizers::routes)
            .configure(super::admin_bookings::routes)
            .configure(super::admin_events::routes)
            .configure(super::admin_waiting_room::routes),
    );
}
