//! One hold attempt in one write transaction, in named steps that keep the lock order
//! (db::lock_order): the event, the account's row, the section rows, the basket row, then the
//! seats and places (`super::lines`).

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::holds::{self as queries, Basket, HoldEvent, Released};
use crate::db::lock_order::{self, SectionLocks};
use crate::db::queue::tickets as queue_tickets;
use crate::db::{Db, DbConnection};
use crate::domain::event::{SaleFacts, SaleState};
use crate::domain::ids::{BookingId, EventId, UserId};
use crate::domain::money::Money;

use super::expire::expire;
use super::lines::{
    SeatItems, basket_or_new, gather_places, gather_seats, write_places, write_seats,
};
use super::locks::{Seen, check_locked, sections_to_lock};
use super::request::{Held, HoldError, HoldPolicy, HoldRequest};

/// Whether the event sells now, by its dates and status alone (what is left is the hold's own
/// business: it takes seats or fails).
pub fn sale_state(ev: &queries::HoldEvent, now: NaiveDateTime) -> SaleState {
    SaleState::of(
        &SaleFacts {
            status: ev.status,
            starts_at: ev.starts_at,
            sales_start_at: ev.sales_start_at,
            sales_end_at: ev.sales_end_at,
            capacity: 1,
            available: 1,
        },
        now,
    )
}

/// What every step of one attempt knows.
pub(super) struct Attempt<'a> {
    pub(super) user: UserId,
    pub(super) event: EventId,
    pub(super) request: &'a HoldRequest,
    pub(super) policy: &'a HoldPolicy,
    pub(super) now: NaiveDateTime,
}

/// One attempt, in one write transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "one attempt takes the pool, the hub, the buyer, the event, the request, the policy and the clock"
)]
pub(super) fn hold_once(
    db: &Db,
    user: UserId,
    event: EventId,
    request: &HoldRequest,
    policy: &HoldPolicy,
    now: NaiveDateTime,
    relock: &SectionLocks,
    lock_all: bool,
) -> Result<(Held, Released), HoldError> {
    let at = Attempt {
        user,
        event,
        request,
        policy,
        now,
    };
    // The unlocked test mode reads the seats before the transaction: a real race window.
    let peeked = match request {
        HoldRequest::Seats(ids) if db.unlocked_for_tests() => {
            let seats = db.read(|c| queries::peek_seats(c, event, ids).map_err(HoldError::from))?;
            std::thread::sleep(Duration::from_millis(2));
            Some(seats)
        }
        _ => None,
    };
    db.write(|c| {
        let (ev, verified, gated) = event_on_sale(c, &at)?;
        let (locked, mut seen) = lock_in_order(c, &at, relock, lock_all)?;
        let mut released = Released::default();
        let basket = match seen.basket {
            Some(None) => None,
            read => open_basket(c, &at, &locked, read.flatten(), &mut released)?,
        };
        check_limits(c, &at, &ev, basket.as_ref(), verified)?;
        let items = match request {
            HoldRequest::Seats(ids) => gather_seats(
                c,
                &at,
                ids,
                peeked.clone(),
                basket.as_ref(),
                &locked,
                &mut released,
            )?,
            HoldRequest::Standing { section, quantity } => {
                gather_places(c, &at, *section, *quantity, basket.as_ref())?
            }
            HoldRequest::BestAvailable { .. } => unreachable!("resolved to seats before"),
        };
        // The statements that move seats and places (and with them, through the triggers, the
        // section's counter row, which every hold in that section needs) come last, just
        // before the commit: that row lock is then held as briefly as possible.
        let target = basket_or_new(c, &at, &ev, basket, items.added_cents())?;
        // While the waiting room is on, only a buyer whose turn runs holds, and the hold keeps
        // the turn running until it expires (one statement, locking the ticket's row to the
        // commit).
        if gated && !queue_tickets::keep_turn_for_hold(c, event, user, target.expires_at, now)? {
            return Err(HoldError::NotAdmitted);
        }
        // The basket's lines, read before the statement that takes the section's lock.
        let items = match items {
            SeatItems::Seats(seats) => {
                write_seats(c, &at, &seats, &target, !db.unlocked_for_tests())?
            }
            SeatItems::Places {
                event_section,
                tier,
                price,
                quantity,
            } => {
                let stale = match seen.expired_holders.take() {
                    Some(read) => read,
                    None => queries::expired_holders_of_section(c, event, event_section, now)?,
                };
                if !stale.is_empty() {
                    check_locked(c, &locked, &stale)?;
                    released.extend(expire(c, &stale, now)?);
                }
                let lines = write_places(c, &at, event_section, tier, price, quantity, &target)?;
                released.standing_events.push(event);
                lines
            }
        };
        let total_cents = items
            .iter()
            .map(|i| i64::from(i.quantity) * i.unit_price_cents)
            .sum();
        let held = Held {
            booking: target.booking,
            reference: target.reference,
            event,
            expires_at: target.expires_at,
            total: Money::new(total_cents, ev.currency),
            items,
        };
        Ok((held, released))
    })
}

/// The event, if it sells now, whether the account's email address is verified, and whether
/// the event's waiting room is on (holds then need a running turn). Reads
/// (and locks, db::lock_order) the event row, then the account's row, in one statement: two
/// holds of one account count its tickets one after the other.
fn event_on_sale(c: &mut DbConnection, at: &Attempt) -> Result<(HoldEvent, bool, bool), HoldError> {
    let (ev, verified, gated) = queries::event_and_account_for_hold(c, at.event, at.user)?
        .ok_or(HoldError::EventNotFound)?;
    match sale_state(&ev, at.now) {
        SaleState::OnSale | SaleState::FewLeft => Ok((ev, verified, gated)),
        SaleState::Draft => Err(HoldError::EventNotFound),
        other => Err(HoldError::NotOnSale(other)),
    }
}

/// Locks the sections' rows (after the event's and the account's, [`event_on_sale`]); answers
/// the sections locked and what was read on the way ([`sections_to_lock`]).
fn lock_in_order(
    c: &mut DbConnection,
    at: &Attempt,
    relock: &SectionLocks,
    lock_all: bool,
) -> Result<(SectionLocks, Seen), HoldError> {
    // The section rows first, in id order, before any seat or booking (db::lock_order).
    let (mut locked, seen) = if lock_all {
        (
            lock_order::sections_of_events(c, &[at.event])?,
            Seen::default(),
        )
    } else {
        sections_to_lock(c, at.user, at.event, at.request, at.now)?
    };
    locked.extend(relock.iter().copied());
    lock_order::lock_sections(c, &locked)?;
    Ok((locked, seen))
}

/// The buyer's basket for the event, its row locked; `None` when there is none (or it ran out
/// and was ended here, its seats added to `released`). `seen`: the basket whose sections were
/// read (and locked) under the account's row lock, which need no second look.
fn open_basket(
    c: &mut DbConnection,
    at: &Attempt,
    locked: &SectionLocks,
    seen: Option<BookingId>,
    released: &mut Released,
) -> Result<Option<Basket>, HoldError> {
    // The basket row next: locked, so nothing ends it while this hold adds to it (an
    // end meanwhile would leave the new lines live in an ended booking).
    let mut basket = queries::lock_pending_booking(c, at.user, at.event)?;
    if let Some(b) = &basket
        && seen != Some(b.id)
    {
        check_locked(c, locked, &[b.id])?;
    }
    // A basket whose hold ran out is over: expire it (and free its seats) first.
    if let Some(b) = &basket
        && b.expires_at <= at.now
    {
        released.extend(expire(c, &[b.id], at.now)?);
        basket = None;
    }
    // A basket kept alive only by a payment's grace is being paid for: it takes no more.
    if let Some(b) = &basket
        && b.payable_until.is_some_and(|until| until <= at.now)
    {
        return Err(HoldError::PaymentPending);
    }
    Ok(basket)
}

/// The event's caps per order and per account, and the unverified accounts' limit.
fn check_limits(
    c: &mut DbConnection,
    at: &Attempt,
    ev: &HoldEvent,
    basket: Option<&Basket>,
    verified: bool,
) -> Result<(), HoldError> {
    let already = match basket {
        Some(b) => queries::quantity_held(c, b.id)?,
        None => 0,
    };
    let wanted = match at.request {
        HoldRequest::Seats(ids) => ids.len() as i64,
        HoldRequest::Standing { quantity, .. } => i64::from(*quantity),
        HoldRequest::BestAvailable { .. } => unreachable!("resolved to seats before"),
    };
    if already + wanted > i64::from(ev.max_tickets_per_order) {
        return Err(HoldError::TooMany {
            max: ev.max_tickets_per_order,
            already,
        });
    }
    // What one account may have (issue 16), counted under the account's row lock.
    if let Some(max) = ev.max_tickets_per_account {
        let had = queries::tickets_for_event(c, at.user, at.event, at.now)?;
        if had + wanted > i64::from(max) {
            return Err(HoldError::AccountLimit { max, already: had });
        }
    }
    if let Some(max) = at.policy.unverified_limit
        && !verified
    {
        let holding = queries::tickets_held_by(c, at.user, at.now)?;
        if holding + wanted > i64::from(max) {
            return Err(HoldError::Unverified {
                max,
                already: holding,
            });
        }
    }
    Ok(())
}

impl Attempt<'_> {
    /// When the re-hold cooldown looks back to (`None`: no cooldown).
    pub(super) fn cooling_since(&self) -> Option<NaiveDateTime> {
        (self.policy.rehold_cooldown > TimeDelta::zero())
            .then(|| self.now - self.policy.rehold_cooldown)
    }

    /// The refusal for what was given back at `given_back`.
    pub(super) fn cooling_down(&self, given_back: NaiveDateTime) -> HoldError {
        HoldError::CoolingDown {
            retry_after: (given_back + self.policy.rehold_cooldown - self.now)
                .num_seconds()
                .max(1),
        }
    }
}
