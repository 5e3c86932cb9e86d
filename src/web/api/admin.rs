//! `/api/v1/admin/…` (API.md), behind the admin guard.

use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;

use crate::domain::ids::{EventId, SectionId, VenueId};
use crate::domain::venue::SectionKind;
use crate::services::{cancellation, dashboard, stats};
use crate::web::admin_guard;
use crate::web::api::invalid;
use crate::web::error::AppError;
use crate::web::state::AppState;

#[derive(Serialize)]
struct SectionJson<'a> {
    id: SectionId,
    name: &'a str,
    kind: SectionKind,
    capacity: i64,
}

#[derive(Serialize)]
struct VenueJson<'a> {
    id: VenueId,
    name: &'a str,
    city: &'a str,
    capacity: i64,
    sections: Vec<SectionJson<'a>>,
}

#[derive(Serialize)]
struct VenueList<'a> {
    items: Vec<VenueJson<'a>>,
}

#[get("/venues")]
async fn venues(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let venues = state.read(|conn, _| Ok(dashboard::venues(conn)?)).await?;
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

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    reason: String,
}

/// `POST /api/v1/admin/events/{id}/cancel` (API.md): 202 at once; refunds run in the
/// background; calling it again is harmless and answers the progress. Beyond API.md,
/// `failed` counts refunds the gateway kept refusing (they wait for an admin's retry).
#[post("/events/{id}/cancel")]
async fn cancel_event(
    state: web::Data<AppState>,
    admin: admin_guard::Admin,
    path: web::Path<i64>,
    body: web::Json<CancelBody>,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let (live, by) = (state.live.clone(), admin.0.id);
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(actix_web::middleware::from_fn(admin_guard::api))
            .service(venues)
            .service(event_stats)
            .service(cancel_event)
            .configure(super::admin_venues::routes)
            .configure(super::admin_bookings::routes)
            .configure(super::admin_events::routes)
            .configure(super::admin_waiting_room::routes),
    );
}
