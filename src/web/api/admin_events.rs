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

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::DateTime;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, TierId, VenueId};
use crate::domain::local_time::rfc3339_utc;
use crate::services::event_admin::{
    self as service, AdminEvent, Errors, EventAdminError, EventInput, TierInput, When,
};
use crate::web::admin_guard::Admin;
use crate::web::error::AppError;
use crate::web::state::AppState;

impl From<EventAdminError> for AppError {
    fn from(e: EventAdminError) -> Self {
        match e {
            EventAdminError::Invalid(errors) => AppError::Validation(errors),
            EventAdminError::NotFound => AppError::NotFound,
            EventAdminError::Conflict(current) => {
                let mut extra = Map::new();
                extra.insert("current_version".to_owned(), json!(current.row.version));
                extra.insert("current".to_owned(), document(&current));
                AppError::ConflictWith {
                    detail: format!(
                        "The event was changed by someone else (it is now at version {}); \
                         nothing was saved. Reload it and make your change again.",
                        current.row.version
                    ),
                    extra,
                }
            }
            EventAdminError::NotEditable(status) => AppError::ConflictWith {
                detail: format!("A {status} event can't be edited."),
                extra: Map::new(),
            },
            EventAdminError::Transition { from, to } => AppError::ConflictWith {
                detail: format!("A {from} event can't become {to}."),
                extra: Map::new(),
            },
            EventAdminError::CannotPublish(why) => AppError::Validation(
                [("status", format!("The event can't be published: {why}."))]
                    .into_iter()
                    .collect(),
            ),
            EventAdminError::Db(e) => e.into(),
        }
    }
}

/// The admin document of an event.
pub(crate) fn document(e: &AdminEvent) -> Value {
    let r = &e.row;
    let section_tiers: Map<String, Value> = e
        .section_tiers
        .iter()
        .map(|(s, t)| (s.0.to_string(), json!(t)))
        .collect();
    json!({
        "id": r.id,
        "title": r.title,
        "slug": r.slug,
        "summary": r.summary,
        "description": r.description,
        "category": r.category,
        "status": r.status,
        "starts_at": rfc3339_utc(r.starts_at),
        "ends_at": r.ends_at.map(rfc3339_utc),
        "venue": {"id": e.venue.id, "name": e.venue.name, "city": e.venue.city},
        "currency": r.currency,
        "min_price_cents": e.min_price_cents,
        "capacity": e.capacity,
        "available": e.available,
        "sold": e.sold,
        "tiers": e.tiers.iter().map(|t| json!({"id": t.id, "name": t.name, "price_cents": t.price_cents})).collect::<Vec<_>>(),
        "section_tiers": section_tiers,
        "sales_start_at": r.sales_start_at.map(rfc3339_utc),
        "sales_end_at": r.sales_end_at.map(rfc3339_utc),
        "max_tickets_per_order": r.max_tickets_per_order,
        "max_tickets_per_account": r.max_tickets_per_account,
        "version": r.version,
    })
}

/// Lays the body's fields over `input`; what can't be read goes into `input.errors`.
fn apply(body: &Map<String, Value>, input: &mut EventInput) {
    let errors = &mut input.errors;
    for (key, value) in body {
        let field: &'static str = match key.as_str() {
            "title" => "title",
            "summary" => "summary",
            "description" => "description",
            "category" => "category",
            "currency" => "currency",
            "venue_id" => "venue_id",
            "max_tickets_per_order" => "max_tickets_per_order",
            "max_tickets_per_account" => "max_tickets_per_account",
            "tiers" => "tiers",
            "section_tiers" => "section_tiers",
            "status" | "version" => continue,
            "starts_at" => "starts_at",
            "ends_at" => "ends_at",
            "sales_start_at" => "sales_start_at",
            "sales_end_at" => "sales_end_at",
            _ => {
                errors.insert("body", format!("Unknown field {key:?}."));
                continue;
            }
        };
        match field {
            "title" | "summary" | "description" | "category" | "currency" => {
                let Some(text) = value.as_str() else {
                    errors.insert(field, "Give a string.".to_owned());
                    continue;
                };
                let slot = match field {
                    "title" => &mut input.title,
                    "summary" => &mut input.summary,
                    "description" => &mut input.description,
                    "category" => &mut input.category,
                    _ => &mut input.currency,
                };
                *slot = text.to_owned();
            }
            "venue_id" => match value.as_i64() {
                Some(id) => input.venue_id = Some(VenueId(id)),
                None => {
                    errors.insert(field, "Give a venue id.".to_owned());
                }
            },
            "max_tickets_per_order" => match value.as_i64() {
                Some(n) => input.max_tickets_per_order = Some(n),
                None => {
                    errors.insert(field, "Give a whole number.".to_owned());
                }
            },
            "max_tickets_per_account" => match value {
                Value::Null => input.max_tickets_per_account = None,
                _ => match value.as_i64() {
                    Some(n) => input.max_tickets_per_account = Some(n),
                    None => {
                        errors.insert(
                            field,
                            "Give a whole number, or null for no limit.".to_owned(),
                        );
                    }
                },
            },
            "tiers" => match tiers(value) {
                Ok(t) => input.tiers = t,
                Err(message) => {
                    errors.insert(field, message);
                }
            },
            "section_tiers" => match section_tiers(value) {
                Ok(m) => input.section_tiers = m,
                Err(message) => {
                    errors.insert(field, message);
                }
            },
            _ => {
                let parsed = match value {
                    Value::Null => Ok(None),
                    Value::String(s) => DateTime::parse_from_rfc3339(s)
                        .map(|t| Some(When::Utc(t.naive_utc())))
                        .map_err(|_| ()),
                    _ => Err(()),
                };
                let slot = match field {
                    "starts_at" => &mut input.starts_at,
                    "ends_at" => &mut input.ends_at,
                    "sales_start_at" => &mut input.sales_start_at,
                    _ => &mut input.sales_end_at,
                };
                match parsed {
                    Ok(t) => *slot = t,
                    Err(()) => {
                        errors.insert(
                            field,
                            "Give an RFC 3339 time, like 2027-03-20T19:30:00Z.".to_owned(),
                        );
                    }
                }
            }
        }
    }
}

fn tiers(value: &Value) -> Result<Vec<TierInput>, String> {
    let bad = || "Give a list of {\"name\", \"price_cents\"} objects.".to_owned();
    value
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|t| {
            let name = t.get("name").and_then(Value::as_str).ok_or_else(bad)?;
            let price_cents = t
                .get("price_cents")
                .and_then(Value::as_i64)
                .ok_or_else(bad)?;
            let id = match t.get("id") {
                None | Some(Value::Null) => None,
                Some(v) => Some(TierId(v.as_i64().ok_or_else(bad)?)),
            };
            Ok(TierInput {
                id,
                name: name.to_owned(),
                price_cents,
            })
        })
        .collect()
}

fn section_tiers(value: &Value) -> Result<std::collections::BTreeMap<i64, i64>, String> {
    let bad = || "Give an object of \"<section_id>\": <tier index>.".to_owned();
    value
        .as_object()
        .ok_or_else(bad)?
        .iter()
        .map(|(k, v)| {
            Ok((
                k.parse::<i64>().map_err(|_| bad())?,
                v.as_i64().ok_or_else(bad)?,
            ))
        })
        .collect()
}

/// `"status"` of a body: which transition it asks for, if any.
fn wanted_status(body: &Map<String, Value>) -> Result<Option<EventStatus>, AppError> {
    let refuse =
        |m: &str| AppError::Validation([("status", m.to_owned())].into_iter().collect::<Errors>());
    match body.get("status") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => match s.parse::<EventStatus>() {
            Ok(EventStatus::Cancelled) => Err(refuse(
                "Cancel with POST /api/v1/admin/events/{id}/cancel and a reason: it refunds the buyers.",
            )),
            Ok(status) => Ok(Some(status)),
            Err(_) => Err(refuse("Give draft, published or completed.")),
        },
        Some(_) => Err(refuse("Give a string.")),
    }
}

fn body_object(body: Value) -> Result<Map<String, Value>, AppError> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(AppError::Validation(
            [("body", "Send a JSON object.".to_owned())]
                .into_iter()
                .collect(),
        )),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    #[serde(default)]
    q: String,
}

#[get("/events")]
async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { status, q } = query.into_inner();
    let status = match status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<EventStatus>().map_err(|_| {
            AppError::Validation(
                [(
                    "status",
                    "Give draft, published, completed or cancelled.".to_owned(),
                )]
                .into_iter()
                .collect(),
            )
        })?),
    };
    let events = state
        .read(move |conn, now| Ok(service::list(conn, status, &q, now)?))
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "items": events.iter().map(document).collect::<Vec<_>>(),
    })))
}

#[get("/events/{id}")]
async fn show(state: web::Data<AppState>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = EventId(path.into_inner());
    let event = state
        .read(move |conn, now| Ok(service::get(conn, id, now)?))
        .await?;
    Ok(HttpResponse::Ok().json(document(&event)))
}

#[post("/events")]
async fn create(
    state: web::Data<AppState>,
    admin: Admin,
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
    let actor = admin.0.id;
    let event = state
        .write(move |c, now| -> Result<AdminEvent, EventAdminError> {
            let id = service::create(c, actor, &input, publish, now)?;
            service::get(c, id, now)
        })
        .await??;
    Ok(HttpResponse::Created().json(document(&event)))
}

#[patch("/events/{id}")]
async fn edit(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    let id = EventId(path.into_inner());
    let body = body_object(body.into_inner())?;
    let version = match body.get("version").map(Value::as_i64) {
        Some(Some(v)) => i32::try_from(v).unwrap_or(0),
        _ => {
            return Err(AppError::Validation(
                [(
                    "version",
                    "Send the version the edit started from (the event's \"version\").".to_owned(),
                )]
                .into_iter()
                .collect(),
            ));
        }
    };
    let status = wanted_status(&body)?;
    let edits_fields = body.keys().any(|k| k != "version" && k != "status");
    let actor = admin.0.id;
    let event = state
        .write(move |c, now| -> Result<AdminEvent, EventAdminError> {
            let current = service::get(c, id, now)?;
            let mut version = version;
            if edits_fields || status.is_none() {
                let mut input = current.to_input();
                apply(&body, &mut input);
                version = service::update(c, actor, id, version, &input, now)?;
            }
            match status {
                Some(to) if to != current.row.status => {
                    service::transition(c, actor, id, version, to, now)?;
                }
                Some(_) | None => {}
            }
            service::get(c, id, now)
        })
        .await??;
    Ok(HttpResponse::Ok().json(document(&event)))
}

#[post("/events/{id}/duplicate")]
async fn duplicate(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = EventId(path.into_inner());
    let actor = admin.0.id;
    let event = state
        .write(move |c, now| -> Result<AdminEvent, EventAdminError> {
            let copy = service::duplicate(c, actor, id, now)?;
            service::get(c, copy, now)
        })
        .await??;
    Ok(HttpResponse::Created().json(document(&event)))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(edit)
        .service(duplicate);
}
