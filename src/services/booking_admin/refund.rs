//! A manual refund: one write transaction, the payment's provider asked by the refund job.

use chrono::NaiveDateTime;

use crate::db::Db;
use crate::db::audit::{NewAuditEntry, record};
use crate::db::booking_admin::{self as queries};
use crate::db::payments::{self as payment_queries};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::UserId;
use crate::jobs::{Job, RefundPayment};
use crate::mail::templates::EmailKind;
use crate::services::live::{Change, LiveHub};
use crate::services::notify::queue_booking_email;

use super::search::{BookingAdminError, REASON_MAX};

/// A refund's reason: 1 to 500 characters once trimmed.
pub fn parse_reason(raw: &str) -> Result<String, BookingAdminError> {
    let reason = raw.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(BookingAdminError::Invalid(
            [(
                "reason",
                format!(
                    "Say why the booking is refunded (1 to {REASON_MAX} characters); the buyer is told."
                ),
            )]
            .into_iter()
            .collect(),
        ));
    }
    Ok(reason.to_owned())
}

/// What a refund call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refunded {
    /// Refunded now; the gateway is asked in the background.
    Now,
    /// It was refunded already: nothing changed.
    Already,
}

/// Refunds a paid booking by hand (see the module's notes). A booking already refunded
/// answers [`Refunded::Already`] and changes nothing; any other status is refused.
#[tracing::instrument(name = "booking_admin.refund", skip_all, fields(booking.reference = reference, admin.id = %admin))]
pub fn refund(
    db: &Db,
    live: &LiveHub,
    reference: &str,
    reason: &str,
    admin: UserId,
    now: NaiveDateTime,
) -> Result<Refunded, BookingAdminError> {
    let reason = parse_reason(reason)?;
    let reference = reference.trim().to_uppercase();
    let (outcome, given) = db.write(|c| -> Result<_, BookingAdminError> {
        let head = crate::db::holds::find_by_reference(c, &reference)?
            .ok_or(BookingAdminError::NotFound)?;
        // The event's section rows first (db::lock_order), then the booking.
        crate::db::lock_order::lock_event_sections(c, head.event_id)?;
        // Locked until the end of the transaction: a second refund waits here, then sees it
        // refunded.
        let booking =
            payment_queries::booking(c, head.id, true)?.ok_or(BookingAdminError::NotFound)?;
        match booking.status {
            BookingStatus::Paid => {}
            BookingStatus::Refunded => return Ok((Refunded::Already, None)),
            other => return Err(BookingAdminError::NotPaid(other)),
        }
        // Guarded (`WHERE status = 'paid'`): the lock's backup.
        if !crate::db::cancellation::mark_refunded(c, booking.id, now)? {
            return Ok((Refunded::Already, None));
        }
        let given = if queries::event_on_sale(c, booking.event_id, now)? {
            queries::give_back(c, booking.id, now)?
        } else {
            queries::GivenBack::default()
        };
        let refund = match payment_queries::succeeded_of(c, booking.id)? {
            Some(payment) => match payment_queries::create_refund(c, &payment, &reason, now)? {
                Some((refund, created)) => {
                    if created {
                        RefundPayment { refund_id: refund }.enqueue(c, now)?;
                    }
                    Some(refund)
                }
                None => None,
            },
            None => None,
        };
        queue_booking_email(
            c,
            EmailKind::BookingRefunded,
            &format!("booking_refunded:{}", booking.id),
            booking.id,
            Some(&reason),
            now,
        )?;
        record(
            c,
            &NewAuditEntry {
                actor_user_id: Some(admin),
                action: "booking.refunded",
                subject_type: "booking",
                subject_id: Some(booking.id.0),
                detail: &serde_json::json!({
                    "reason": reason,
                    "refund_id": refund,
                    "seats_released": given.seats.len(),
                    "places_released": given.places,
                })
                .to_string(),
                created_at: now,
            },
        )?;
        Ok((Refunded::Now, Some((booking.event_id, given))))
    })?;
    if let Some((event, given)) = given {
        let mut changes: Vec<Change> = given
            .seats
            .into_iter()
            .map(|(event, seat)| Change::seats(event, vec![seat]))
            .collect();
        if given.places > 0 {
            changes.push(Change::standing(event));
        }
        live.publish_all(changes);
    }
    Ok(outcome)
}
