//! The waiting room's page `/events/{id}/queue` (WAITING_ROOM.md §3.12) and its status fragment
//! `/events/{id}/queue/status`, polled by htmx at the pace each answer sets (server-driven:
//! `hx-trigger="load delay:Ns"`) or, without JavaScript, by the page's own meta refresh. A
//! poll is answered from the room's snapshot and the visitor's signed cookie: no database
//! (except once for a pre-queue ticket after the draw, to learn its number). Joining,
//! claiming and leaving are ordinary forms (`actions.rs`).

mod actions;
mod view;

use actix_session::SessionExt;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use crate::domain::ids::{EventId, QueueTicketId, UserId};
use crate::domain::queue::Phase;
use crate::services::admission::Admission;
use crate::services::queue::status::{self, Place, Status};
use crate::services::queue::{self, board::Snapshot};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::queue_gate;
use crate::web::state::AppState;

use view::StatusView;

#[derive(Template)]
#[template(path = "queue/show.html")]
struct QueuePage {
    layout: Layout,
    v: StatusView,
    signed_in: bool,
}

#[derive(Template)]
#[template(path = "queue/_status.html")]
struct StatusFragment {
    v: StatusView,
}

fn parse_event(raw: &str) -> Result<EventId, AppError> {
    crate::web::pages::seatmap::parse_event(raw)
}

/// The account the session names, without asking the database (the poll path): the token is
/// bound to it by its MAC, so a forged session gains nothing.
fn session_user(req: &HttpRequest) -> Option<UserId> {
    crate::web::session::claims(&req.get_session()).map(|c| c.user)
}

/// Where the visitor stands, and the token to set again when it changed (a pre-queue ticket's
/// first poll after the draw learns its number: one read by primary key).
async fn place_of(
    state: &AppState,
    req: &HttpRequest,
    room: Option<&Snapshot>,
    event: EventId,
    user: Option<UserId>,
) -> Result<(Place, Option<Admission>), AppError> {
    let place = queue_gate::place(state, queue_gate::presented(req).as_deref(), event, user);
    let Place::Waiting { ticket, seq: None } = place else {
        return Ok((place, None));
    };
    if room.is_none_or(|r| r.phase != Phase::Open) {
        return Ok((place, None));
    }
    let id = QueueTicketId(ticket);
    let numbered = state
        .run(move |db, now| queue::number_after_draw(db, id, now))
        .await??;
    let Some(t) = numbered else {
        return Ok((Place::Outside, None));
    };
    let admission = queue_gate::waiting(state, &t);
    Ok((Place::Waiting { ticket, seq: t.seq }, Some(admission)))
}

fn jitter() -> f64 {
    rand::random::<f64>()
}

/// The status of the visitor of `req` (no database unless [`place_of`] needs its one read).
async fn current(
    state: &AppState,
    req: &HttpRequest,
    event: EventId,
) -> Result<(Status, Option<Snapshot>, Place, Option<Admission>), AppError> {
    let room = state.queue.get(event).map(|r| (*r).clone());
    let user = session_user(req);
    let (place, renewed) = place_of(state, req, room.as_ref(), event, user).await?;
    let s = status::status(room.as_ref(), place, state.clock.now(), jitter());
    Ok((s, room, place, renewed))
}

#[get("/events/{id}/queue")]
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    // Read again if not in this instance's snapshot (perhaps turned on a moment ago elsewhere).
    state.queue_room(event).await?;
    let (s, room, place, renewed) = current(&state, &req, event).await?;
    let Some(room) = room else {
        // No waiting room for this event (or never one): the seat map is open as usual.
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/events/{event}/seats")))
            .finish());
    };
    let v = StatusView::new(&room, &s, place, ctx.layout.csrf.clone(), state.clock.now());
    let page = QueuePage {
        signed_in: ctx.layout.user.is_some(),
        layout: ctx.layout,
        v,
    };
    let mut response = crate::web::pages::html(page.render())?;
    finish(&state, &mut response, event, renewed);
    Ok(response)
}

/// The status fragment, polled. Over the per-ticket pace a script gains nothing: htmx is told
/// to come back later, an API client gets 429.
#[get("/events/{id}/queue/status")]
async fn poll(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    state.queue.polled();
    let (mut s, room, place, renewed) = current(&state, &req, event).await?;
    if let Place::Waiting { ticket, .. } | Place::Admitted { ticket, .. } = place
        && let Err(wait) = state.limits.queue_poll(ticket)
    {
        s.poll_after_seconds = s.poll_after_seconds.map(|d| d.max(wait.0 as u32));
    }
    // The session's CSRF token for the claim form, without starting a session for a poll
    // that came without one (a browser that loaded the page has one).
    let csrf = crate::web::session::expected_csrf_token(&req.get_session()).unwrap_or_default();
    let Some(room) = room else {
        // The room is gone (the box office let everyone in): to the map.
        return Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", format!("/events/{event}/seats")))
            .finish());
    };
    if s.state == status::Shown::Active {
        return Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", format!("/events/{event}/seats")))
            .finish());
    }
    let v = StatusView::new(&room, &s, place, csrf, state.clock.now());
    let mut response = crate::web::pages::html(StatusFragment { v }.render())?;
    finish(&state, &mut response, event, renewed);
    Ok(response)
}

/// `no-store` on every answer (each is this visitor's own), and the renewed token if any.
fn finish(
    state: &AppState,
    response: &mut HttpResponse,
    event: EventId,
    renewed: Option<Admission>,
) {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(a) = renewed {
        let token = queue_gate::issue(state, &a);
        queue_gate::set_cookie(state, response, event, &token, a.exp);
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(poll).configure(actions::routes);
}
