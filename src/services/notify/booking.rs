//! The booking emails (confirmed, hold expired, refunded, cancelled…), each with a snapshot of
//! the booking as it is when queued, and an admin's resend of a stored email.

use chrono::NaiveDateTime;

use crate::db::payments::{self as queries, BookingForPayment};
use crate::db::{DbConnection, DbError};
use crate::domain::ids::{BookingId, UserId};
use crate::mail::templates::EmailKind;

/// Queues the "hold expired" email of a booking that just expired.
pub fn queue_hold_expired(
    c: &mut DbConnection,
    booking: BookingId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    queue_booking_email(
        c,
        EmailKind::HoldExpired,
        &format!("hold_expired:{booking}"),
        booking,
        None,
        now,
    )
}

/// Queues one of the booking emails about `booking`, once per dedupe key.
pub fn queue_booking_email(
    c: &mut DbConnection,
    kind: EmailKind,
    dedupe_key: &str,
    booking: BookingId,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let Some(booking) = queries::booking(c, booking, false)? else {
        return Ok(());
    };
    queue_email(c, kind, dedupe_key, &booking, reason, now)
}

/// Queues one of the booking emails with a snapshot of the booking as it is now.
#[expect(
    clippy::expect_used,
    reason = "a struct of strings and numbers always serializes"
)]
pub(crate) fn queue_email(
    c: &mut DbConnection,
    kind: EmailKind,
    dedupe_key: &str,
    booking: &BookingForPayment,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let (name, email) = queries::buyer(c, booking.user_id)?;
    let payload = booking_email(c, booking.id, name, reason)?;
    super::queue(
        c,
        &super::Email {
            kind,
            dedupe_key: dedupe_key.to_owned(),
            recipient: &email,
            user_id: Some(booking.user_id),
            payload: serde_json::to_value(&payload).expect("the payload serializes"),
        },
        now,
    )?;
    Ok(())
}

/// The booking emails' payload (see `mail::templates::BookingEmail`).
pub fn booking_email(
    c: &mut DbConnection,
    booking: BookingId,
    name: String,
    reason: Option<&str>,
) -> Result<crate::mail::templates::BookingEmail, DbError> {
    use crate::domain::local_time::{LocalStart, zone};
    use crate::domain::money::Money;
    use crate::domain::seatmap::place_label;
    let view = crate::services::bookings::one(c, booking)?
        .ok_or(DbError::Query(diesel::result::Error::NotFound))?;
    let b = &view.booking;
    let (ends_at, city) = queries::event_end_and_city(c, b.event_id)?;
    let when = LocalStart::new(b.starts_at, zone(&b.venue_timezone));
    Ok(crate::mail::templates::BookingEmail {
        name,
        reference: b.reference.clone(),
        event_title: b.event_title.clone(),
        venue: format!("{}, {city}", b.venue_name),
        starts_local: format!("{}, {} {}", when.date, when.time, when.zone),
        starts_at: b.starts_at,
        ends_at,
        lines: view
            .items
            .iter()
            .map(|i| {
                let what = place_label(&i.section, i.row.as_deref(), i.number);
                let quantity = if i.quantity > 1 {
                    format!(" × {}", i.quantity)
                } else {
                    String::new()
                };
                let price =
                    Money::new(i64::from(i.quantity) * i.unit_price_cents, b.total.currency);
                format!("{what}{quantity} · {price}")
            })
            .collect(),
        total: b.total.to_string(),
        tickets: view
            .tickets
            .iter()
            .map(|t| crate::mail::templates::TicketLine {
                code: t.code.clone(),
                place: place_label(&t.section, t.row.as_deref(), t.number),
            })
            .collect(),
        reason: reason.map(str::to_owned),
    })
}

/// Queues a stored email again as it was (an admin's resend), under a new dedupe key.
pub fn queue_again(
    c: &mut DbConnection,
    dedupe_key: &str,
    kind: &str,
    recipient: &str,
    user_id: Option<UserId>,
    payload: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    Ok(crate::db::outbox::enqueue(
        c,
        &crate::db::outbox::NewEmail {
            dedupe_key,
            kind,
            recipient,
            user_id,
            payload,
        },
        now,
    )?)
}
