//! A pending booking's basket and the payments opened for it (issue 16). Every change of the
//! basket bumps `bookings.basket_version` (`db::holds`); a payment remembers the version and
//! amount it was opened for and sells only that basket (`db::payments::mark_paid`). Here:
//! what a new payment does to the older ones.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::payments as queries;
use crate::db::{Db, DbError};
use crate::domain::ids::BookingId;
use crate::domain::payment::PaymentStatus;
use crate::providers::{PaymentState, ProviderError, Providers};

/// How long a hold runs on past its end once a payment was opened for it, so that a payment
/// the provider accepted in time is applied even when its webhook lags (issue 16). No new
/// payment starts in the grace (`bookings.payable_until`), and it is given once per booking.
pub const PAYMENT_GRACE: TimeDelta = TimeDelta::minutes(5);

/// Cancels, at their provider and here, the booking's open payments opened for another basket
/// version or amount than `version` / `total_cents`. One the buyer paid just before is
/// refunded when its webhook arrives (it can no longer sell). Answers how many it cancelled.
#[tracing::instrument(name = "basket.cancel_stale_intents", skip_all, fields(booking.id = %booking))]
pub fn cancel_stale_intents(
    db: &Db,
    providers: &Providers,
    booking: BookingId,
    version: i32,
    total_cents: i64,
    now: NaiveDateTime,
) -> Result<usize, ProviderError> {
    let stale = db.read(|c| {
        queries::stale_open_of(c, booking, version, total_cents).map_err(DbError::Query)
    })?;
    let mut cancelled = 0;
    for payment in stale {
        let state = providers
            .get(payment.provider)?
            .cancel(&payment.external_id)?;
        if state == PaymentState::Cancelled {
            let moved = db.write(|c| {
                queries::transition(
                    c,
                    payment.id,
                    PaymentStatus::Pending,
                    PaymentStatus::Failed,
                    Some("The basket changed; a new payment was started for it."),
                    now,
                )
                .map_err(DbError::Query)
            })?;
            cancelled += usize::from(moved);
        }
    }
    Ok(cancelled)
}
