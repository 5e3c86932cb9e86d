//! A payment that succeeded: the booking is paid, or the payment is given back.

use chrono::NaiveDateTime;

use crate::db::holds::Released;
use crate::db::payments::{self as queries, Payment};
use crate::db::{DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::payment::PaymentStatus;
use crate::mail::templates::EmailKind;

use super::late_claim::claim;
use super::refund::start_refund;
use super::webhook::{Outcome, WebhookError};
use crate::services::notify::queue_email;

/// Why a payment for an older basket is given back.
pub(super) const BASKET_CHANGED: &str = "The seats in this booking changed after this payment was started, so it paid for a different basket and is being refunded in full. Pay again for the booking as it is now.";

/// The gateway took the money. See the module's notes for every case.
#[tracing::instrument(name = "payments.succeeded", skip_all, fields(booking.id = %payment.booking_id, payment.id = %payment.id))]
pub(crate) fn succeeded(
    c: &mut DbConnection,
    payment: &Payment,
    now: NaiveDateTime,
) -> Result<(Outcome, Released), WebhookError> {
    // The event's section rows before the booking (db::lock_order): a claim moves seats.
    crate::db::lock_order::lock_events_of_bookings(c, &[payment.booking_id])?;
    let booking = queries::booking(c, payment.booking_id, true)?
        .ok_or(DbError::Query(diesel::result::Error::NotFound))?;
    // Read again under the booking's lock: another webhook of this booking may have just
    // changed it.
    let payment = &queries::by_external_id(c, &payment.external_id)?
        .ok_or(DbError::Query(diesel::result::Error::NotFound))?;
    if payment.status != PaymentStatus::Pending {
        return Ok((Outcome::Nothing, Released::default()));
    }
    if booking.status == BookingStatus::Paid || queries::has_success(c, booking.id)? {
        queries::transition(
            c,
            payment.id,
            PaymentStatus::Pending,
            PaymentStatus::Refunded,
            Some("The booking was already paid by another payment; this one is refunded."),
            now,
        )?;
        start_refund(
            c,
            payment,
            &booking,
            "This booking had already been paid, so this second payment is being refunded in full.",
            now,
        )?;
        return Ok((Outcome::Refunding, Released::default()));
    }
    // What is sold must equal what was paid (issue 16): a payment opened for an older basket,
    // or for another amount, sells nothing and is given back; the basket stays as it is,
    // payable at its own total.
    if matches!(
        booking.status,
        BookingStatus::Pending | BookingStatus::Expired
    ) && !booking.is_paid_for_by(payment)
    {
        queries::transition(
            c,
            payment.id,
            PaymentStatus::Pending,
            PaymentStatus::Refunded,
            Some(BASKET_CHANGED),
            now,
        )?;
        start_refund(c, payment, &booking, BASKET_CHANGED, now)?;
        return Ok((Outcome::Refunding, Released::default()));
    }
    queries::transition(
        c,
        payment.id,
        PaymentStatus::Pending,
        PaymentStatus::Succeeded,
        None,
        now,
    )?;
    let claimed = match booking.status {
        BookingStatus::Pending | BookingStatus::Expired => claim(c, &booking, payment, now)?,
        _ => None,
    };
    match claimed {
        Some(released) => {
            // The buyer's turn in the event's waiting room (if it has one) ends with the sale,
            // in the same commit: the next tick calls someone else into the slot.
            crate::db::queue::tickets::finish_for_user(c, booking.event_id, booking.user_id, now)?;
            queue_email(
                c,
                EmailKind::BookingConfirmed,
                &format!("booking_confirmed:{}", booking.id),
                &booking,
                None,
                now,
            )?;
            Ok((Outcome::Paid, released))
        }
        None => {
            let reason = match booking.status {
                BookingStatus::Cancelled => {
                    "The booking had been cancelled before the payment arrived, so the payment is being refunded in full."
                }
                _ => {
                    "The payment arrived after the hold on the seats had ended, and some of them had gone to another buyer, so the payment is being refunded in full."
                }
            };
            start_refund(c, payment, &booking, reason, now)?;
            Ok((Outcome::Refunding, Released::default()))
        }
    }
}
