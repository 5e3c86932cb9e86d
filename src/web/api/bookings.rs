//! Bookings in the JSON API (API.md): holds, one booking, cancelling, and the caller's list.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId, TierId};
use crate::domain::local_time::rfc3339_utc;
use crate::domain::user::Role;
use crate::services::accounts;
use crate::services::bookings::{self, BookingView};
use crate::services::holds::{self, HoldRequest};
use crate::web::api::doc::problems;
use crate::web::bearer::{BearerToken, api_user};
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

/// A line of a booking: a seat, or places in a standing section.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = BookingItem)]
struct ItemJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    seat_id: Option<SeatId>,
    section: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<i32>,
    quantity: i32,
    price_cents: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Ticket)]
struct TicketJson<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    seat_id: Option<SeatId>,
    section: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<i32>,
}

/// A booking; `tickets` is empty until it is paid.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Booking)]
pub struct BookingJson<'a> {
    reference: &'a str,
    event_id: EventId,
    status: BookingStatus,
    /// When the hold on its seats ends (RFC 3339, UTC).
    expires_at: String,
    total_cents: i64,
    currency: &'a str,
    items: Vec<ItemJson<'a>>,
    tickets: Vec<TicketJson<'a>>,
}

impl<'a> From<&'a BookingView> for BookingJson<'a> {
    fn from(v: &'a BookingView) -> Self {
        BookingJson {
            reference: &v.booking.reference,
            event_id: v.booking.event_id,
            status: v.booking.status,
            expires_at: rfc3339_utc(v.booking.expires_at),
            total_cents: v.booking.total.cents,
            currency: v.booking.total.currency.as_str(),
            items: v.items.iter().map(ItemJson::from).collect(),
            tickets: v
                .tickets
                .iter()
                .map(|t| TicketJson {
                    code: &t.code,
                    seat_id: t.seat_id,
                    section: &t.section,
                    row: t.row.as_deref(),
                    number: t.number,
                })
                .collect(),
        }
    }
}

impl<'a> BookingJson<'a> {
    /// A basket just held into (pending, no tickets).
    fn held(h: &'a holds::Held) -> Self {
        BookingJson {
            reference: &h.reference,
            event_id: h.event,
            status: BookingStatus::Pending,
            expires_at: rfc3339_utc(h.expires_at),
            total_cents: h.total.cents,
            currency: h.total.currency.as_str(),
            items: h.items.iter().map(ItemJson::from).collect(),
            tickets: Vec::new(),
        }
    }
}

impl<'a> From<&'a crate::db::bookings::ItemRow> for ItemJson<'a> {
    fn from(i: &'a crate::db::bookings::ItemRow) -> Self {
        ItemJson {
            seat_id: i.seat_id,
            section: &i.section,
            row: i.row.as_deref(),
            number: i.number,
            quantity: i.quantity,
            price_cents: i.unit_price_cents,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = BookingList)]
struct BookingList<'a> {
    items: Vec<BookingJson<'a>>,
}

#[utoipa::path(
    operation_id = "listMyBookings",
    tag = "bookings",
    summary = "The caller's bookings",
    responses(
        (status = 200, description = "Newest first.", body = BookingList),
        (status = 401, response = inline(problems::Unauthorized)),
    ),
    security(("bearer" = []))
)]
#[get("/me/bookings")]
async fn my_bookings(
    state: web::Data<AppState>,
    token: BearerToken,
) -> Result<HttpResponse, AppError> {
    let (account, _) = api_user(&state, token).await?;
    let views = state
        .read(move |conn, _| Ok(bookings::for_user(conn, account.id)?))
        .await?;
    Ok(HttpResponse::Ok().json(BookingList {
        items: views.iter().map(BookingJson::from).collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = StandingRequest)]
struct StandingBody {
    section_id: i64,
    quantity: i32,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = BestAvailableRequest)]
struct BestBody {
    quantity: i32,
    tier_id: Option<i64>,
}

/// One of `seat_ids`, `standing` or `best_available` (API.md).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = HoldRequest)]
struct HoldBody {
    seat_ids: Option<Vec<i64>>,
    standing: Option<StandingBody>,
    best_available: Option<BestBody>,
}

impl HoldBody {
    fn into_request(self) -> Result<HoldRequest, AppError> {
        match (self.seat_ids, self.standing, self.best_available) {
            (Some(ids), None, None) => {
                Ok(HoldRequest::Seats(ids.into_iter().map(SeatId).collect()))
            }
            (None, Some(s), None) => Ok(HoldRequest::Standing {
                section: SectionId(s.section_id),
                quantity: s.quantity,
            }),
            (None, None, Some(b)) => Ok(HoldRequest::BestAvailable {
                quantity: b.quantity,
                tier: b.tier_id.map(TierId),
            }),
            _ => Err(AppError::Validation(
                [(
                    "body",
                    "Send exactly one of seat_ids, standing or best_available.".to_owned(),
                )]
                .into_iter()
                .collect(),
            )),
        }
    }
}

async fn booking_json(state: &AppState, id: BookingId) -> Result<HttpResponse, AppError> {
    booking_response(state, id, actix_web::http::StatusCode::OK).await
}

async fn booking_response(
    state: &AppState,
    id: BookingId,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, AppError> {
    let view = state
        .read(move |conn, _| Ok(bookings::one(conn, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::build(status).json(BookingJson::from(&view)))
}

/// `POST /api/v1/events/{id}/holds`: all or nothing; 201 with the (basket) booking. The token
/// check, the hold and the answer's lines take one trip to a blocking thread; the lines come
/// from the hold's own transaction.
#[utoipa::path(
    operation_id = "hold",
    tag = "bookings",
    summary = "Hold seats or places: a pending booking",
    description = "All or nothing. While the event's waiting room is in `prequeue` or `open`, \
        the admission from `POST /api/v1/events/{id}/queue/claim` goes in the `Queue-Token` \
        header; the answer carries it renewed to last as long as the hold.",
    params(("id" = i64, Path, description = "The event's id.")),
    request_body(content = HoldBody, description = "Exactly one of `seat_ids`, `standing` or `best_available`."),
    responses(
        (status = 201, description = "The booking, `pending` until paid.", body = BookingJson,
            headers(("Queue-Token" = String, description = "The admission, renewed (only when one was sent)."))),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The waiting room requires an admission (`errors.queue`).", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "Seats taken (`unavailable_seat_ids`), not enough places together (`available`), or a re-hold too soon (`code`, `retry_after`); nothing is held.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many seats, not on sale, a bad body.", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = inline(problems::TooManyRequests)),
    ),
    security(("bearer" = [], "queue_token" = []), ("bearer" = []))
)]
#[post("/events/{id}/holds")]
async fn hold(
    state: web::Data<AppState>,
    token: BearerToken,
    path: web::Path<i64>,
    body: web::Json<HoldBody>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let token = token.0.ok_or(AppError::Unauthorized(
        "Send Authorization: Bearer <token>.",
    ))?;
    let queue_token = crate::web::queue_gate::presented(&req);
    let gate = state.get_ref().clone();
    let request = body.into_inner().into_request()?;
    let event = EventId(path.into_inner());
    let (live, limits) = (state.live.clone(), state.limits.clone());
    let policy = holds::HoldPolicy::from_settings(&state.settings);
    let held = state
        .run(
            move |db,
                  now|
                  -> Result<
                (holds::Held, Option<crate::services::admission::Admission>),
                AppError,
            > {
                let account = db
                    .read(|c| accounts::account_for_token(c, &token, now))?
                    .ok_or(AppError::Unauthorized(
                        "The token is unknown, expired or revoked.",
                    ))?;
                // The waiting room's gate (§3.9, C1/C2): a valid admission in `Queue-Token`;
                // the hold's transaction then confirms the turn in the database.
                let admitted = crate::web::queue_gate::check_token(
                    &gate,
                    queue_token.as_deref(),
                    event,
                    account.id,
                )
                .map_err(|_| holds::HoldError::NotAdmitted)?;
                limits.hold(account.id.0)?;
                let held = holds::hold_with(db, &live, account.id, event, &request, &policy, now);
                if let Err(holds::HoldError::NotAdmitted) = held {
                    gate.queue.refused("no_turn");
                }
                Ok((held?, admitted))
            },
        )
        .await??;
    let (held, admitted) = held;
    let mut response = HttpResponse::Created();
    // The admission renewed to last as long as the hold (§3.8), in the same header.
    if let Some(mut a) = admitted {
        let hold_ends = crate::web::queue_gate::unix(held.expires_at);
        if hold_ends > a.exp {
            a.exp = hold_ends;
        }
        response.insert_header((
            crate::web::queue_gate::HEADER,
            crate::web::queue_gate::issue(&state, &a),
        ));
    }
    Ok(response.json(BookingJson::held(&held)))
}

/// The caller's booking (or any, for an admin); 404 for anyone else's.
async fn own_booking(
    state: &AppState,
    account: &crate::services::accounts::Account,
    reference: String,
) -> Result<BookingId, AppError> {
    let (user, admin) = (account.id, account.role == Role::Admin);
    let head = state
        .read(move |conn, _| Ok(holds::find_for(conn, &reference, user, admin)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(head.id)
}

#[utoipa::path(
    operation_id = "getBooking",
    tag = "bookings",
    summary = "One of the caller's bookings",
    params(("reference" = String, Path, description = "The booking's reference.")),
    responses(
        (status = 200, description = "The booking.", body = BookingJson),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 404, description = "No such booking, or not the caller's.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/bookings/{reference}")]
async fn booking(
    state: web::Data<AppState>,
    token: BearerToken,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (account, _) = api_user(&state, token).await?;
    let id = own_booking(&state, &account, path.into_inner()).await?;
    booking_json(&state, id).await
}

/// Cancels a pending booking: its seats are free at once. 409 unless pending.
#[utoipa::path(
    operation_id = "cancelBooking",
    tag = "bookings",
    summary = "Cancel a pending booking",
    params(("reference" = String, Path, description = "The booking's reference.")),
    responses(
        (status = 200, description = "The booking, now `cancelled`; its seats are free.", body = BookingJson),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 404, description = "No such booking, or not the caller's.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Only a pending booking can be cancelled.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/bookings/{reference}")]
async fn cancel(
    state: web::Data<AppState>,
    token: BearerToken,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (account, _) = api_user(&state, token).await?;
    let reference = path.into_inner();
    let (live, providers, user) = (state.live.clone(), state.providers.clone(), account.id);
    let id = state
        .run(move |db, now| {
            crate::services::payments::cancel_booking(db, &live, &providers, user, &reference, now)
        })
        .await??;
    booking_json(&state, id).await
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_bookings)
        .service(hold)
        .service(booking)
        .service(cancel);
}
