//! Joining, claiming and leaving a waiting room: ordinary forms with the session's CSRF token
//! (the CSRF middleware checks it), answered with a redirect (`HX-Redirect` for htmx), so
//! they work with or without JavaScript.

use actix_web::{HttpRequest, HttpResponse, post, web};

use super::parse_event;
use crate::domain::ids::{EventId, QueueTicketId};
use crate::domain::queue::TicketState;
use crate::services::admission::{Admission, Kind};
use crate::services::queue::status::Place;
use crate::services::queue::{self, Claim, QueueError};
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::queue_gate;
use crate::web::session::set_flash;
use crate::web::state::AppState;

/// A redirect the way the request wants it.
fn go(to: String, htmx: bool) -> HttpResponse {
    if htmx {
        HttpResponse::Ok()
            .insert_header(("HX-Redirect", to))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header(("Location", to))
            .finish()
    }
}

fn queue_page(event: EventId) -> String {
    format!("/events/{event}/queue")
}

#[post("/events/{id}/queue")]
async fn join(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let htmx = crate::web::hx::is_htmx(&req);
    let Some(room) = state.queue_room(event).await? else {
        return Ok(go(format!("/events/{event}/seats"), htmx));
    };
    let account = ctx.layout.user.clone();
    // Already in line in this browser (a second click, another tab): the same place. (With an
    // account the join itself is idempotent; without one, the cookie is the ticket.)
    if !matches!(ticket_of(&state, &req, event, &ctx), Place::Outside) {
        return Ok(go(queue_page(event), htmx));
    }
    if room.require_account {
        let account = account.as_ref().ok_or_else(|| AppError::LoginRequired {
            next: queue_page(event),
            htmx,
        })?;
        if !account.email_verified {
            set_flash(
                &ctx.session,
                "This sale's queue is for confirmed accounts: open the link we emailed you (your account page can send it again), then join.",
            );
            return Ok(go(queue_page(event), htmx));
        }
    }
    let ip = crate::web::rate_limit::client_ip(&req);
    let user = account.as_ref().map(|a| a.id);
    state
        .limit(move |l| l.queue_join(&ip, user.map(|u| u.0)))
        .await?
        .map_err(|wait| AppError::TooManyRequests {
            retry_after: wait.0,
        })?;
    let joined = state
        .run(move |db, now| queue::join(db, event, user, now))
        .await?;
    let joined = match joined {
        Ok(joined) => joined,
        Err(QueueError::NotJoinable(_)) => {
            set_flash(&ctx.session, "This waiting room takes nobody now.");
            return Ok(go(queue_page(event), htmx));
        }
        Err(QueueError::Excluded) => {
            set_flash(
                &ctx.session,
                "The box office has excluded this account from this sale's queue.",
            );
            return Ok(go(queue_page(event), htmx));
        }
        Err(e) => return Err(e.into()),
    };
    let admission = queue_gate::waiting(&state, &joined.ticket);
    let mut response = go(queue_page(event), htmx);
    let token = queue_gate::issue(&state, &admission);
    queue_gate::set_cookie(&state, &mut response, event, &token, admission.exp);
    Ok(response)
}

/// The visitor's ticket, from their token.
fn ticket_of(state: &AppState, req: &HttpRequest, event: EventId, ctx: &PageContext) -> Place {
    let user = ctx.layout.user.as_ref().map(|a| a.id);
    queue_gate::place(state, queue_gate::presented(req).as_deref(), event, user)
}

#[post("/events/{id}/queue/claim")]
async fn claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let htmx = crate::web::hx::is_htmx(&req);
    let account = ctx.require_user()?;
    let ticket = match ticket_of(&state, &req, event, &ctx) {
        Place::Admitted { .. } => return Ok(go(format!("/events/{event}/seats"), htmx)),
        Place::Waiting { ticket, .. } => QueueTicketId(ticket),
        Place::Outside => {
            set_flash(
                &ctx.session,
                "You have no place in this line yet: join it first.",
            );
            return Ok(go(queue_page(event), htmx));
        }
    };
    let user = account.id;
    let claimed = state
        .run(move |db, now| queue::claim_as(db, ticket, user, now))
        .await?;
    let flash = |m: &str| set_flash(&ctx.session, m);
    let mut response = match claimed {
        Ok(Claim::Admitted { active_until, .. }) => {
            let admission = Admission {
                kind: Kind::Admit,
                event,
                ticket: ticket.0,
                user,
                seq: None,
                exp: queue_gate::unix(active_until),
            };
            let mut response = go(format!("/events/{event}/seats"), htmx);
            let token = queue_gate::issue(&state, &admission);
            queue_gate::set_cookie(&state, &mut response, event, &token, admission.exp);
            return Ok(response);
        }
        Ok(Claim::NotCalled) => {
            flash("It is not your turn yet; this page tells you when it is.");
            return Ok(go(queue_page(event), htmx));
        }
        Ok(Claim::NoSlotYet) => {
            flash(
                "Welcome back: your turn is kept, and a place opens in a moment. Stay on this page.",
            );
            return Ok(go(queue_page(event), htmx));
        }
        Ok(Claim::Missed) => {
            flash(
                "Your turn came and went while you were away. You can join the line again, at the back.",
            );
            go(queue_page(event), htmx)
        }
        Ok(Claim::Ended(state)) => {
            flash(match state {
                TicketState::Done => "You have already bought tickets with this turn.",
                TicketState::Left => "You left this line; you can join it again.",
                _ => "Your turn has ended. You can join the line again, at the back.",
            });
            go(queue_page(event), htmx)
        }
        Err(QueueError::Invalid(why)) => {
            flash(&format!("That turn cannot be yours: {why}."));
            return Ok(go(queue_page(event), htmx));
        }
        Err(QueueError::NoTicket) => go(queue_page(event), htmx),
        Err(e) => return Err(e.into()),
    };
    queue_gate::clear_cookie(&state, &mut response, event);
    Ok(response)
}

#[post("/events/{id}/queue/leave")]
async fn leave(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let htmx = crate::web::hx::is_htmx(&req);
    let ticket = match ticket_of(&state, &req, event, &ctx) {
        Place::Waiting { ticket, .. } | Place::Admitted { ticket, .. } => Some(ticket),
        Place::Outside => None,
    };
    if let Some(ticket) = ticket {
        let id = QueueTicketId(ticket);
        state
            .run(move |db, now| queue::leave(db, id, now))
            .await??;
        set_flash(
            &ctx.session,
            "You left the line. You can join again, at the back.",
        );
    }
    let mut response = go(format!("/events/{event}"), htmx);
    queue_gate::clear_cookie(&state, &mut response, event);
    Ok(response)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(join).service(claim).service(leave);
}
