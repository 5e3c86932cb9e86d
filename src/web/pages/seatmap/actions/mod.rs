//! What a buyer does on the map: hold or give back a seat (a click, or a button of the list
//! view), take a standing line out, ask for the best seats together, add standing places, and
//! ask for the basket when its countdown ends.

mod basket;
mod best;
mod refusals;
mod standing;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;

use super::update::{Changed, Message, answer};
use super::{buyer, keep_admission, may_hold, page_of, parse_event};
use crate::domain::ids::{BookingItemId, EventId, SeatId, UserId};
use crate::services::holds::{self, Held, HoldError, HoldRequest};
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::hx::HxRequest;
use crate::web::state::AppState;
use basket::basket_panel;
use best::best_available;
use refusals::{refused, seat_name};
use standing::hold_standing;

/// A click on the map or a button in the list: `hold` a seat, `release` one of the buyer's,
/// or `remove_line` (a standing line of the basket).
#[derive(Debug, Deserialize)]
struct SeatAction {
    hold: Option<String>,
    release: Option<String>,
    remove_line: Option<String>,
    section: Option<String>,
    view: Option<String>,
}

enum Act {
    Hold(SeatId),
    Release(SeatId),
    RemoveLine(BookingItemId),
}

impl SeatAction {
    fn act(&self) -> Result<Act, Message> {
        let id = |raw: &str| raw.trim().parse::<i64>().ok().filter(|n| *n > 0);
        let bad = || Message::error("That seat could not be read; reload the page and try again.");
        match (&self.hold, &self.release, &self.remove_line) {
            (Some(s), None, None) => id(s).map(|n| Act::Hold(SeatId(n))).ok_or_else(bad),
            (None, Some(s), None) => id(s).map(|n| Act::Release(SeatId(n))).ok_or_else(bad),
            (None, None, Some(s)) => id(s)
                .map(|n| Act::RemoveLine(BookingItemId(n)))
                .ok_or_else(bad),
            _ => Err(bad()),
        }
    }
}

/// Holds for the buyer, off the async workers (429 when they are holding too fast).
async fn hold(
    state: &AppState,
    viewer: UserId,
    event: EventId,
    request: HoldRequest,
) -> Result<Result<Held, HoldError>, AppError> {
    state.limit(move |l| l.hold(viewer.0)).await??;
    let live = state.live.clone();
    let policy = holds::HoldPolicy::from_settings(&state.settings);
    let held = state
        .run(move |db, now| holds::hold_with(db, &live, viewer, event, &request, &policy, now))
        .await?;
    if let Err(HoldError::NotAdmitted) = held {
        // A valid token, but no running turn in the database (paid, run out, left).
        state.queue.refused("no_turn");
    }
    Ok(held)
}

#[post("/events/{id}/seats")]
async fn seat_action(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SeatAction>,
    ctx: PageContext,
    hx: HxRequest,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, form.section.as_deref(), form.view.as_deref());
    let viewer = buyer(&ctx, &page, hx.0)?;
    let admitted = match form.act() {
        Ok(Act::Hold(_)) => may_hold(&state, &req, event, &ctx, hx.0)?,
        _ => None,
    };
    let changed = match form.act() {
        Err(message) => Changed {
            seats: Vec::new(),
            message,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        },
        Ok(Act::Hold(seat)) => hold_seat(&state, viewer, event, seat).await?,
        Ok(Act::Release(seat)) => release_seat(&state, viewer, event, seat).await?,
        Ok(Act::RemoveLine(item)) => remove_line(&state, viewer, event, item).await?,
    };
    let held = changed.status.is_success();
    let mut response = answer(&state, &ctx, hx.0, page, viewer, changed).await?;
    if held {
        keep_admission(&state, &mut response, admitted);
    }
    Ok(response)
}

/// A click on a free seat: into the basket, or why not.
async fn hold_seat(
    state: &AppState,
    viewer: UserId,
    event: EventId,
    seat: SeatId,
) -> Result<Changed, AppError> {
    let name = seat_name(state, event, seat).await?;
    match hold(state, viewer, event, HoldRequest::Seats(vec![seat])).await? {
        Ok(_) => Ok(Changed::ok(
            vec![seat],
            Message::ok(format!("{name} is in your basket.")),
        )),
        Err(e) => refused(e, &name, vec![seat]),
    }
}

/// A click on one of the buyer's seats: out of the basket.
async fn release_seat(
    state: &AppState,
    viewer: UserId,
    event: EventId,
    seat: SeatId,
) -> Result<Changed, AppError> {
    let name = seat_name(state, event, seat).await?;
    let live = state.live.clone();
    let released = state
        .run(move |db, now| holds::release_seat(db, &live, viewer, event, seat, now))
        .await??;
    let message = if released {
        Message::ok(format!("{name} was taken out of your basket."))
    } else {
        Message::error(format!("{name} was not in your basket."))
    };
    Ok(Changed::ok(vec![seat], message))
}

/// A standing line of the basket taken out.
async fn remove_line(
    state: &AppState,
    viewer: UserId,
    event: EventId,
    item: BookingItemId,
) -> Result<Changed, AppError> {
    let live = state.live.clone();
    let released = state
        .run(move |db, now| holds::release_places(db, &live, viewer, event, item, now))
        .await??;
    let message = if released {
        Message::ok("The standing tickets were taken out of your basket.")
    } else {
        Message::error("Those tickets were not in your basket.")
    };
    Ok(Changed::ok(Vec::new(), message))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(seat_action)
        .service(best_available)
        .service(hold_standing)
        .service(basket_panel);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_names_exactly_one_thing_to_do() {
        let form = |hold: Option<&str>, release: Option<&str>| SeatAction {
            hold: hold.map(str::to_owned),
            release: release.map(str::to_owned),
            remove_line: None,
            section: None,
            view: None,
        };
        assert!(matches!(
            form(Some("5"), None).act(),
            Ok(Act::Hold(SeatId(5)))
        ));
        assert!(matches!(
            form(None, Some("5")).act(),
            Ok(Act::Release(SeatId(5)))
        ));
        assert!(form(Some("5"), Some("6")).act().is_err());
        assert!(form(Some("x"), None).act().is_err());
        assert!(form(Some("-3"), None).act().is_err());
        assert!(form(None, None).act().is_err());
    }
}
