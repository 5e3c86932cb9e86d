//! Cancelling a pending booking and its open payments at their providers.

use chrono::NaiveDateTime;

use crate::db::payments::{self as queries};
use crate::db::{Db, DbError};
use crate::domain::ids::{BookingId, UserId};
use crate::domain::payment::PaymentStatus;
use crate::providers::{PaymentState, Providers};
use crate::services::live::LiveHub;

use super::start::PaymentError;

/// After a pending booking was cancelled: cancels its intents still open at the gateway and
/// marks them failed. One the buyer paid just before ends refunded when its webhook arrives.
pub fn cancel_open_intents(
    db: &Db,
    providers: &Providers,
    booking: BookingId,
    now: NaiveDateTime,
) -> Result<(), PaymentError> {
    let open = db.read(|c| queries::open_of(c, booking).map_err(DbError::Query))?;
    for payment in open {
        let state = providers
            .get(payment.provider)?
            .cancel(&payment.external_id)?;
        if state == PaymentState::Cancelled {
            db.write(|c| {
                queries::transition(
                    c,
                    payment.id,
                    PaymentStatus::Pending,
                    PaymentStatus::Failed,
                    Some("Cancelled with the booking."),
                    now,
                )
                .map_err(DbError::Query)
            })?;
        }
    }
    Ok(())
}

/// Cancels the buyer's pending booking (seats free at once, see `holds::cancel`), then its
/// open payment intents at the gateway. A failure there is logged, not the buyer's problem:
/// an intent paid after all is refunded when its webhook arrives.
#[tracing::instrument(name = "payments.cancel_booking", skip_all, fields(user.id = %user, booking.reference = reference))]
pub fn cancel_booking(
    db: &Db,
    live: &LiveHub,
    providers: &Providers,
    user: UserId,
    reference: &str,
    now: NaiveDateTime,
) -> Result<BookingId, crate::services::holds::BookingError> {
    let id = crate::services::holds::cancel(db, live, user, reference, now)?;
    if let Err(e) = cancel_open_intents(db, providers, id, now) {
        tracing::warn!(booking = %id, error = %e, "could not cancel the booking's open payments");
    }
    Ok(id)
}
