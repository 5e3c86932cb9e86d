//! What a buyer does on the map: hold or give back a seat (a click, or a button of the list
//! view), take a standing line out, ask for the best seats together, add standing places, and
//! ask for the basket when its countdown ends.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::update::{Changed, Message, Update, answer, render_update};
use super::{PageQuery, buyer, page_of, parse_event};
use crate::domain::ids::{EventId, SeatId, SectionId, TierId, UserId};
use crate::services::holds::{self, Held, HoldError, HoldRequest};
use crate::services::seatmap::{self, Basket};
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::hx::HxRequest;
use crate::web::state::AppState;

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
    RemoveLine(i64),
}

impl SeatAction {
    fn act(&self) -> Result<Act, Message> {
        let id = |raw: &str| raw.trim().parse::<i64>().ok().filter(|n| *n > 0);
        let bad = || Message::error("That seat could not be read; reload the page and try again.");
        match (&self.hold, &self.release, &self.remove_line) {
            (Some(s), None, None) => id(s).map(|n| Act::Hold(SeatId(n))).ok_or_else(bad),
            (None, Some(s), None) => id(s).map(|n| Act::Release(SeatId(n))).ok_or_else(bad),
            (None, None, Some(s)) => id(s).map(Act::RemoveLine).ok_or_else(bad),
            _ => Err(bad()),
        }
    }
}

/// What a failed hold tells the buyer, the status, and the seats to redraw.
fn hold_refusal(e: HoldError, what: &str) -> Result<(StatusCode, Message, Vec<SeatId>), AppError> {
    let msg = Message::error;
    Ok(match e {
        HoldError::EventNotFound => return Err(AppError::NotFound),
        HoldError::NotOnSale(state) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(format!(
                "Tickets for this event can't be bought now ({}).",
                state.label().to_lowercase()
            )),
            Vec::new(),
        ),
        HoldError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(errors.into_values().collect::<Vec<_>>().join(" ")),
            Vec::new(),
        ),
        HoldError::TooMany { max, already } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(format!(
                "You can have at most {max} tickets in one order, and your basket already has {already}."
            )),
            Vec::new(),
        ),
        HoldError::Unavailable { seat_ids } => (
            StatusCode::CONFLICT,
            msg(format!(
                "Sorry, {what} was just taken by someone else. Nothing was added to your basket."
            )),
            seat_ids,
        ),
        HoldError::NotEnough { available } => (
            StatusCode::CONFLICT,
            msg(match available {
                0 => "Sorry, none are left.".to_owned(),
                n => format!("Sorry, not that many are left together: {n} available."),
            }),
            Vec::new(),
        ),
        HoldError::Unverified { max, already } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(format!(
                "Until you confirm your email address you can hold at most {max} tickets at once, \
                 and you already hold {already}. Confirm it with the link we emailed you \
                 (your account page can send a new one), then try again."
            )),
            Vec::new(),
        ),
        HoldError::AccountLimit { max, already } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(format!(
                "This event allows at most {max} tickets per account, and you already have {already}."
            )),
            Vec::new(),
        ),
        HoldError::CoolingDown { retry_after } => (
            StatusCode::CONFLICT,
            msg(format!(
                "You gave these tickets back moments ago, so you can hold them again in {} \
                 (anyone else may take them now). Other seats or places are yours to choose.",
                wait_words(retry_after)
            )),
            Vec::new(),
        ),
        HoldError::PaymentPending => (
            StatusCode::CONFLICT,
            msg("Your time to pay has ended; a payment is being confirmed, so nothing more can be added to this booking.".to_owned()),
            Vec::new(),
        ),
        HoldError::Db(e) => return Err(e.into()),
        e @ HoldError::Relock(_) => return Err(e.into()),
    })
}

/// "45 seconds", "2 minutes".
fn wait_words(seconds: i64) -> String {
    match seconds {
        ..=1 => "a second".to_owned(),
        2..=90 => format!("{seconds} seconds"),
        _ => format!("{} minutes", (seconds + 59) / 60),
    }
}

/// How a seat is named in messages ("Stalls, row F, seat 12"), read before acting.
async fn seat_name(state: &AppState, event: EventId, seat: SeatId) -> Result<String, AppError> {
    let found = state
        .read(move |conn, now| Ok(seatmap::seats(conn, event, None, &[seat], now)?))
        .await?;
    Ok(found
        .first()
        .map(|s| format!("{}, row {}, seat {}", s.section, s.row, s.number))
        .unwrap_or_else(|| "that seat".to_owned()))
}

/// Holds for the buyer, off the async workers (429 when they are holding too fast).
async fn hold(
    state: &AppState,
    viewer: UserId,
    event: EventId,
    request: HoldRequest,
) -> Result<Result<Held, HoldError>, AppError> {
    state.limits.hold(viewer.0)?;
    let live = state.live.clone();
    let policy = holds::HoldPolicy::from_settings(&state.settings);
    state
        .run(move |db, now| holds::hold_with(db, &live, viewer, event, &request, &policy, now))
        .await
}

/// A refused hold as the page shows it; `seats` are redrawn (those found taken, else these).
fn refused(e: HoldError, what: &str, seats: Vec<SeatId>) -> Result<Changed, AppError> {
    let (status, message, taken) = hold_refusal(e, what)?;
    Ok(Changed {
        seats: if taken.is_empty() { seats } else { taken },
        message,
        status,
    })
}

#[post("/events/{id}/seats")]
async fn seat_action(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SeatAction>,
    ctx: PageContext,
    hx: HxRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, form.section.as_deref(), form.view.as_deref());
    let viewer = buyer(&ctx, &page, hx.0)?;
    let changed = match form.act() {
        Err(message) => Changed {
            seats: Vec::new(),
            message,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        },
        Ok(Act::Hold(seat)) => {
            let name = seat_name(&state, event, seat).await?;
            match hold(&state, viewer, event, HoldRequest::Seats(vec![seat])).await? {
                Ok(_) => Changed::ok(
                    vec![seat],
                    Message::ok(format!("{name} is in your basket.")),
                ),
                Err(e) => refused(e, &name, vec![seat])?,
            }
        }
        Ok(Act::Release(seat)) => {
            let name = seat_name(&state, event, seat).await?;
            let live = state.live.clone();
            let released = state
                .run(move |db, now| holds::release_seat(db, &live, viewer, event, seat, now))
                .await??;
            let message = if released {
                Message::ok(format!("{name} was taken out of your basket."))
            } else {
                Message::error(format!("{name} was not in your basket."))
            };
            Changed::ok(vec![seat], message)
        }
        Ok(Act::RemoveLine(item)) => {
            let live = state.live.clone();
            let released = state
                .run(move |db, now| holds::release_places(db, &live, viewer, event, item, now))
                .await??;
            let message = if released {
                Message::ok("The standing tickets were taken out of your basket.")
            } else {
                Message::error("Those tickets were not in your basket.")
            };
            Changed::ok(Vec::new(), message)
        }
    };
    answer(&state, &ctx, hx.0, page, viewer, changed).await
}

/// "Best available": N seats together, in one tier or any.
#[derive(Debug, Deserialize)]
struct BestForm {
    quantity: Option<String>,
    tier_id: Option<String>,
    section: Option<String>,
    view: Option<String>,
}

#[post("/events/{id}/best")]
async fn best_available(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<BestForm>,
    ctx: PageContext,
    hx: HxRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, form.section.as_deref(), form.view.as_deref());
    let viewer = buyer(&ctx, &page, hx.0)?;
    let quantity = number(&form.quantity).and_then(|q| i32::try_from(q).ok());
    let tier = match form.tier_id.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse::<i64>().map(|t| Some(TierId(t))),
    };
    let changed = match (quantity, tier) {
        (Some(quantity), Ok(tier)) => {
            let before = basket_seats(&state, viewer, event).await?;
            let request = HoldRequest::BestAvailable { quantity, tier };
            match hold(&state, viewer, event, request).await? {
                Ok(_) => {
                    let after = basket_seats(&state, viewer, event).await?;
                    let new: Vec<SeatId> =
                        after.into_iter().filter(|s| !before.contains(s)).collect();
                    let message = Message::ok(match new.len() {
                        1 => "We found you a seat; it is in your basket.".to_owned(),
                        n => format!("We found you {n} seats together; they are in your basket."),
                    });
                    Changed::ok(new, message)
                }
                Err(e) => refused(e, "a seat we chose", Vec::new())?,
            }
        }
        _ => Changed::unreadable("Choose how many seats you want (a number) and a price."),
    };
    answer(&state, &ctx, hx.0, page, viewer, changed).await
}

fn number(field: &Option<String>) -> Option<i64> {
    field.as_deref().and_then(|v| v.trim().parse::<i64>().ok())
}

async fn basket_seats(
    state: &AppState,
    viewer: UserId,
    event: EventId,
) -> Result<Vec<SeatId>, AppError> {
    state
        .read(move |conn, now| Ok(seatmap::basket(conn, viewer, event, now)?.seat_ids()))
        .await
}

#[derive(Debug, Deserialize)]
struct StandingForm {
    section_id: Option<String>,
    quantity: Option<String>,
    section: Option<String>,
    view: Option<String>,
}

#[post("/events/{id}/standing")]
async fn hold_standing(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<StandingForm>,
    ctx: PageContext,
    hx: HxRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, form.section.as_deref(), form.view.as_deref());
    let viewer = buyer(&ctx, &page, hx.0)?;
    let quantity = number(&form.quantity).and_then(|q| i32::try_from(q).ok());
    let changed = match (number(&form.section_id), quantity) {
        (Some(section), Some(quantity)) => {
            let request = HoldRequest::Standing {
                section: SectionId(section),
                quantity,
            };
            match hold(&state, viewer, event, request).await? {
                Ok(_) => Changed::ok(
                    Vec::new(),
                    Message::ok(match quantity {
                        1 => "A standing ticket is in your basket.".to_owned(),
                        n => format!("{n} standing tickets are in your basket."),
                    }),
                ),
                Err(e) => refused(e, "that", Vec::new())?,
            }
        }
        _ => Changed::unreadable("Choose how many standing tickets you want (a number)."),
    };
    answer(&state, &ctx, hx.0, page, viewer, changed).await
}

/// The basket panel alone: the page asks for it when its countdown reaches zero. A basket that
/// ran out comes with its seats redrawn as free.
#[get("/events/{id}/basket")]
async fn basket_panel(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, query.section(), query.view.as_deref());
    let csrf_token = ctx.layout.csrf.clone();
    let Some(viewer) = ctx.layout.user.as_ref().map(|u| u.id) else {
        let update = Update {
            event_id: event,
            on_sale: false,
            list: page.list,
            seats: Vec::new(),
            sections: Vec::new(),
            standing: Vec::new(),
            basket: Some(Basket::Empty),
            message: None,
            csrf_token,
            v: state.live.version(),
        };
        return crate::web::pages::html(update.render());
    };
    let expired = state
        .read(move |conn, now| Ok(seatmap::expired_basket_seats(conn, viewer, event, now)?))
        .await?;
    let update = render_update(&state, &page, Some(viewer), &expired, false, true).await?;
    crate::web::pages::html(
        Update {
            csrf_token,
            ..update
        }
        .render(),
    )
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
