//! `/bookings/{reference}`: one booking, for its owner (and admins; anyone else gets a 404).
//! A pending booking is the buyer's basket: its countdown, its lines (each can be taken out),
//! cancelling it, and the way to payment. A paid booking shows its tickets.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::see_other;
use super::view::booking_status;
use crate::domain::ids::{EventId, SeatId, UserId};
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::money::Money;
use crate::domain::seatmap::countdown;
use crate::domain::user::Role;
use crate::services::bookings::{self, BookingView};
use crate::services::holds;
use crate::services::seatmap::BasketLine;
use crate::startup::AppState;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::session;

#[derive(Template)]
#[template(path = "bookings/show.html")]
struct BookingPage {
    layout: Layout,
    view: BookingView,
    status_label: &'static str,
    status_class: &'static str,
    when: LocalStart,
    total: String,
    lines: Vec<BasketLine>,
    /// Pending and not run out: the basket can still change.
    live: bool,
    left: String,
    left_ms: i64,
    own: bool,
}

/// The booking if the signed-in visitor may see it.
async fn visible(
    state: &AppState,
    ctx: &PageContext,
    reference: String,
) -> Result<(BookingView, UserId, bool), AppError> {
    let account = ctx.require_user()?;
    let (user, admin) = (account.id, account.role == Role::Admin);
    crate::web::blocking(state, move |conn, _| {
        let head = holds::find_for(conn, &reference, user, admin)?.ok_or(AppError::NotFound)?;
        let view = bookings::one(conn, head.id)?.ok_or(AppError::NotFound)?;
        Ok((view, head.user_id, head.user_id == user))
    })
    .await
}

#[get("/bookings/{reference}")]
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let (view, _, own) = visible(&state, &ctx, path.into_inner()).await?;
    let now = state.clock.now();
    let b = &view.booking;
    let (status_label, status_class) = booking_status(&b.status);
    let live = b.status == "pending" && b.expires_at > now;
    let lines = view
        .items
        .iter()
        .map(|i| BasketLine::of(i, &b.currency))
        .collect();
    let page = BookingPage {
        status_label,
        status_class,
        when: LocalStart::new(b.starts_at, zone(&b.venue_timezone)),
        total: Money::new(b.total_cents, &b.currency).to_string(),
        lines,
        live,
        left: countdown(b.expires_at, now),
        left_ms: (b.expires_at - now).num_milliseconds().max(0),
        own,
        layout: ctx.layout,
        view,
    };
    super::html(page.render())
}

#[post("/bookings/{reference}/cancel")]
async fn cancel(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let (view, owner, own) = visible(&state, &ctx, reference.clone()).await?;
    if !own {
        // Admins cancel and refund from the box office, not from the buyer's page.
        return Err(AppError::Forbidden);
    }
    let (db, live, now) = (state.db.clone(), state.live.clone(), state.clock.now());
    let r = reference.clone();
    let result = web::block(move || holds::cancel(&db, &live, owner, &r, now)).await?;
    let message = match result {
        Ok(_) => "Your booking was cancelled and its seats released.",
        Err(holds::BookingError::NotPending(_)) => {
            "Only a booking awaiting payment can be cancelled."
        }
        Err(e) => return Err(e.into()),
    };
    session::set_flash(&ctx.session, message);
    Ok(see_other(&format!(
        "/events/{}/seats",
        view.booking.event_id
    )))
}

/// Takes one line out of a pending booking, from the booking page.
#[derive(Debug, Deserialize)]
struct RemoveForm {
    release: Option<String>,
    remove_line: Option<String>,
}

#[post("/bookings/{reference}/remove")]
async fn remove(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<RemoveForm>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let (view, owner, own) = visible(&state, &ctx, reference.clone()).await?;
    if !own {
        return Err(AppError::Forbidden);
    }
    let event: EventId = view.booking.event_id;
    let number = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i64>().ok());
    let (db, live, now) = (state.db.clone(), state.live.clone(), state.clock.now());
    let removed = match (number(&form.release), number(&form.remove_line)) {
        (Some(seat), None) => {
            web::block(move || holds::release_seat(&db, &live, owner, event, SeatId(seat), now))
                .await??
        }
        (None, Some(item)) => {
            web::block(move || holds::release_places(&db, &live, owner, event, item, now)).await??
        }
        _ => {
            return Err(AppError::Validation(
                [("line", "Choose a line of the booking to remove.".to_owned())]
                    .into_iter()
                    .collect(),
            ));
        }
    };
    session::set_flash(
        &ctx.session,
        if removed {
            "That ticket was taken out of your booking."
        } else {
            "That ticket was not in this booking any more."
        },
    );
    Ok(see_other(&format!("/bookings/{reference}")))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(cancel).service(remove);
}
