//! `POST /events/{id}/best`: the best seats together, held in one go.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;

use super::hold;
use super::refusals::refused;
use crate::domain::ids::{EventId, SeatId, TierId, UserId};
use crate::services::holds::HoldRequest;
use crate::services::seatmap::{self};
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::hx::HxRequest;
use crate::web::pages::seatmap::update::{Changed, Message, answer};
use crate::web::pages::seatmap::{buyer, keep_admission, may_hold, page_of, parse_event};
use crate::web::state::AppState;

/// "Best available": N seats together, in one tier or any.
#[derive(Debug, Deserialize)]
pub(super) struct BestForm {
    quantity: Option<String>,
    tier_id: Option<String>,
    section: Option<String>,
    view: Option<String>,
}

impl BestForm {
    /// How many seats and in which tier (`None`: any), if both can be read.
    fn request(&self) -> Option<(i32, Option<TierId>)> {
        let quantity = number(&self.quantity).and_then(|q| i32::try_from(q).ok());
        let tier = match self.tier_id.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => t.parse::<i64>().map(|t| Some(TierId(t))),
        };
        match (quantity, tier) {
            (Some(quantity), Ok(tier)) => Some((quantity, tier)),
            _ => None,
        }
    }
}

#[post("/events/{id}/best")]
pub(super) async fn best_available(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<BestForm>,
    ctx: PageContext,
    hx: HxRequest,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, form.section.as_deref(), form.view.as_deref());
    let viewer = buyer(&ctx, &page, hx.0)?;
    let admitted = may_hold(&state, &req, event, &ctx, hx.0)?;
    let changed = match form.request() {
        Some((quantity, tier)) => hold_best(&state, viewer, event, quantity, tier).await?,
        None => Changed::unreadable("Choose how many seats you want (a number) and a price."),
    };
    let held = changed.status.is_success();
    let mut response = answer(&state, &ctx, hx.0, page, viewer, changed).await?;
    if held {
        keep_admission(&state, &mut response, admitted);
    }
    Ok(response)
}

/// Holds the best seats and names the ones that came into the basket.
async fn hold_best(
    state: &AppState,
    viewer: UserId,
    event: EventId,
    quantity: i32,
    tier: Option<TierId>,
) -> Result<Changed, AppError> {
    let before = basket_seats(state, viewer, event).await?;
    let request = HoldRequest::BestAvailable { quantity, tier };
    match hold(state, viewer, event, request).await? {
        Ok(_) => {
            let after = basket_seats(state, viewer, event).await?;
            let new: Vec<SeatId> = after.into_iter().filter(|s| !before.contains(s)).collect();
            let message = Message::ok(match new.len() {
                1 => "We found you a seat; it is in your basket.".to_owned(),
                n => format!("We found you {n} seats together; they are in your basket."),
            });
            Ok(Changed::ok(new, message))
        }
        Err(e) => refused(e, "a seat we chose", Vec::new()),
    }
}

pub(super) fn number(field: &Option<String>) -> Option<i64> {
    field.as_deref().and_then(|v| v.trim().parse::<i64>().ok())
}

pub(super) async fn basket_seats(
    state: &AppState,
    viewer: UserId,
    event: EventId,
) -> Result<Vec<SeatId>, AppError> {
    state
        .read(move |conn, now| Ok(seatmap::basket(conn, viewer, event, now)?.seat_ids()))
        .await
}
