//! What a buyer asks to hold, the answers and refusals, and the per-account policy.

use std::collections::BTreeSet;

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::DbError;
use crate::db::lock_order::SectionLocks;
use crate::domain::catalogue::FieldErrors;
use crate::domain::event::SaleState;
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId, TierId};
use crate::domain::money::Money;
use crate::metrics::labels::Hold;

/// The most seats one request may name (the event's per-order maximum is usually lower).
pub const MAX_SEATS_PER_REQUEST: usize = 50;

/// What the buyer asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldRequest {
    Seats(Vec<SeatId>),
    Standing { section: SectionId, quantity: i32 },
    BestAvailable { quantity: i32, tier: Option<TierId> },
}

#[derive(Debug, thiserror::Error)]
pub enum HoldError {
    #[error("no such event")]
    EventNotFound,
    #[error("the event is not on sale ({0:?})")]
    NotOnSale(SaleState),
    #[error("invalid request")]
    Invalid(FieldErrors),
    #[error("at most {max} tickets per order")]
    TooMany { max: i32, already: i64 },
    /// Some requested seats are taken; nothing was held.
    #[error("some seats are taken")]
    Unavailable { seat_ids: Vec<SeatId> },
    /// Not that many places or adjacent seats are free.
    #[error("only {available} left")]
    NotEnough { available: i64 },
    /// The account's email address is not verified, and it holds as many tickets as such an
    /// account may (across all events) or would with these.
    #[error("unverified accounts may hold at most {max} tickets")]
    Unverified { max: u32, already: i64 },
    /// The box office caps one account's tickets for this event (held and bought).
    #[error("at most {max} tickets per account for this event")]
    AccountLimit { max: i32, already: i64 },
    /// The account gave these seats (or this standing area's places) back moments ago; it may
    /// hold them again in `retry_after` seconds (anyone else may at once).
    #[error("given back moments ago; again in {retry_after} s")]
    CoolingDown { retry_after: i64 },
    /// The basket's hold ran out and it lives on only while a payment is confirmed: it takes
    /// no new holds.
    #[error("the time to pay has ended; a payment is being confirmed")]
    PaymentPending,
    /// The event's waiting room is on and this account has no running turn (never admitted,
    /// or its turn ended): it must queue first (WAITING_ROOM.md §3.9).
    #[error("the sale has a waiting room: queue first")]
    NotAdmitted,
    #[error(transparent)]
    Db(#[from] DbError),
    /// Internal: the hold found run-out baskets in sections it had not locked first; it runs
    /// again with those locked too (db::lock_order). Never answered: `hold` retries it.
    #[doc(hidden)]
    #[error("the hold must lock more sections first")]
    Relock(SectionLocks),
}

impl From<diesel::result::Error> for HoldError {
    fn from(e: diesel::result::Error) -> Self {
        HoldError::Db(DbError::Query(e))
    }
}

pub(super) fn invalid(field: &'static str, message: &str) -> HoldError {
    HoldError::Invalid([(field, message.to_owned())].into_iter().collect())
}

/// The booking a hold went into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub booking: BookingId,
    pub reference: String,
    pub event: EventId,
    pub expires_at: NaiveDateTime,
    pub total: Money,
    /// Every line of the basket now, read in the hold's own transaction (so the answer needs
    /// no second trip to the database).
    pub items: Vec<crate::db::bookings::ItemRow>,
}

/// How long holds last and what one account may hold (issue 16, denial of inventory). The
/// event's own caps (per order, per account) always apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldPolicy {
    pub hold_for: TimeDelta,
    /// Tickets an account with an unverified email address may hold at once, across events.
    pub unverified_limit: Option<u32>,
    /// How long an account waits before holding again what it gave back (zero: not at all).
    pub rehold_cooldown: TimeDelta,
}

impl HoldPolicy {
    /// No per-account limits beyond the event's own (tools, load tests).
    pub fn unlimited(hold_for: TimeDelta) -> Self {
        HoldPolicy {
            hold_for,
            unverified_limit: None,
            rehold_cooldown: TimeDelta::zero(),
        }
    }

    /// As the settings say (`BOXOFFICE_HOLD_SECONDS`, `BOXOFFICE_UNVERIFIED_HOLD_LIMIT`,
    /// `BOXOFFICE_REHOLD_COOLDOWN_SECONDS`).
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        HoldPolicy {
            hold_for: TimeDelta::seconds(i64::from(settings.hold_seconds)),
            unverified_limit: Some(settings.unverified_hold_limit).filter(|n| *n > 0),
            rehold_cooldown: TimeDelta::seconds(i64::from(settings.rehold_cooldown_seconds)),
        }
    }
}

/// What the sweeper keeps of given-back seats: longer than any cooldown the settings allow.
pub const RELEASES_KEPT: TimeDelta = TimeDelta::days(1);

pub(super) fn validate(request: &HoldRequest) -> Result<(), HoldError> {
    match request {
        HoldRequest::Seats(ids) if ids.is_empty() => {
            Err(invalid("seat_ids", "Choose at least one seat."))
        }
        HoldRequest::Seats(ids) if ids.len() > MAX_SEATS_PER_REQUEST => Err(invalid(
            "seat_ids",
            &format!("Choose at most {MAX_SEATS_PER_REQUEST} seats at once."),
        )),
        HoldRequest::Seats(ids) => {
            let unique: BTreeSet<_> = ids.iter().collect();
            if unique.len() == ids.len() {
                Ok(())
            } else {
                Err(invalid("seat_ids", "A seat is listed twice."))
            }
        }
        HoldRequest::Standing { quantity, .. } | HoldRequest::BestAvailable { quantity, .. }
            if *quantity < 1 || *quantity > 50 =>
        {
            Err(invalid("quantity", "Ask for 1 to 50 tickets."))
        }
        _ => Ok(()),
    }
}

/// The metrics' name for what a hold came to (`boxoffice_holds_total{outcome}`).
pub(super) fn outcome(held: &Result<Held, HoldError>) -> Hold {
    use HoldError::*;
    match held {
        Ok(_) => Hold::Made,
        Err(Unavailable { .. } | NotEnough { .. }) => Hold::Taken,
        Err(TooMany { .. } | AccountLimit { .. } | Unverified { .. }) => Hold::Limit,
        Err(NotOnSale(_) | EventNotFound | PaymentPending) => Hold::NotOnSale,
        Err(NotAdmitted) => Hold::Queue,
        Err(CoolingDown { .. }) => Hold::CoolingDown,
        Err(Invalid(_)) => Hold::Invalid,
        Err(Db(DbError::Query(e))) if is_lock_wait(e) => Hold::LockTimeout,
        Err(Db(_) | Relock(_)) => Hold::Error,
    }
}

/// A lock wait that ran out: PostgreSQL's `lock_timeout` (or a deadlock it broke) after the
/// hold's retries, SQLite's busy timeout.
fn is_lock_wait(e: &diesel::result::Error) -> bool {
    super::locks::is_retryable(e)
        || matches!(e, diesel::result::Error::DatabaseError(_, info) if info.message().contains("database is locked"))
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error};

    use super::*;

    fn refused(e: HoldError) -> Hold {
        outcome(&Err(e))
    }

    fn database(kind: DatabaseErrorKind, message: &str) -> HoldError {
        HoldError::Db(DbError::Query(Error::DatabaseError(
            kind,
            Box::new(message.to_owned()),
        )))
    }

    #[test]
    fn refusals_are_counted_under_their_reason() {
        assert_eq!(
            refused(HoldError::Unavailable { seat_ids: vec![] }),
            Hold::Taken
        );
        assert_eq!(refused(HoldError::NotEnough { available: 0 }), Hold::Taken);
        assert_eq!(
            refused(HoldError::TooMany { max: 6, already: 6 }),
            Hold::Limit
        );
        assert_eq!(
            refused(HoldError::AccountLimit { max: 4, already: 4 }),
            Hold::Limit
        );
        assert_eq!(
            refused(HoldError::Unverified { max: 4, already: 4 }),
            Hold::Limit
        );
        assert_eq!(
            refused(HoldError::NotOnSale(SaleState::SalesEnded)),
            Hold::NotOnSale
        );
        assert_eq!(refused(HoldError::NotAdmitted), Hold::Queue);
        assert_eq!(
            refused(HoldError::CoolingDown { retry_after: 30 }),
            Hold::CoolingDown
        );
    }

    #[test]
    fn a_lock_wait_that_ran_out_is_a_lock_timeout_and_other_failures_are_errors() {
        let pg = database(
            DatabaseErrorKind::Unknown,
            "canceling statement due to lock timeout",
        );
        assert_eq!(refused(pg), Hold::LockTimeout);
        let sqlite = database(DatabaseErrorKind::Unknown, "database is locked");
        assert_eq!(refused(sqlite), Hold::LockTimeout);
        let other = database(DatabaseErrorKind::CheckViolation, "check failed");
        assert_eq!(refused(other), Hold::Error);
        assert_eq!(refused(HoldError::Db(DbError::Down)), Hold::Error);
    }
}
