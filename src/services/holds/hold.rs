//! Holding seats and places: the retry loop around one attempt, best-available's choice, and
//! telling the viewers.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::holds::{self as queries, Released, SeatLock};
use crate::db::lock_order::SectionLocks;
use crate::db::{Db, DbError, is_unique_violation};
use crate::domain::booking::{Candidate, best_available};
use crate::domain::ids::{BookingId, EventId, EventSeatId, SeatId, TierId, UserId};
use crate::services::live::{Change, LiveHub};

use super::attempt::hold_once;
use super::expire::changes_of;
use super::locks::is_retryable;
use super::request::{Held, HoldError, HoldPolicy, HoldRequest, validate};

/// A new booking reference: 10 characters of Crockford's base 32 (no I, L, O, U).
pub(super) fn new_reference() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Holds seats or places for `user`, all or nothing, adding them to their basket for the event
/// (opened now if they have none), under the event's own caps only ([`HoldPolicy::unlimited`]).
pub fn hold(
    db: &Db,
    live: &LiveHub,
    user: UserId,
    event: EventId,
    request: &HoldRequest,
    hold_for: TimeDelta,
    now: NaiveDateTime,
) -> Result<Held, HoldError> {
    hold_with(
        db,
        live,
        user,
        event,
        request,
        &HoldPolicy::unlimited(hold_for),
        now,
    )
}

/// Holds seats or places for `user`, all or nothing, adding them to their basket for the event
/// (opened now if they have none), within `policy`'s per-account limits. Publishes the change
/// to the event's viewers.
/// Counted in the metrics by outcome (made, or why not) for the page and the API alike.
#[tracing::instrument(name = "holds.hold", skip_all, fields(event.id = %event, user.id = %user))]
pub fn hold_with(
    db: &Db,
    live: &LiveHub,
    user: UserId,
    event: EventId,
    request: &HoldRequest,
    policy: &HoldPolicy,
    now: NaiveDateTime,
) -> Result<Held, HoldError> {
    let held = hold_retrying(db, live, user, event, request, policy, now);
    db.metrics().hold(super::request::outcome(&held));
    held
}

/// [`hold_with`]'s work: one attempt, again while it may succeed.
fn hold_retrying(
    db: &Db,
    live: &LiveHub,
    user: UserId,
    event: EventId,
    request: &HoldRequest,
    policy: &HoldPolicy,
    now: NaiveDateTime,
) -> Result<Held, HoldError> {
    validate(request)?;
    // Best-available looks first without locks, then holds exactly what it chose like any
    // other request; if someone took one of those seats meanwhile, it looks again.
    let mut attempts = 0;
    // Sections found to need a lock on an earlier attempt; after two such attempts, all of the
    // event's (a superset of anything the hold can touch).
    let mut relock = SectionLocks::new();
    let mut relocks = 0;
    loop {
        attempts += 1;
        let concrete = match request {
            HoldRequest::BestAvailable { quantity, tier } => {
                HoldRequest::Seats(choose_best(db, user, event, *quantity, *tier, policy, now)?)
            }
            other => other.clone(),
        };
        let lock_all = relocks >= 2;
        match hold_once(db, user, event, &concrete, policy, now, &relock, lock_all) {
            Ok((held, released)) => {
                publish(live, event, &concrete, held.booking, released);
                return Ok(held);
            }
            Err(HoldError::Unavailable { .. })
                if matches!(request, HoldRequest::BestAvailable { .. }) && attempts < 5 => {}
            // A concurrent first hold of the same buyer opened the basket: use it.
            Err(HoldError::Db(DbError::Query(e))) if is_unique_violation(&e) && attempts < 3 => {}
            // PostgreSQL broke a rare lock cycle (expired holds being taken over): try again.
            Err(HoldError::Db(DbError::Query(e))) if is_retryable(&e) && attempts < 3 => {
                std::thread::sleep(Duration::from_millis(5 * attempts));
            }
            Err(HoldError::Relock(more)) => {
                relock.extend(more);
                relocks += 1;
                attempts -= 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The best free seats together for `user`: seats they gave back within the re-hold cooldown
/// are not theirs to choose (the hold would refuse them).
pub(super) fn choose_best(
    db: &Db,
    user: UserId,
    event: EventId,
    quantity: i32,
    tier: Option<TierId>,
    policy: &HoldPolicy,
    now: NaiveDateTime,
) -> Result<Vec<SeatId>, HoldError> {
    let (places, cooling) = db.read(|c| {
        let places = queries::seat_places(c, event, tier)?;
        let cooling: BTreeSet<SeatId> = if policy.rehold_cooldown > TimeDelta::zero() {
            queries::seats_given_back_by(c, user, event, now - policy.rehold_cooldown)?
                .into_iter()
                .collect()
        } else {
            BTreeSet::new()
        };
        Ok::<_, HoldError>((places, cooling))
    })?;
    let candidates: Vec<Candidate> = places
        .iter()
        .map(|p| Candidate {
            seat_id: p.seat_id.0,
            section_rank: p.section_position,
            section_id: p.section_id.0,
            row_index: p.row_index,
            number: p.number,
            free: SeatLock {
                id: EventSeatId(0),
                seat_id: p.seat_id,
                section_id: p.section_id,
                status: p.status,
                booking_id: None,
                held_until: p.held_until,
            }
            .is_free(now)
                && !cooling.contains(&p.seat_id),
        })
        .collect();
    let wanted = usize::try_from(quantity).unwrap_or(0);
    match best_available(&candidates, wanted) {
        Some(ids) => Ok(ids.into_iter().map(SeatId).collect()),
        None => Err(HoldError::NotEnough {
            available: candidates.iter().filter(|c| c.free).count() as i64,
        }),
    }
}

pub(super) fn publish(
    live: &LiveHub,
    event: EventId,
    request: &HoldRequest,
    basket: BookingId,
    released: Released,
) {
    let mut changes = changes_of(released);
    changes.push(
        match request {
            HoldRequest::Seats(ids) => Change::seats(event, ids.clone()),
            _ => Change::standing(event),
        }
        .of([basket]),
    );
    live.publish_all(changes);
}
