//! `/api/v1/admin/venues…`: create, read and reshape a venue (the editor's JSON twin). Behind
//! the admin guard of `/api/v1/admin`.

use std::collections::BTreeMap;

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, delete, get, post, put, web};
use serde_json::{Value, json};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::access::Right;
use crate::domain::ids::OrganizerId;
use crate::domain::ids::VenueId;
use crate::domain::venue_layout::{FieldError, input_of};
use crate::services::venue_admin::{self, VenueAdminError, VenueEditor, VenueInput};
use crate::web::access::Staff;
use crate::web::api::doc::problems;
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

/// Field errors as a problem document's `errors`: venue fields under their own names; every
/// section's errors under `sections`, each naming its section ("sections[1].rows: …").
pub fn field_errors(errors: &[FieldError]) -> BTreeMap<&'static str, String> {
    let mut map: BTreeMap<&'static str, String> = BTreeMap::new();
    for e in errors {
        let (key, text) = match e.section {
            None => (e.field, e.message.clone()),
            Some(i) => (
                "sections",
                format!("sections[{i}].{}: {}", e.field, e.message),
            ),
        };
        map.entry(key)
            .and_modify(|m| {
                m.push(' ');
                m.push_str(&text);
            })
            .or_insert(text);
    }
    map
}

impl From<VenueAdminError> for AppError {
    fn from(e: VenueAdminError) -> Self {
        match e {
            VenueAdminError::Invalid(errors) => AppError::Validation(field_errors(&errors)),
            VenueAdminError::NotFound => AppError::NotFound,
            VenueAdminError::InUse(usage) => {
                let mut extra = serde_json::Map::new();
                extra.insert("in_use".to_owned(), json!(usage));
                AppError::ConflictWith {
                    detail: VenueAdminError::in_use_message(&usage),
                    extra,
                }
            }
            VenueAdminError::HasEvents => AppError::ConflictWith {
                detail: "Events use this venue, so it can't be deleted: delete the events that \
                         never had a booking, and cancel the others."
                    .to_owned(),
                extra: serde_json::Map::new(),
            },
            VenueAdminError::Db(e) => e.into(),
        }
    }
}

/// A venue as `GET /api/v1/admin/venues` lists one, plus (with `detail`) its fields and each
/// section's spec, in the shape `PUT` takes back.
fn venue_json(v: &VenueEditor, detail: bool) -> Value {
    let sections: Vec<Value> = v
        .sections
        .iter()
        .map(|(id, s)| {
            let mut item = json!({
                "id": id,
                "name": s.name,
                "kind": s.kind,
                "capacity": s.capacity(),
            });
            if detail {
                let mut spec = serde_json::to_value(input_of(s)).unwrap_or_default();
                if let (Some(item), Some(spec)) = (item.as_object_mut(), spec.as_object_mut()) {
                    // `kind` stays seated or standing as in the list; a seated section the
                    // editor didn't draw says `"kept": true` and has no rows: sent back like
                    // that, it stays as it is.
                    spec.remove("name");
                    spec.remove("kind");
                    if s.kept {
                        item.insert("kept".to_owned(), json!(true));
                    }
                    item.append(spec);
                }
            }
            item
        })
        .collect();
    let mut body = json!({
        "id": v.venue.id,
        "name": v.venue.name,
        "city": v.venue.city,
        "capacity": v.capacity(),
        "sections": sections,
    });
    if detail && let Some(obj) = body.as_object_mut() {
        for (k, val) in [
            ("slug", &v.venue.slug),
            ("country", &v.venue.country),
            ("address", &v.venue.address),
            ("description", &v.venue.description),
            ("timezone", &v.venue.timezone),
        ] {
            obj.insert(k.to_owned(), json!(val));
        }
    }
    body
}

#[utoipa::path(
    operation_id = "createVenue",
    tag = "admin",
    summary = "Create a venue",
    request_body = VenueInput,
    responses(
        (status = 201, description = "The new venue; `Location` is its address.", body = shape::AdminVenue,
            headers(("Location" = String, description = "`/api/v1/admin/venues/{id}`."))),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
    ),
    security(("bearer" = []))
)]
#[post("/venues")]
async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<VenueInput>,
) -> Result<HttpResponse, AppError> {
    let actor = staff.account.id;
    let input = body.into_inner();
    let asked = input.organizer_id.map(OrganizerId);
    let organizer = state
        .read(move |c, _| staff.choose_organizer(c, Right::EditCatalogue, asked))
        .await?;
    // A new venue is in the public venue list at once (`write_catalogue` forgets kept answers).
    let venue = state
        .write_catalogue(move |c, now| {
            let id = venue_admin::create(c, actor, organizer, &input, now)?;
            venue_admin::load(c, id)
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/admin/venues/{}", venue.venue.id)))
        .json(venue_json(&venue, false)))
}

#[utoipa::path(
    operation_id = "getVenue",
    tag = "admin",
    summary = "One venue with each section's layout",
    params(("id" = i64, Path, description = "The venue's id.")),
    responses(
        (status = 200, description = "The venue, in the shape `PUT` takes back.", body = shape::AdminVenue),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
    ),
    security(("bearer" = []))
)]
#[get("/venues/{id}")]
async fn show(state: web::Data<AppState>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = VenueId(path.into_inner());
    let venue = state
        .read(move |c, _| Ok(venue_admin::load(c, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(venue_json(&venue, true)))
}

#[utoipa::path(
    operation_id = "updateVenue",
    tag = "admin",
    summary = "Reshape a venue",
    params(("id" = i64, Path, description = "The venue's id.")),
    request_body = VenueInput,
    responses(
        (status = 200, description = "The venue as it is now.", body = shape::AdminVenue),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "Events sell seats or sections the edit would remove (`in_use`).", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
    ),
    security(("bearer" = []))
)]
#[put("/venues/{id}")]
async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    body: web::Json<VenueInput>,
) -> Result<HttpResponse, AppError> {
    let id = VenueId(path.into_inner());
    let actor = staff.account.id;
    let input = body.into_inner();
    let venue = state
        .write_catalogue(move |c, now| {
            venue_admin::update(c, actor, id, &input, now)?;
            venue_admin::load(c, id)
        })
        .await??;
    Ok(HttpResponse::Ok().json(venue_json(&venue, true)))
}

/// The venue documents `venue_json` builds, for the OpenAPI document only.
mod shape {
    #![expect(dead_code, reason = "schema-only: describes the json! documents above")]

    use crate::domain::ids::{SectionId, VenueId};
    use crate::domain::venue::SectionKind;

    /// A section; `GET /venues/{id}` and `PUT` add its layout (the fields `PUT` takes).
    #[derive(utoipa::ToSchema)]
    #[schema(as = AdminVenueLayoutSection)]
    pub struct Section {
        id: SectionId,
        name: String,
        kind: SectionKind,
        capacity: i64,
        /// A seated section the editor did not draw: sent back like that, it stays as it is.
        kept: Option<bool>,
        rows: Option<i64>,
        seats_per_row: Option<i64>,
        first_row: Option<String>,
        numbering: Option<String>,
        shape: Option<String>,
        x: Option<i64>,
        y: Option<i64>,
        width: Option<i64>,
        height: Option<i64>,
        accessible: Option<Vec<String>>,
        blocked: Option<Vec<String>>,
    }

    /// A venue; `GET /venues/{id}` and `PUT` add `slug`, `country`, `address`,
    /// `description` and `timezone`.
    #[derive(utoipa::ToSchema)]
    pub struct AdminVenue {
        id: VenueId,
        name: String,
        city: String,
        capacity: i64,
        sections: Vec<Section>,
        slug: Option<String>,
        country: Option<String>,
        address: Option<String>,
        description: Option<String>,
        timezone: Option<String>,
    }
}

#[utoipa::path(
    operation_id = "deleteVenue",
    tag = "admin",
    summary = "Delete a venue no event uses",
    params(("id" = i64, Path, description = "The venue's id.")),
    responses(
        (status = 204, description = "The venue, its sections and seats are gone."),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "Events use the venue.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/venues/{id}")]
async fn remove(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = VenueId(path.into_inner());
    let actor = staff.account.id;
    state
        .write_catalogue(move |c, now| venue_admin::delete(c, actor, id, now))
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(show)
        .service(update)
        .service(remove);
}
