//! An event's waiting room for admins (API.md, "Waiting room", the admin table), under
//! `/api/v1/admin` (behind the admin guard):
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | GET | `/events/{id}/waiting-room` | – | 200 the settings and the live figures; a room never configured answers the defaults with `enabled` false, `phase` `"off"` and zero figures; 404 for an unknown event |
//! | PUT | `/events/{id}/waiting-room` | any of the settings | 200 the room as GET answers it; 422 naming every bad field (nothing changes); 404 |
//!
//! The settings: `enabled`, `prequeue_opens_at` (RFC 3339, `null`: at once), `order`
//! (`random_then_fifo`, `fifo`), `rate_per_minute` and `max_active` (`null`: no limit),
//! `turn_minutes`, `claim_seconds`, `grace_minutes`, `require_verified`, `auto_close`,
//! `paused`, `message` (`null` or empty: none). The figures (`phase`, `waiting`, `active`,
//! `called_unclaimed`, `issued`, `cursor`, `calls_last_minute`) are read-only: a PUT that
//! sends them back unchanged is fine, they are ignored. Every change is audited.

use actix_web::{HttpResponse, get, put, web};
use chrono::DateTime;
use serde_json::{Map, Value, json};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::catalogue::FieldErrors;
use crate::domain::ids::EventId;
use crate::services::event_admin::When;
use crate::services::queue::admin::{self as service, RoomAdmin, RoomAdminError, SettingsPatch};
use crate::web::access::Staff;
use crate::web::api::doc::problems;
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

/// The figures a GET answers beside the settings; a PUT ignores them.
const READ_ONLY: [&str; 7] = [
    "phase",
    "waiting",
    "active",
    "called_unclaimed",
    "issued",
    "cursor",
    "calls_last_minute",
];

impl From<RoomAdminError> for AppError {
    fn from(e: RoomAdminError) -> Self {
        match e {
            RoomAdminError::Invalid(errors) => AppError::Validation(errors),
            RoomAdminError::NoEvent | RoomAdminError::NoRoom => AppError::NotFound,
            RoomAdminError::WrongPhase(phase) => AppError::ConflictWith {
                detail: format!("The waiting room is {phase}."),
                extra: Map::new(),
            },
            RoomAdminError::UnknownAccount => AppError::Validation(
                [("email", "No account has this email address.".to_owned())]
                    .into_iter()
                    .collect(),
            ),
            RoomAdminError::Db(e) => e.into(),
        }
    }
}

/// The room as the API shows it: its settings, its phase and the live figures.
fn document(v: &RoomAdmin) -> Value {
    let f = &v.panel.figures;
    let mut doc = service::document(&v.settings);
    let figures = json!({
        "phase": v.phase,
        "waiting": f.waiting,
        "active": f.active,
        "called_unclaimed": f.called_unclaimed,
        "issued": f.issued,
        "cursor": f.cursor,
        "calls_last_minute": f.calls_last_minute,
    });
    if let Value::Object(figures) = figures {
        doc.extend(figures);
    }
    Value::Object(doc)
}

async fn room(state: &AppState, event: EventId) -> Result<HttpResponse, AppError> {
    let view = state
        .read(move |conn, now| Ok(service::overview(conn, event, now)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(document(&view)))
}

#[utoipa::path(
    operation_id = "getWaitingRoom",
    tag = "admin",
    summary = "An event's waiting room: settings and live figures",
    params(("id" = i64, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The room; one never configured answers the defaults, off.", body = shape::WaitingRoom),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
    ),
    security(("bearer" = []))
)]
#[get("/events/{id}/waiting-room")]
async fn show(state: web::Data<AppState>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    room(&state, EventId(path.into_inner())).await
}

#[utoipa::path(
    operation_id = "updateWaitingRoom",
    tag = "admin",
    summary = "Change an event's waiting room",
    params(("id" = i64, Path, description = "The event's id.")),
    request_body(content = shape::Settings, description = "Any of the settings; the read-only figures may be sent back and are ignored."),
    responses(
        (status = 200, description = "The room as it is now.", body = shape::WaitingRoom),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "The room's phase does not allow this.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every bad field is named; nothing changed.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/events/{id}/waiting-room")]
async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let Value::Object(body) = body.into_inner() else {
        let errors = [("body", "Send a JSON object.".to_owned())];
        return Err(AppError::Validation(errors.into_iter().collect()));
    };
    let patch = patch_of(&body);
    let by = staff.account.id;
    state
        .run(move |db, now| service::save(db, by, event, &patch, now))
        .await??;
    state.refresh_queue().await?;
    room(&state, event).await
}

/// The body read into a patch; what cannot be read is in `patch.errors`.
fn patch_of(body: &Map<String, Value>) -> SettingsPatch {
    let mut p = SettingsPatch::default();
    let mut errors = FieldErrors::new();
    for (key, value) in body {
        let Some(field) = FIELDS.iter().find(|f| **f == key.as_str()).copied() else {
            if !READ_ONLY.contains(&key.as_str()) {
                errors.insert("body", format!("Unknown field {key:?}."));
            }
            continue;
        };
        let mut bad = |message: &str| {
            errors.insert(field, message.to_owned());
        };
        match field {
            "enabled" | "require_verified" | "auto_close" | "paused" => match value.as_bool() {
                Some(b) => *flag(&mut p, field) = Some(b),
                None => bad("Give true or false."),
            },
            "rate_per_minute" | "max_active" => match (value, value.as_i64()) {
                (Value::Null, _) => *limit(&mut p, field) = Some(None),
                (_, Some(n)) => *limit(&mut p, field) = Some(Some(n)),
                _ => bad("Give a whole number, or null for no limit."),
            },
            "turn_minutes" | "claim_seconds" | "grace_minutes" => match value.as_i64() {
                Some(n) => *whole(&mut p, field) = Some(n),
                None => bad("Give a whole number."),
            },
            "order" => match value.as_str() {
                Some(s) => p.order = Some(s.to_owned()),
                None => bad("Give random_then_fifo or fifo."),
            },
            "message" => match value {
                Value::Null => p.message = Some(None),
                Value::String(s) => p.message = Some(Some(s.clone())),
                _ => bad("Give a string, or null for no message."),
            },
            _ => match value {
                Value::Null => p.prequeue_opens_at = Some(None),
                Value::String(s) => match DateTime::parse_from_rfc3339(s) {
                    Ok(t) => p.prequeue_opens_at = Some(Some(When::Utc(t.naive_utc()))),
                    Err(_) => bad("Give an RFC 3339 time, like 2027-03-20T09:30:00Z, or null."),
                },
                _ => bad("Give an RFC 3339 time, like 2027-03-20T09:30:00Z, or null."),
            },
        }
    }
    p.errors = errors;
    p
}

const FIELDS: [&str; 12] = [
    "enabled",
    "prequeue_opens_at",
    "order",
    "rate_per_minute",
    "max_active",
    "turn_minutes",
    "claim_seconds",
    "grace_minutes",
    "require_verified",
    "auto_close",
    "paused",
    "message",
];

fn flag<'a>(p: &'a mut SettingsPatch, field: &str) -> &'a mut Option<bool> {
    match field {
        "enabled" => &mut p.enabled,
        "require_verified" => &mut p.require_verified,
        "auto_close" => &mut p.auto_close,
        _ => &mut p.paused,
    }
}

fn limit<'a>(p: &'a mut SettingsPatch, field: &str) -> &'a mut Option<Option<i64>> {
    match field {
        "rate_per_minute" => &mut p.rate_per_minute,
        _ => &mut p.max_active,
    }
}

fn whole<'a>(p: &'a mut SettingsPatch, field: &str) -> &'a mut Option<i64> {
    match field {
        "turn_minutes" => &mut p.turn_minutes,
        "claim_seconds" => &mut p.claim_seconds,
        _ => &mut p.grace_minutes,
    }
}

/// The room's documents, built with `json!` here and in `services::queue::admin::document`,
/// for the OpenAPI document only.
mod shape {
    #![expect(dead_code, reason = "schema-only: describes json! documents")]

    use crate::domain::queue::{OrderMode, Phase};

    /// The settings a PUT may send (every one optional there).
    #[derive(utoipa::ToSchema)]
    #[schema(as = WaitingRoomSettings)]
    pub struct Settings {
        enabled: Option<bool>,
        /// RFC 3339; `null`: at once.
        prequeue_opens_at: Option<String>,
        order: Option<OrderMode>,
        /// `null`: no limit.
        rate_per_minute: Option<i64>,
        /// `null`: no limit.
        max_active: Option<i64>,
        turn_minutes: Option<i64>,
        claim_seconds: Option<i64>,
        grace_minutes: Option<i64>,
        require_verified: Option<bool>,
        auto_close: Option<bool>,
        paused: Option<bool>,
        /// `null` or empty: none.
        message: Option<String>,
    }

    /// The settings and the live figures.
    #[derive(utoipa::ToSchema)]
    pub struct WaitingRoom {
        enabled: bool,
        prequeue_opens_at: Option<String>,
        order: OrderMode,
        rate_per_minute: Option<i64>,
        max_active: Option<i64>,
        turn_minutes: i64,
        claim_seconds: i64,
        grace_minutes: i64,
        require_verified: bool,
        auto_close: bool,
        paused: bool,
        message: Option<String>,
        phase: Phase,
        waiting: i64,
        active: i64,
        called_unclaimed: i64,
        issued: i64,
        cursor: i64,
        calls_last_minute: i64,
    }
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(show).service(update);
}
