//! Reading an event's JSON body: its fields, tiers and status, each problem a 422 field message.

use chrono::DateTime;
use serde_json::{Map, Value, json};

use crate::domain::event::EventStatus;
use crate::domain::ids::{OrganizerId, TierId, VenueId};
use crate::domain::local_time::rfc3339_utc;
use crate::services::event_admin::{
    AdminEvent, Errors, EventAdminError, EventInput, TierInput, When,
};
use crate::web::error::AppError;

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
            EventAdminError::HasBookings => AppError::ConflictWith {
                detail: "This event has bookings (even expired holds), so it can't be deleted: \
                         cancel it instead."
                    .to_owned(),
                extra: Map::new(),
            },
            EventAdminError::Denied(right) => {
                crate::web::access::refusal(crate::domain::access::Denied::Forbidden, right, None)
            }
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
        "organizer_id": r.organizer_id,
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
pub(super) fn apply(body: &Map<String, Value>, input: &mut EventInput) {
    let errors = &mut input.errors;
    for (key, value) in body {
        let field: &'static str = match key.as_str() {
            "title" => "title",
            "summary" => "summary",
            "description" => "description",
            "category" => "category",
            "currency" => "currency",
            "venue_id" => "venue_id",
            "organizer_id" => "organizer_id",
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
            "organizer_id" => match value.as_i64() {
                Some(id) => input.organizer_id = Some(OrganizerId(id)),
                None => {
                    errors.insert(field, "Give an organizer id.".to_owned());
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

pub(super) fn tiers(value: &Value) -> Result<Vec<TierInput>, String> {
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

pub(super) fn section_tiers(value: &Value) -> Result<std::collections::BTreeMap<i64, i64>, String> {
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
pub(super) fn wanted_status(body: &Map<String, Value>) -> Result<Option<EventStatus>, AppError> {
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

pub(super) fn body_object(body: Value) -> Result<Map<String, Value>, AppError> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(AppError::Validation(
            [("body", "Send a JSON object.".to_owned())]
                .into_iter()
                .collect(),
        )),
    }
}
