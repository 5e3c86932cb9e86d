//! The waiting room's JSON twins (API.md "Waiting room"; WAITING_ROOM.md §3.12): join, status,
//! claim and leave for buyers. Buyers authenticate with their bearer token; the queue token
//! travels in the `Queue-Token` header. The status read is answered from memory like the page's
//! poll, with the token as its credential: no database.

use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::ids::{EventId, QueueTicketId, UserId};
use crate::domain::queue::Phase;
use crate::services::accounts::{self, Account};
use crate::services::admission::{self, Admission, Kind};
use crate::services::queue::status::{self, Place, Status};
use crate::services::queue::{self, Claim, QueueError};
use crate::web::api::doc::problems;
use crate::web::bearer::BearerToken;
use crate::web::error::{AppError, Problem};
use crate::web::queue_gate;
use crate::web::state::AppState;

async fn account(state: &AppState, token: BearerToken) -> Result<Account, AppError> {
    let token = token.0.ok_or(AppError::Unauthorized(
        "Send Authorization: Bearer <token>.",
    ))?;
    state
        .read(move |c, now| Ok(accounts::account_for_token(c, &token, now)?))
        .await?
        .ok_or(AppError::Unauthorized(
            "The token is unknown, expired or revoked.",
        ))
}

/// The status document (the same figures as the page's fragment).
fn document(s: &Status, token: Option<&str>) -> serde_json::Value {
    let mut doc = json!({
        "phase": s.phase.as_str(),
        "state": s.state.as_str(),
        "poll_after_seconds": s.poll_after_seconds,
    });
    let mut put = |k: &str, v: serde_json::Value| {
        if !v.is_null()
            && let Some(map) = doc.as_object_mut()
        {
            map.insert(k.to_owned(), v);
        }
    };
    put("seq", json!(s.seq));
    put("ahead_at_most", json!(s.ahead_at_most));
    put(
        "wait_seconds",
        json!(s.wait_seconds.map(|(lo, hi)| [lo, hi])),
    );
    put("seats_left", json!(s.seats_left));
    put("message", json!(s.message));
    put("paused", json!(s.paused));
    put("token", json!(token));
    doc
}

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /api/v1/events/{id}/queue`: 201 with a new ticket, 200 with the caller's existing one;
/// 409 when the room takes nobody.
#[utoipa::path(
    operation_id = "joinQueue",
    tag = "waiting room",
    summary = "Join an event's waiting room",
    params(("id" = i64, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The caller's existing place.", body = shape::QueueStatus),
        (status = 201, description = "A new place; `token` goes in the `Queue-Token` header from now on.", body = shape::QueueStatus),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The queue is for confirmed accounts, or the account is excluded (`errors`).", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "The room is off or closed.", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
        (status = 429, response = inline(problems::TooManyRequests)),
    ),
    security(("bearer" = []))
)]
#[post("/events/{id}/queue")]
async fn join(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    bearer: BearerToken,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let account = account(&state, bearer).await?;
    let room = state
        .queue_room(event)
        .await?
        .ok_or(AppError::Conflict("This event has no waiting room on."))?;
    if room.require_account && !account.email_verified {
        return Err(AppError::ForbiddenBecause(
            [(
                "account",
                "This queue is for confirmed accounts: confirm your email address first."
                    .to_owned(),
            )]
            .into_iter()
            .collect(),
        ));
    }
    let ip = crate::web::rate_limit::client_ip(&req);
    let user = account.id;
    state
        .limit(move |l| l.queue_join(&ip, Some(user.0)))
        .await?
        .map_err(|w| AppError::TooManyRequests { retry_after: w.0 })?;
    let joined = state
        .run(move |db, now| queue::join(db, event, Some(user), now))
        .await?
        .map_err(|e| match e {
            QueueError::NotJoinable(_) => AppError::Conflict("This waiting room takes nobody now."),
            e => e.into(),
        })?;
    let place = Place::Waiting {
        ticket: joined.ticket.id.0,
        seq: joined.ticket.seq,
    };
    let token = queue_gate::issue(&state, &queue_gate::waiting(&state, &joined.ticket));
    let s = status::status(Some(&*room), place, state.clock.now(), rand::random());
    let code = if joined.new {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(no_store(
        HttpResponse::build(code).json(document(&s, Some(&token))),
    ))
}

/// The caller's place from the `Queue-Token` header alone (its MAC names the account).
fn place_from_header(
    state: &AppState,
    req: &HttpRequest,
    event: EventId,
) -> (Place, Option<UserId>) {
    let token = queue_gate::presented(req);
    let user = token.as_deref().and_then(admission::named_user);
    (
        queue_gate::place(state, token.as_deref(), event, user),
        user,
    )
}

/// `GET /api/v1/events/{id}/queue`: the status, from memory; never a database write.
#[utoipa::path(
    operation_id = "getQueueStatus",
    tag = "waiting room",
    summary = "The caller's place in line, from the Queue-Token alone",
    description = "Answered from memory; never a database write. Without a token, the room's state for someone not in line.",
    params(("id" = i64, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The status; `token` when a new one replaces the one sent.", body = shape::QueueStatus),
        (status = 404, response = inline(problems::NotFound)),
        (status = 429, description = "Polled faster than `poll_after_seconds`.", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("queue_token" = []))
)]
#[get("/events/{id}/queue")]
async fn status_of(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    state.queue.polled();
    let (place, _) = place_from_header(&state, &req, event);
    if let Place::Waiting { ticket, .. } | Place::Admitted { ticket, .. } = place {
        state
            .limits
            .queue_poll(ticket)
            .map_err(|w| AppError::TooManyRequests { retry_after: w.0 })?;
    }
    let room = state.queue.get(event);
    let mut renewed = None;
    let place = match place {
        // A pre-queue ticket after the draw: its number is in the database (one read), and
        // the answer carries a token with it, so the next polls need none.
        Place::Waiting { ticket, seq: None }
            if room.as_ref().is_some_and(|r| r.phase == Phase::Open) =>
        {
            let id = QueueTicketId(ticket);
            match state
                .run(move |db, now| queue::number_after_draw(db, id, now))
                .await??
            {
                Some(t) => {
                    renewed = Some(queue_gate::issue(&state, &queue_gate::waiting(&state, &t)));
                    Place::Waiting { ticket, seq: t.seq }
                }
                None => Place::Outside,
            }
        }
        p => p,
    };
    let s = status::status(room.as_deref(), place, state.clock.now(), rand::random());
    Ok(no_store(
        HttpResponse::Ok().json(document(&s, renewed.as_deref())),
    ))
}

/// `POST /api/v1/events/{id}/queue/claim`: the admission `{token, expires_at}`; 409 when it is
/// not the caller's turn.
#[utoipa::path(
    operation_id = "claimTurn",
    tag = "waiting room",
    summary = "Claim the turn: the admission for holds",
    params(("id" = i64, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The admission: send `token` as `Queue-Token` with holds until `expires_at`.", body = shape::Admission),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The account is excluded from this sale's queue.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "Not the caller's turn (yet, or any more), or no place sent.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [], "queue_token" = []))
)]
#[post("/events/{id}/queue/claim")]
async fn claim(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    bearer: BearerToken,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let account = account(&state, bearer).await?;
    let token = queue_gate::presented(&req);
    let ticket = match queue_gate::place(&state, token.as_deref(), event, Some(account.id)) {
        Place::Waiting { ticket, .. } | Place::Admitted { ticket, .. } => QueueTicketId(ticket),
        Place::Outside => {
            return Err(AppError::Conflict(
                "Send your place in the Queue-Token header (join first).",
            ));
        }
    };
    let user = account.id;
    let claimed = state
        .run(move |db, now| queue::claim_as(db, ticket, user, now))
        .await??;
    let Claim::Admitted { active_until, .. } = claimed else {
        return Err(AppError::Conflict(match claimed {
            Claim::NotCalled => "It is not your turn yet.",
            Claim::NoSlotYet => "Your turn is kept; a place opens in a moment: try again shortly.",
            Claim::Missed => "Your turn came and went; join again, at the back.",
            _ => "This place in line has ended.",
        }));
    };
    let admission = Admission {
        kind: Kind::Admit,
        event,
        ticket: ticket.0,
        user,
        seq: None,
        exp: queue_gate::unix(active_until),
    };
    Ok(no_store(HttpResponse::Ok().json(json!({
        "token": queue_gate::issue(&state, &admission),
        "expires_at": active_until.and_utc().to_rfc3339(),
    }))))
}

/// `DELETE /api/v1/events/{id}/queue`: leaves the line (or gives up the turn); 204.
#[utoipa::path(
    operation_id = "leaveQueue",
    tag = "waiting room",
    summary = "Leave the line, or give up the turn",
    params(("id" = i64, Path, description = "The event's id.")),
    responses(
        (status = 204, description = "Left."),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 404, response = inline(problems::NotFound)),
    ),
    security(("bearer" = []))
)]
#[delete("/events/{id}/queue")]
async fn leave(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    bearer: BearerToken,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let account = account(&state, bearer).await?;
    let user = account.id;
    state
        .run(move |db, now| queue::leave_as(db, event, user, now))
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// The documents built with `json!` above, for the OpenAPI document only.
mod shape {
    #![expect(dead_code, reason = "schema-only: describes json! documents")]

    use crate::domain::queue::Phase;

    /// The caller's ticket as the waiting page shows it (`none`: not in line).
    #[derive(utoipa::ToSchema)]
    #[schema(as = QueueState, rename_all = "snake_case")]
    pub enum State {
        None,
        Waiting,
        Called,
        Active,
    }

    /// Where the caller stands. `seq`, `ahead_at_most`, `wait_seconds`, `seats_left`,
    /// `message` and `token` are left out when they have no value.
    #[derive(utoipa::ToSchema)]
    pub struct QueueStatus {
        phase: Phase,
        state: State,
        /// Ask again after this many seconds (`null`: no need to).
        poll_after_seconds: Option<u32>,
        /// The caller's number in line (after the draw).
        seq: Option<i64>,
        ahead_at_most: Option<i64>,
        /// The wait, from and to, in seconds.
        wait_seconds: Option<[i64; 2]>,
        seats_left: Option<i64>,
        message: Option<String>,
        paused: bool,
        /// A new token: send it as `Queue-Token` from now on.
        token: Option<String>,
    }

    /// The admission that lets holds through.
    #[derive(utoipa::ToSchema)]
    pub struct Admission {
        token: String,
        /// RFC 3339.
        expires_at: String,
    }
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(join)
        .service(status_of)
        .service(claim)
        .service(leave);
}
