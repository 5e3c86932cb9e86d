//! How a refused hold reads on the map: the message, the wait before a retry, the seats redrawn.

use actix_web::http::StatusCode;

use crate::domain::ids::{EventId, SeatId};
use crate::services::holds::HoldError;
use crate::web::error::AppError;
use crate::web::pages::seatmap::update::{Changed, Message};
use crate::web::pages::seatmap::view;
use crate::web::state::AppState;

/// What a failed hold tells the buyer, the status, and the seats to redraw.
pub(super) fn hold_refusal(
    e: HoldError,
    what: &str,
) -> Result<(StatusCode, Message, Vec<SeatId>), AppError> {
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
        HoldError::NotAdmitted => (
            StatusCode::FORBIDDEN,
            msg(crate::web::error::NOT_ADMITTED.to_owned()),
            Vec::new(),
        ),
        HoldError::Db(e) => return Err(e.into()),
        e @ HoldError::Relock(_) => return Err(e.into()),
    })
}

/// "45 seconds", "2 minutes".
pub(super) fn wait_words(seconds: i64) -> String {
    match seconds {
        ..=1 => "a second".to_owned(),
        2..=90 => format!("{seconds} seconds"),
        _ => format!("{} minutes", (seconds + 59) / 60),
    }
}

/// How a seat is named in messages ("Stalls, row F, seat 12"), read before acting.
pub(super) async fn seat_name(
    state: &AppState,
    event: EventId,
    seat: SeatId,
) -> Result<String, AppError> {
    let found = state
        .read(move |conn, now| Ok(view::seats(conn, event, None, &[seat], now)?))
        .await?;
    Ok(found
        .first()
        .map(|s| format!("{}, row {}, seat {}", s.section, s.row, s.number))
        .unwrap_or_else(|| "that seat".to_owned()))
}

/// A refused hold as the page shows it; `seats` are redrawn (those found taken, else these).
pub(super) fn refused(e: HoldError, what: &str, seats: Vec<SeatId>) -> Result<Changed, AppError> {
    let (status, message, taken) = hold_refusal(e, what)?;
    Ok(Changed {
        seats: if taken.is_empty() { seats } else { taken },
        message,
        status,
    })
}
