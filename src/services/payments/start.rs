//! Starting a payment for a booking: one payment at its provider per idempotency key.

use chrono::NaiveDateTime;

use crate::db::holds::{self as hold_queries};
use crate::db::payments::{self as queries, NewPayment, Payment};
use crate::db::{Db, DbConnection, DbError, is_unique_violation};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, UserId};
use crate::providers::{Method, OpenPayment, ProviderError, ProviderId, Providers};

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
    Provider(ProviderError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for PaymentError {
    fn from(e: diesel::result::Error) -> Self {
        PaymentError::Db(DbError::Query(e))
    }
}

impl From<ProviderError> for PaymentError {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::KeyReused => PaymentError::KeyReused,
            ProviderError::Db(e) => PaymentError::Db(e),
            other => PaymentError::Provider(other),
        }
    }
}

/// What the buyer asked to pay with: a method, at a provider (the event's first when none).
#[derive(Debug, Clone, Copy)]
pub struct PayWith<'a> {
    pub reference: &'a str,
    pub method: Method,
    pub provider: Option<ProviderId>,
    /// The caller's idempotency key.
    pub key: &'a str,
}

impl<'a> PayWith<'a> {
    pub fn new(
        reference: &'a str,
        method: Method,
        provider: Option<ProviderId>,
        key: &'a str,
    ) -> Self {
        PayWith {
            reference,
            method,
            provider,
            key,
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

/// Where the buyer pays a payment: its provider's page.
pub fn checkout_url(providers: &Providers, base_url: &url::Url, payment: &Payment) -> String {
    match providers.get(payment.provider) {
        Ok(provider) => provider.pay_url(base_url, &crate::providers::Opened::of(payment)),
        // A provider no longer configured: the buyer's bookings say where it stands.
        Err(_) => crate::mail::templates::absolute(base_url, "account/bookings"),
    }
}

/// Checks an idempotency key: 1 to 255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Starts (or, for a key already used, answers) a payment of the buyer's pending booking.
#[tracing::instrument(name = "payments.start", skip_all, fields(user.id = %user, booking.reference = with.reference, payment.method = with.method.as_str()))]
pub fn start(
    db: &Db,
    providers: &Providers,
    base_url: &url::Url,
    user: UserId,
    with: PayWith<'_>,
    now: NaiveDateTime,
) -> Result<Started, PaymentError> {
    let PayWith {
        reference,
        method,
        provider,
        key,
    } = with;
    if !valid_key(key) {
        return Err(PaymentError::Invalid(
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        ));
    }
    let (booking, title, existing, paid_already, offered) =
        db.read(|c| -> Result<_, PaymentError> {
            let head = hold_queries::find_by_reference(c, reference)?
                .filter(|b| b.user_id == user)
                .ok_or(PaymentError::NotFound)?;
            let booking = queries::booking(c, head.id, false)?.ok_or(PaymentError::NotFound)?;
            let title = crate::db::catalogue::event_title(c, booking.event_id)?;
            let existing = queries::by_key(c, booking.id, key)?;
            let paid_already = queries::has_success(c, booking.id)?;
            let offered = crate::db::providers::offered(c, booking.event_id)?;
            Ok((booking, title, existing, paid_already, offered))
        })?;
    let answer = |payment: Payment, created: bool| Started {
        checkout_url: checkout_url(providers, base_url, &payment),
        payment,
        created,
    };
    let provider = match provider {
        Some(asked) if offered.contains(&asked) => asked,
        Some(_) => {
            return Err(PaymentError::Invalid(
                "This event does not take payments through that provider.",
            ));
        }
        None => offered.first().copied().unwrap_or(ProviderId::SimPay),
    };
    if let Some(payment) = existing {
        return if payment.method != method.as_str() || payment.provider != provider {
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
    if booking.total.cents <= 0 {
        return Err(PaymentError::Invalid(
            "There is nothing to pay for this booking.",
        ));
    }
    let at = providers.get(provider)?;
    if !at.methods().contains(&method) {
        return Err(PaymentError::Invalid(
            "That provider does not take this way of paying.",
        ));
    }
    // The provider first, in its own transaction, as it would be over the network; its
    // idempotency makes a retry after a crash here answer the same payment.
    let intent = at.open(&OpenPayment {
        idempotency_key: &format!("boxoffice:{}:{key}", booking.id),
        merchant_reference: &booking.reference,
        description: &format!("{title} · booking {}", booking.reference),
        amount: booking.total,
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
                provider,
                external_id: &intent.external_id,
                idempotency_key: key,
                method: method.as_str(),
                amount: intent.amount,
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
                providers,
                booking.id,
                booking.basket_version,
                booking.total.cents,
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
            if payment.method != method.as_str() || payment.provider != provider {
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

/// The newest payment of a booking the caller may already see.
pub fn latest(conn: &mut DbConnection, booking: BookingId) -> Result<Option<Payment>, DbError> {
    Ok(queries::latest(conn, booking)?)
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
