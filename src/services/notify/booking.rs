//! The booking emails (confirmed, hold expired, refunded, cancelled…), each with a snapshot of
//! the booking as it is when queued, and an admin's resend of a stored email.

use chrono::NaiveDateTime;

use crate::db::outbox::NewEmail;
use crate::db::payments::{self as queries, BookingForPayment};
use crate::db::{DbConnection, DbError};
use crate::domain::ids::{BookingId, EventId, UserId};
use crate::mail::templates::EmailKind;
use crate::services::bookings::BookingView;

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
    let view = crate::services::bookings::one(c, booking)?
        .ok_or(DbError::Query(diesel::result::Error::NotFound))?;
    let (ends_at, city) = queries::event_end_and_city(c, view.booking.event_id)?;
    Ok(email_of(&view, name, ends_at, &city, reason))
}

/// The payload of a booking email from what was read of the booking.
fn email_of(
    view: &BookingView,
    name: String,
    ends_at: Option<NaiveDateTime>,
    city: &str,
    reason: Option<&str>,
) -> crate::mail::templates::BookingEmail {
    use crate::domain::local_time::{LocalStart, zone};
    use crate::domain::money::Money;
    use crate::domain::seatmap::place_label;
    let b = &view.booking;
    let when = LocalStart::new(b.starts_at, zone(&b.venue_timezone));
    crate::mail::templates::BookingEmail {
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
    }
}

/// Bookings per round of [`queue_hold_expired_many`] (SQLite binds each id).
const EMAIL_CHUNK: usize = 500;

/// Queues the "hold expired" emails of bookings that just expired, in the order given: the
/// same emails as [`queue_hold_expired`] one by one, in a few statements per 500 bookings
/// (a hold or a sweep that ends thousands of unswept holds, issue 18).
#[expect(
    clippy::expect_used,
    reason = "a struct of strings and numbers always serializes"
)]
pub fn queue_hold_expired_many(
    c: &mut DbConnection,
    ids: &[BookingId],
    now: NaiveDateTime,
) -> Result<(), DbError> {
    use std::collections::HashMap;
    for chunk in ids.chunks(EMAIL_CHUNK) {
        let mut heads: HashMap<BookingId, _> = crate::db::bookings::with_owners(c, chunk)?
            .into_iter()
            .map(|row| (row.0.id, row))
            .collect();
        // Expired bookings were never paid: lines, no tickets (as `bookings::one` reads them).
        let mut items: HashMap<BookingId, Vec<_>> = HashMap::new();
        for item in crate::db::bookings::items_of(c, chunk)? {
            items.entry(item.booking_id).or_default().push(item);
        }
        let mut places: HashMap<EventId, (Option<NaiveDateTime>, String)> = HashMap::new();
        let mut emails = Vec::with_capacity(chunk.len());
        for id in chunk {
            let Some((booking, user, name, email)) = heads.remove(id) else {
                continue;
            };
            let event = booking.event_id;
            let (ends_at, city) = match places.get(&event) {
                Some(place) => place.clone(),
                None => {
                    let place = queries::event_end_and_city(c, event)?;
                    places.insert(event, place.clone());
                    place
                }
            };
            let view = BookingView {
                items: items.remove(id).unwrap_or_default(),
                tickets: Vec::new(),
                booking,
            };
            let payload = email_of(&view, name, ends_at, &city, None);
            emails.push((
                format!("hold_expired:{id}"),
                email,
                user,
                serde_json::to_value(&payload)
                    .expect("the payload serializes")
                    .to_string(),
            ));
        }
        let rows: Vec<NewEmail> = emails
            .iter()
            .map(|(key, recipient, user, payload)| NewEmail {
                dedupe_key: key,
                kind: EmailKind::HoldExpired.as_str(),
                recipient,
                user_id: Some(*user),
                payload,
            })
            .collect();
        crate::db::outbox::enqueue_many(c, &rows, now)?;
    }
    Ok(())
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
