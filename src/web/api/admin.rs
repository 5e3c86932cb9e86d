//! `/api/v1/admin/…` (API.md), behind the admin guard.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use crate::domain::ids::{SectionId, VenueId};
use crate::domain::venue::SectionKind;
use crate::services::dashboard;
use crate::startup::AppState;
use crate::web::admin_guard;
use crate::web::blocking;
use crate::web::error::AppError;

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
    let venues = blocking(&state, |conn, _| Ok(dashboard::venues(conn)?)).await?;
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(actix_web::middleware::from_fn(admin_guard::api))
            .service(venues),
    );
}
