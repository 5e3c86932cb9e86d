//! A buyer's changes to a pending booking: cancel it, or take a line out.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

use crate::domain::ids::{EventId, SeatId};
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
    let (live, gateway) = (state.live.clone(), state.gateway.clone());
    let r = reference.clone();
    let result = state
        .run(move |db, now| {
            crate::services::payments::cancel_booking(db, &live, &gateway, owner, &r, now)
        })
        .await?;
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
pub(super) struct RemoveForm {
    release: Option<String>,
    remove_line: Option<String>,
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
    let number = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i64>().ok());
    let live = state.live.clone();
    let removed = match (number(&form.release), number(&form.remove_line)) {
        (Some(seat), None) => {
            state
                .run(move |db, now| holds::release_seat(db, &live, owner, event, SeatId(seat), now))
                .await??
        }
        (None, Some(item)) => {
            state
                .run(move |db, now| holds::release_places(db, &live, owner, event, item, now))
                .await??
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
