//! Checkout on the app's side (ARCHITECTURE §3 and §8): paying for a booking through the
//! gateway, and what the gateway's webhooks do to it.
//!
//! The races are designed in rather than hoped away:
//! - **One payment per idempotency key**: the gateway answers the same intent for the same
//!   key, and `payments (booking_id, idempotency_key)` and `payments (external_id)` are unique,
//!   so concurrent duplicates of one request insert one row; the losers read it back.
//! - **A booking is paid only by the webhook**, applied in one transaction: the event id is
//!   recorded first (`ON CONFLICT DO NOTHING`: a second delivery changes nothing), the booking
//!   row is locked (`FOR UPDATE` on PostgreSQL), and every move is a guarded update.
//! - **At most one payment per booking holds money**: a partial unique index on
//!   `payments (booking_id) WHERE status = 'succeeded'`. A second payment the gateway took
//!   anyway is refunded at once.
//! - **A payment after the hold ran out** re-claims the same seats and places if they are
//!   still free (`expired` → `paid`); if any was sold or held by someone else meanwhile, or the
//!   booking was cancelled, the payment is refunded through the gateway (a `payments.refund`
//!   job) and the buyer is told by email.
//! - **A declined payment** leaves the booking pending with its hold; the buyer can try again.
//! - **Cancelling a pending booking** cancels its open intents at the gateway; one that beat
//!   the cancel ends refunded, as above.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::clock::Clock;
use crate::db::holds::{self as hold_queries, Released};
use crate::db::payments::{self as queries, BookingForPayment, NewPayment, NewTicket, Payment};
use crate::db::{Db, DbConnection, DbError, is_unique_violation, write_transaction};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, UserId};
use crate::domain::payment::{PaymentStatus, new_ticket_code};
use crate::gateway::signature::{self, SignatureError};
use crate::gateway::{EventBody, EventKind, Gateway, GatewayError, Method, NewIntent};
use crate::live::LiveHub;
use crate::mail::templates::EmailKind;
use crate::services::holds::changes_of;

/// Why a payment for an older basket is given back.
const BASKET_CHANGED: &str = "The seats in this booking changed after this payment was started, so it paid for a different basket and is being refunded in full. Pay again for the booking as it is now.";

/// The job that gives a payment back through the gateway.
pub const REFUND_JOB: &str = "payments.refund";
/// Refunds are money: tried for about two days before an admin has to look.
pub const REFUND_MAX_ATTEMPTS: i32 = 40;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("no such booking")]
    NotFound,
    #[error("the booking is {0}")]
    NotPayable(BookingStatus),
    #[error("the hold ran out")]
    HoldExpired,
    #[error("the booking is already paid")]
    AlreadyPaid,
    #[error("this idempotency key was used for a different payment")]
    KeyReused,
    /// The key answered a payment opened for an older basket (seats were added or released
    /// since): that payment can no longer sell anything (issue 16).
    #[error("the basket changed since this payment was started")]
    BasketChanged,
    #[error("{0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Gateway(GatewayError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for PaymentError {
    fn from(e: diesel::result::Error) -> Self {
        PaymentError::Db(DbError::Query(e))
    }
}

impl From<GatewayError> for PaymentError {
    fn from(e: GatewayError) -> Self {
        match e {
            GatewayError::KeyReused => PaymentError::KeyReused,
            GatewayError::Db(e) => PaymentError::Db(e),
            other => PaymentError::Gateway(other),
        }
    }
}

/// A payment and where the buyer pays it.
#[derive(Debug, Clone)]
pub struct Started {
    pub payment: Payment,
    pub checkout_url: String,
    /// `false` when the idempotency key answered an existing payment.
    pub created: bool,
}

/// The gateway's hosted page for a payment.
pub fn checkout_url(base_url: &url::Url, external_id: &str) -> String {
    crate::mail::templates::absolute(base_url, &format!("gateway/checkout/{external_id}"))
}

/// Checks an idempotency key: 1 to 255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Starts (or, for a key already used, answers) a payment of the buyer's pending booking.
#[allow(clippy::too_many_arguments)]
pub fn start(
    db: &Db,
    gateway: &Gateway,
    base_url: &url::Url,
    user: UserId,
    reference: &str,
    method: Method,
    key: &str,
    now: NaiveDateTime,
) -> Result<Started, PaymentError> {
    if !valid_key(key) {
        return Err(PaymentError::Invalid(
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        ));
    }
    let (booking, title, existing, paid_already) = db.read(|c| -> Result<_, PaymentError> {
        let head = hold_queries::find_by_reference(c, reference)?
            .filter(|b| b.user_id == user)
            .ok_or(PaymentError::NotFound)?;
        let booking = queries::booking(c, head.id, false)?.ok_or(PaymentError::NotFound)?;
        let title = crate::db::catalogue::event_title(c, booking.event_id)?;
        let existing = queries::by_key(c, booking.id, key)?;
        let paid_already = queries::has_success(c, booking.id)?;
        Ok((booking, title, existing, paid_already))
    })?;
    let answer = |payment: Payment, created: bool| Started {
        checkout_url: checkout_url(base_url, &payment.external_id),
        payment,
        created,
    };
    if let Some(payment) = existing {
        return if payment.method != method.as_str() {
            Err(PaymentError::KeyReused)
        } else if !booking.is_paid_for_by(&payment) {
            Err(PaymentError::BasketChanged)
        } else {
            Ok(answer(payment, false))
        };
    }
    match booking.status {
        BookingStatus::Pending if booking.hold_ends_at() <= now => {
            return Err(PaymentError::HoldExpired);
        }
        BookingStatus::Pending => {}
        BookingStatus::Paid => return Err(PaymentError::AlreadyPaid),
        other => return Err(PaymentError::NotPayable(other)),
    }
    if paid_already {
        return Err(PaymentError::AlreadyPaid);
    }
    if booking.total_cents <= 0 {
        return Err(PaymentError::Invalid(
            "There is nothing to pay for this booking.",
        ));
    }
    // The provider first, in its own transaction, as it would be over the network; its
    // idempotency makes a retry after a crash here answer the same intent.
    let intent = gateway.create_intent(&NewIntent {
        idempotency_key: &format!("boxoffice:{}:{key}", booking.id),
        merchant_reference: &booking.reference,
        description: &format!("{title} · booking {}", booking.reference),
        amount_cents: booking.total_cents,
        currency: &booking.currency,
        method,
        return_url: &crate::mail::templates::absolute(
            base_url,
            &format!("bookings/{}/payment", booking.reference),
        ),
    })?;
    let inserted = db.write(|c| {
        let payment = queries::insert(
            c,
            &NewPayment {
                booking: booking.id,
                external_id: &intent.external_id,
                idempotency_key: key,
                method: method.as_str(),
                amount_cents: intent.amount_cents,
                currency: &intent.currency,
                basket_version: booking.basket_version,
            },
            now,
        )?;
        // A payment accepted before the hold ends must not be lost to webhook lag: the
        // hold runs on for the grace (once), and the sweeper leaves it alone till then.
        if booking.payable_until.is_none() {
            queries::extend_hold(
                c,
                booking.id,
                booking.expires_at,
                booking.expires_at + crate::services::basket::PAYMENT_GRACE,
                now,
            )?;
        }
        Ok::<_, DbError>(payment)
    });
    match inserted {
        Ok(payment) => {
            // Intents opened for an older basket can no longer sell: close them at the
            // gateway so the buyer cannot pay the old price there.
            if let Err(e) = crate::services::basket::cancel_stale_intents(
                db,
                gateway,
                booking.id,
                booking.basket_version,
                booking.total_cents,
                now,
            ) {
                tracing::warn!(booking = %booking.id, error = %e, "could not cancel the basket's stale payments");
            }
            Ok(answer(payment, true))
        }
        // A concurrent request with the same key won the insert: answer its payment.
        Err(DbError::Query(e)) if is_unique_violation(&e) => {
            let payment = db
                .read(|c| queries::by_key(c, booking.id, key).map_err(DbError::Query))?
                .ok_or(PaymentError::NotFound)?;
            if payment.method != method.as_str() {
                Err(PaymentError::KeyReused)
            } else if !booking.is_paid_for_by(&payment) {
                Err(PaymentError::BasketChanged)
            } else {
                Ok(answer(payment, false))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// The booking's newest payment, for its owner (or an admin).
pub fn latest_for(
    conn: &mut DbConnection,
    reference: &str,
    user: UserId,
    is_admin: bool,
) -> Result<Option<Payment>, PaymentError> {
    let head = crate::services::holds::find_for(conn, reference, user, is_admin)?
        .ok_or(PaymentError::NotFound)?;
    Ok(queries::latest(conn, head.id)?)
}

/// After a pending booking was cancelled: cancels its intents still open at the gateway and
/// marks them failed. One the buyer paid just before ends refunded when its webhook arrives.
pub fn cancel_open_intents(
    db: &Db,
    gateway: &Gateway,
    booking: BookingId,
    now: NaiveDateTime,
) -> Result<(), PaymentError> {
    let open = db.read(|c| queries::open_of(c, booking).map_err(DbError::Query))?;
    for payment in open {
        let intent = gateway.cancel(&payment.external_id)?;
        if intent.status == crate::gateway::IntentStatus::Cancelled {
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

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("the body is not a gateway event: {0}")]
    Body(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for WebhookError {
    fn from(e: diesel::result::Error) -> Self {
        WebhookError::Db(DbError::Query(e))
    }
}

/// What a webhook did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Applied now.
    Applied(Outcome),
    /// Its event id was seen before: nothing changed.
    Duplicate,
}

/// What a payment event did to its booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The booking is paid and has its tickets.
    Paid,
    /// The money is being given back (late, cancelled, or paid twice).
    Refunding,
    /// The payment failed or was cancelled; the booking is as it was.
    Failed,
    /// A refund was confirmed.
    RefundConfirmed,
    /// Nothing to do (an unknown payment, or a state already reached).
    Nothing,
}

/// Receives one webhook: checks the signature over the raw body (constant time, with the
/// timestamp tolerance), then records the event id and applies it in one transaction.
pub fn receive(
    db: &Db,
    live: &LiveHub,
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: NaiveDateTime,
) -> Result<Received, WebhookError> {
    signature::verify(
        secret,
        header.ok_or(SignatureError::Malformed)?,
        body,
        now.and_utc().timestamp(),
    )?;
    let event: EventBody =
        serde_json::from_slice(body).map_err(|e| WebhookError::Body(e.to_string()))?;
    let payload = String::from_utf8_lossy(body);
    let (received, released) = db.write(|c| -> Result<(Received, Released), WebhookError> {
        if !queries::record_webhook(c, &event.id, event.kind.as_str(), &payload, now)? {
            return Ok((Received::Duplicate, Released::default()));
        }
        let (outcome, released) = apply(c, &event, now)?;
        Ok((Received::Applied(outcome), released))
    })?;
    live.publish_all(changes_of(released));
    Ok(received)
}

fn apply(
    c: &mut DbConnection,
    event: &EventBody,
    now: NaiveDateTime,
) -> Result<(Outcome, Released), WebhookError> {
    let Some(payment) = queries::by_external_id(c, &event.data.external_id)? else {
        tracing::warn!(event = %event.id, payment = %event.data.external_id, "webhook for an unknown payment");
        return Ok((Outcome::Nothing, Released::default()));
    };
    match event.kind {
        EventKind::PaymentSucceeded => succeeded(c, &payment, now),
        EventKind::PaymentFailed | EventKind::PaymentCancelled => {
            let reason = event.data.failure_reason.as_deref().unwrap_or(
                if event.kind == EventKind::PaymentCancelled {
                    "The payment was cancelled."
                } else {
                    "The payment was declined."
                },
            );
            let moved = queries::transition(
                c,
                payment.id,
                PaymentStatus::Pending,
                PaymentStatus::Failed,
                Some(reason),
                now,
            )?;
            if moved && event.kind == EventKind::PaymentFailed {
                let booking = queries::booking(c, payment.booking_id, true)?
                    .ok_or(DbError::Query(diesel::result::Error::NotFound))?;
                // Only worth telling while the buyer can still pay.
                if booking.status == BookingStatus::Pending && booking.expires_at > now {
                    queue_email(
                        c,
                        EmailKind::PaymentFailed,
                        &format!("payment_failed:{}", payment.id),
                        &booking,
                        Some(reason),
                        now,
                    )?;
                }
            }
            Ok((
                if moved {
                    Outcome::Failed
                } else {
                    Outcome::Nothing
                },
                Released::default(),
            ))
        }
        EventKind::RefundSucceeded => {
            let Some(refund) = &event.data.refund else {
                return Err(WebhookError::Body(
                    "a refund event without its refund".into(),
                ));
            };
            let confirmed = confirm_refund(
                c,
                &payment,
                &refund.idempotency_key,
                &refund.external_id,
                now,
            )?;
            Ok((
                if confirmed {
                    Outcome::RefundConfirmed
                } else {
                    Outcome::Nothing
                },
                Released::default(),
            ))
        }
    }
}

/// The gateway took the money. See the module's notes for every case.
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

/// Why a claim could not take every seat and place (rolls its savepoint back).
#[derive(Debug)]
enum ClaimError {
    Taken,
    Db(DbError),
}

impl From<DbError> for ClaimError {
    fn from(e: DbError) -> Self {
        ClaimError::Db(e)
    }
}

impl From<diesel::result::Error> for ClaimError {
    fn from(e: diesel::result::Error) -> Self {
        ClaimError::Db(DbError::Query(e))
    }
}

/// Sells the booking its seats and places and issues its tickets: the ones it holds, or
/// (after its hold ran out) the same ones again if they are still free. All or nothing: in a
/// savepoint, so a claim that cannot take everything changes nothing. `None` then.
fn claim(
    c: &mut DbConnection,
    booking: &BookingForPayment,
    payment: &Payment,
    now: NaiveDateTime,
) -> Result<Option<Released>, DbError> {
    let result = write_transaction(c, |c| -> Result<Released, ClaimError> {
        let items = queries::items_for_claim(c, booking.id)?;
        let seat_rows: Vec<i64> = items.iter().filter_map(|i| i.event_seat_id).collect();
        let mut released = Released::default();
        if !seat_rows.is_empty() {
            let seats = queries::lock_event_seats(c, &seat_rows)?;
            let mut stale = BTreeSet::new();
            for seat in &seats {
                let ours = seat.booking_id == Some(booking.id);
                if ours && seat.status == crate::domain::venue::SeatStatus::Held {
                    continue;
                }
                if !seat.is_free(now) {
                    return Err(ClaimError::Taken);
                }
                if let Some(other) = seat.booking_id.filter(|b| *b != booking.id) {
                    stale.insert(other);
                }
            }
            if !stale.is_empty() {
                // Someone else's hold on one of these seats ran out: end it, which frees it.
                let stale: Vec<BookingId> = stale.into_iter().collect();
                released.extend(crate::services::holds::expire(c, &stale, now)?);
            }
            if queries::sell_seats(c, &seat_rows, booking.id, now)? != seat_rows.len() {
                return Err(ClaimError::Taken);
            }
            // Sold now: the map's viewers redraw these seats.
            released
                .seats
                .extend(seats.iter().map(|s| (booking.event_id, s.seat_id)));
        }
        for item in &items {
            let Some(section) = item.event_section_id else {
                continue;
            };
            let sold = if item.active {
                queries::sell_held_places(c, section, item.quantity, now)?
            } else {
                queries::sell_free_places(c, section, item.quantity, now)?
            };
            if !sold {
                return Err(ClaimError::Taken);
            }
            released.standing_events.push(booking.event_id);
        }
        queries::reactivate_items(c, booking.id)?;
        if !queries::mark_paid(c, booking.id, payment, now)? {
            return Err(ClaimError::Taken);
        }
        let mut tickets = Vec::new();
        for item in &items {
            let count = if item.event_seat_id.is_some() {
                1
            } else {
                item.quantity
            };
            for _ in 0..count {
                tickets.push(NewTicket {
                    booking: booking.id,
                    item: item.id,
                    event: booking.event_id,
                    event_seat: item.event_seat_id,
                    code: new_ticket_code(),
                });
            }
        }
        queries::insert_tickets(c, &tickets, now)?;
        Ok(released)
    });
    match result {
        Ok(released) => Ok(Some(released)),
        Err(ClaimError::Taken) => Ok(None),
        Err(ClaimError::Db(e)) => Err(e),
    }
}

/// Creates the payment's refund (once), queues the job that asks the gateway for it, and
/// queues the email that tells the buyer why.
pub(crate) fn start_refund(
    c: &mut DbConnection,
    payment: &Payment,
    booking: &BookingForPayment,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let (refund, created) = queries::create_refund(c, payment, reason, now)?;
    if created {
        crate::db::jobs::enqueue(
            c,
            REFUND_JOB,
            &serde_json::json!({ "refund_id": refund }).to_string(),
            Some(&format!("{REFUND_JOB}:{refund}")),
            REFUND_MAX_ATTEMPTS,
            now,
            now,
        )?;
    }
    queue_email(
        c,
        EmailKind::LatePaymentRefunded,
        &format!("late_payment_refunded:{}", payment.id),
        booking,
        Some(reason),
        now,
    )
}

/// Marks a refund succeeded and its payment refunded (both guarded). `true` when it moved.
fn confirm_refund(
    c: &mut DbConnection,
    payment: &Payment,
    idempotency_key: &str,
    external_id: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let Some(id) = queries::refund_id_by_key(c, payment.id, idempotency_key)? else {
        return Ok(false);
    };
    let moved = queries::refund_succeeded(c, id, external_id, now)?;
    queries::transition(
        c,
        payment.id,
        PaymentStatus::Succeeded,
        PaymentStatus::Refunded,
        None,
        now,
    )?;
    Ok(moved)
}

/// The job that asks the gateway for a refund. Idempotent: the gateway answers the same
/// refund for the same key, and confirming it is a guarded update.
pub struct RefundJob {
    gateway: Gateway,
}

impl RefundJob {
    pub fn new(gateway: Gateway) -> Self {
        RefundJob { gateway }
    }
}

#[derive(Deserialize)]
struct RefundPayload {
    refund_id: i64,
}

impl crate::jobs::JobHandler for RefundJob {
    fn run(&self, db: &Db, clock: &Clock, payload: &serde_json::Value) -> Result<(), String> {
        let RefundPayload { refund_id } =
            serde_json::from_value(payload.clone()).map_err(|e| e.to_string())?;
        send_refund(db, &self.gateway, refund_id, clock.now())
    }
}

/// Asks the gateway for a refund the app has recorded, and confirms it (refund `succeeded`,
/// payment `refunded`). Idempotent: a refund already confirmed is left alone, and the gateway
/// answers the same refund for the same key. A refusal is kept on the row and returned.
pub(crate) fn send_refund(
    db: &Db,
    gateway: &Gateway,
    refund_id: i64,
    now: NaiveDateTime,
) -> Result<(), String> {
    let (refund, payment) = db
        .read(|c| -> Result<_, DbError> {
            let refund = queries::refund(c, refund_id)?;
            let payment = match &refund {
                Some(r) => queries::by_id(c, r.payment_id)?,
                None => None,
            };
            Ok((refund, payment))
        })
        .map_err(|e| e.to_string())?;
    let (Some(refund), Some(payment)) = (refund, payment) else {
        return Err(format!("refund {refund_id} or its payment is gone"));
    };
    if refund.status == crate::domain::payment::RefundStatus::Succeeded {
        return Ok(());
    }
    match gateway.refund(
        &payment.external_id,
        refund.amount_cents,
        &refund.idempotency_key,
        &refund.reason,
    ) {
        Ok(done) => db
            .write(|c| confirm_refund(c, &payment, &refund.idempotency_key, &done.external_id, now))
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => {
            let error = format!("the gateway refused refund {refund_id}: {e}");
            let _ = db.write(|c| {
                queries::refund_attempt_failed(c, refund_id, &error, now).map_err(DbError::Query)
            });
            Err(error)
        }
    }
}

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

/// Cancels the buyer's pending booking (seats free at once, see `holds::cancel`), then its
/// open payment intents at the gateway. A failure there is logged, not the buyer's problem:
/// an intent paid after all is refunded when its webhook arrives.
pub fn cancel_booking(
    db: &Db,
    live: &LiveHub,
    gateway: &Gateway,
    user: UserId,
    reference: &str,
    now: NaiveDateTime,
) -> Result<BookingId, crate::services::holds::BookingError> {
    let id = crate::services::holds::cancel(db, live, user, reference, now)?;
    if let Err(e) = cancel_open_intents(db, gateway, id, now) {
        tracing::warn!(booking = %id, error = %e, "could not cancel the booking's open payments");
    }
    Ok(id)
}

/// Queues one of the booking emails with a snapshot of the booking as it is now.
fn queue_email(
    c: &mut DbConnection,
    kind: EmailKind,
    dedupe_key: &str,
    booking: &BookingForPayment,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let (name, email) = queries::buyer(c, booking.user_id)?;
    let payload = booking_email(c, booking.id, name, reason)?;
    crate::services::email::queue(
        c,
        &crate::services::email::Email {
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
                let price = Money::new(i64::from(i.quantity) * i.unit_price_cents, &b.currency);
                format!("{what}{quantity} · {price}")
            })
            .collect(),
        total: Money::new(b.total_cents, &b.currency).to_string(),
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
