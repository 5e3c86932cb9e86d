//! The event editor's JSON twins (issue 7), under `/api/v1/admin` (behind the admin guard):
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | GET | `/events?status=&q=` | – | 200 `{"items":[admin event…]}`, every status, drafts too |
//! | POST | `/events` | API.md's body, plus optional `summary`, `ends_at`, `sales_start_at`, `sales_end_at`, `max_tickets_per_order`, `max_tickets_per_account` (`null`: no limit) | 201 admin event (`draft`; `"status":"published"` publishes at once); 422 `errors` |
//! | GET | `/events/{id}` | – | 200 admin event; 404 |
//! | PATCH | `/events/{id}` | any of those fields plus `"version"` (required); `tiers` items carry the `id` of existing tiers (none can be removed); `section_tiers` values index `tiers` (or the current tiers when `tiers` is not sent); `"status":"published"` publishes, `"completed"` closes | 200 admin event; 409 with `current_version` when the version is stale or the transition isn't allowed; 422 |
//! | POST | `/events/{id}/duplicate` | – | 201 the new draft |
//!
//! An admin event: the public event fields of API.md (`id, title, description, category, status,
//! starts_at, venue{id,name,city}, currency, min_price_cents, capacity, available`) plus `slug,
//! summary, ends_at, sales_start_at, sales_end_at, max_tickets_per_order,
//! max_tickets_per_account (null: no limit), version, sold,
//! tiers:[{id,name,price_cents}], section_tiers:{"<section_id>": tier_id}`.

mod body;
mod shape;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::DbConnection;
use crate::domain::access::{Permissions, Right};
use crate::domain::event::EventStatus;
use crate::domain::ids::EventId;
use crate::services::event_admin::{self as service, AdminEvent, EventAdminError, EventInput};
use crate::web::access::Staff;
use crate::web::api::doc::problems;
use crate::web::api::invalid;
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

use body::{apply, body_object, document, wanted_status};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only events in this status.
    status: Option<String>,
    /// Words of the title.
    #[serde(default)]
    q: String,
}

#[utoipa::path(
    operation_id = "listAdminEvents",
    tag = "admin",
    summary = "Every event, drafts too",
    params(ListQuery),
    responses(
        (status = 200, description = "The events.", body = shape::AdminEventList),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
    ),
    security(("bearer" = []))
)]
#[get("/events")]
async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { status, q } = query.into_inner();
    let status = match status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<EventStatus>().map_err(|_| {
            AppError::Validation(
                [(
                    "status",
                    "Give draft, review, approved, published, completed or cancelled.".to_owned(),
                )]
                .into_iter()
                .collect(),
            )
        })?),
    };
    let events = state
        .read(move |conn, now| {
            let scope = staff.scope(Right::ReadCatalogue);
            Ok(service::list(conn, &scope, status, &q, now)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "items": events.iter().map(document).collect::<Vec<_>>(),
    })))
}

#[utoipa::path(
    operation_id = "getAdminEvent",
    tag = "admin",
    summary = "One event as the admin sees it",
    params(("id" = i64, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The event.", body = shape::AdminEvent),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
    ),
    security(("bearer" = []))
)]
#[get("/events/{id}")]
async fn show(state: web::Data<AppState>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = EventId(path.into_inner());
    let event = state
        .read(move |conn, now| Ok(service::get(conn, id, now)?))
        .await?;
    Ok(HttpResponse::Ok().json(document(&event)))
}

#[utoipa::path(
    operation_id = "createEvent",
    tag = "admin",
    summary = "Create an event",
    request_body = shape::AdminEventFields,
    responses(
        (status = 201, description = "The new event (a draft unless `status` is `published`).", body = shape::AdminEvent),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
    ),
    security(("bearer" = []))
)]
#[post("/events")]
async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    let body = body_object(body.into_inner())?;
    let publish = match wanted_status(&body)? {
        None | Some(EventStatus::Draft) => false,
        Some(EventStatus::Published) => true,
        Some(_) => {
            return Err(AppError::Validation(
                [("status", "A new event is a draft or published.".to_owned())]
                    .into_iter()
                    .collect(),
            ));
        }
    };
    let mut input = EventInput::default();
    apply(&body, &mut input);
    let actor = staff.permissions.clone();
    let event = state
        .write_catalogue(move |c, now| -> Result<AdminEvent, EventAdminError> {
            let id = service::create(c, &actor, &input, publish, now)?;
            service::get(c, id, now)
        })
        .await??;
    Ok(HttpResponse::Created().json(document(&event)))
}

/// A PATCH as read from its body: the fields to change (if any), the status wanted (if any),
/// and the version the edit started from.
struct Patch {
    body: Map<String, Value>,
    version: i32,
    status: Option<EventStatus>,
    edits_fields: bool,
}

impl Patch {
    fn parse(body: Value) -> Result<Self, AppError> {
        let body = body_object(body)?;
        let version = match body.get("version").map(Value::as_i64) {
            Some(Some(v)) => i32::try_from(v).unwrap_or(0),
            _ => {
                return Err(invalid(
                    "version",
                    "Send the version the edit started from (the event's \"version\").",
                ));
            }
        };
        let status = wanted_status(&body)?;
        let edits_fields = body.keys().any(|k| k != "version" && k != "status");
        Ok(Patch {
            body,
            version,
            status,
            edits_fields,
        })
    }

    /// The edit, then the transition, in the caller's transaction; the event as it is after.
    fn apply(
        self,
        c: &mut DbConnection,
        actor: &Permissions,
        id: EventId,
        now: NaiveDateTime,
    ) -> Result<AdminEvent, EventAdminError> {
        let current = service::get(c, id, now)?;
        let mut version = self.version;
        if self.edits_fields || self.status.is_none() {
            let mut input = current.to_input();
            apply(&self.body, &mut input);
            version = service::update(c, actor.user, id, version, &input, now)?;
        }
        match self.status {
            Some(to) if to != current.row.status => {
                service::transition(c, actor, id, version, to, now)?;
            }
            Some(_) | None => {}
        }
        service::get(c, id, now)
    }
}

#[utoipa::path(
    operation_id = "editEvent",
    tag = "admin",
    summary = "Edit, publish or close an event",
    params(("id" = i64, Path, description = "The event's id.")),
    request_body = shape::AdminEventEdit,
    responses(
        (status = 200, description = "The event as it is now.", body = shape::AdminEvent),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "Someone changed it first (`current_version`, `current`), or the event cannot be edited or make that move.", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
    ),
    security(("bearer" = []))
)]
#[patch("/events/{id}")]
async fn edit(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    let id = EventId(path.into_inner());
    let patch = Patch::parse(body.into_inner())?;
    let actor = staff.permissions.clone();
    let event = state
        .write_catalogue(move |c, now| patch.apply(c, &actor, id, now))
        .await??;
    Ok(HttpResponse::Ok().json(document(&event)))
}

#[utoipa::path(
    operation_id = "deleteEvent",
    tag = "admin",
    summary = "Delete an event that never had a booking",
    params(("id" = i64, Path, description = "The event's id.")),
    responses(
        (status = 204, description = "The event, its tiers, inventory and waiting room are gone."),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "The event has bookings (even expired holds): cancel it instead.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/events/{id}")]
async fn remove(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = EventId(path.into_inner());
    let actor = staff.account.id;
    state
        .write_catalogue(move |c, now| service::delete(c, actor, id, now))
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    operation_id = "duplicateEvent",
    tag = "admin",
    summary = "Copy an event into a new draft",
    params(("id" = i64, Path, description = "The event's id.")),
    responses(
        (status = 201, description = "The new draft.", body = shape::AdminEvent),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
    ),
    security(("bearer" = []))
)]
#[post("/events/{id}/duplicate")]
async fn duplicate(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = EventId(path.into_inner());
    let actor = staff.account.id;
    let event = state
        .write(move |c, now| -> Result<AdminEvent, EventAdminError> {
            let copy = service::duplicate(c, actor, id, now)?;
            service::get(c, copy, now)
        })
        .await??;
    Ok(HttpResponse::Created().json(document(&event)))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(edit)
        .service(remove)
        .service(duplicate);
}
