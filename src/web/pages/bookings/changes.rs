//! A buyer's changes to a pending booking: cancel it, or take a line out.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

use crate::domain::ids::{BookingItemId, EventId, SeatId, UserId};
use crate::services::holds;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::pages::accounts::see_other;
use crate::web::session;
use crate::web::state::AppState;

use super::visible;

#[post("/bookings/{reference}/cancel")]
pub(super) async fn cancel(
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
    let (live, providers) = (state.live.clone(), state.providers.clone());
    let r = reference.clone();
    let result = state
        .run(move |db, now| {
            crate::services::payments::cancel_booking(db, &live, &providers, owner, &r, now)
        })
        .await?;
    session::set_flash(&ctx.session, cancelled(result)?);
    Ok(see_other(&format!(
        "/events/{}/seats",
        view.booking.event_id
    )))
}

/// What the buyer is told after cancelling.
fn cancelled<T>(result: Result<T, holds::BookingError>) -> Result<&'static str, AppError> {
    match result {
        Ok(_) => Ok("Your booking was cancelled and its seats released."),
        Err(holds::BookingError::NotPending(_)) => {
            Ok("Only a booking awaiting payment can be cancelled.")
        }
        Err(e) => Err(e.into()),
    }
}

/// Takes one line out of a pending booking, from the booking page.
#[derive(Debug, Deserialize)]
pub(super) struct RemoveForm {
    release: Option<String>,
    remove_line: Option<String>,
}

/// The line to take out: a seat, or a standing line.
enum Line {
    Seat(SeatId),
    Places(BookingItemId),
}

impl RemoveForm {
    fn line(&self) -> Result<Line, AppError> {
        let number = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i64>().ok());
        match (number(&self.release), number(&self.remove_line)) {
            (Some(seat), None) => Ok(Line::Seat(SeatId(seat))),
            (None, Some(item)) => Ok(Line::Places(BookingItemId(item))),
            _ => Err(AppError::Validation(
                [("line", "Choose a line of the booking to remove.".to_owned())]
                    .into_iter()
                    .collect(),
            )),
        }
    }
}

#[post("/bookings/{reference}/remove")]
pub(super) async fn remove(
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
    let removed = release(&state, owner, event, form.line()?).await?;
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

/// Takes the line out of the owner's booking; whether it was still there.
async fn release(
    state: &AppState,
    owner: UserId,
    event: EventId,
    line: Line,
) -> Result<bool, AppError> {
    let live = state.live.clone();
    Ok(match line {
        Line::Seat(seat) => {
            state
                .run(move |db, now| holds::release_seat(db, &live, owner, event, seat, now))
                .await??
        }
        Line::Places(item) => {
            state
                .run(move |db, now| holds::release_places(db, &live, owner, event, item, now))
                .await??
        }
    })
}
