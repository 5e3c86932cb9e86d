//! The steps of a hold that take seats and places: checking what was asked for, opening the
//! basket if there is none, and writing the lines (the section's counter row is locked last).

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::bookings::ItemRow;
use crate::db::holds::{
    self as queries, Basket, HoldEvent, NewBooking, NewItem, Released, SeatLock,
};
use crate::db::lock_order::SectionLocks;
use crate::domain::ids::{BookingId, EventSeatId, EventSectionId, SeatId, SectionId, TierId};

use super::attempt::Attempt;
use super::expire::expire;
use super::hold::new_reference;
use super::locks::check_locked;
use super::request::{HoldError, invalid};

/// What a hold will add to the basket, checked and locked.
pub(super) enum SeatItems {
    /// Each seat with its tier and price.
    Seats(Vec<(SeatLock, TierId, i64)>),
    Places {
        event_section: EventSectionId,
        tier: TierId,
        price: i64,
        quantity: i32,
    },
}

impl SeatItems {
    /// What the new lines add to the basket's total.
    pub(super) fn added_cents(&self) -> i64 {
        match self {
            SeatItems::Seats(seats) => seats.iter().map(|(_, _, price)| price).sum(),
            SeatItems::Places {
                price, quantity, ..
            } => i64::from(*quantity) * price,
        }
    }
}

/// Locks the seats asked for (or takes those the unlocked test mode peeked at), refuses taken
/// or cooling-down ones, and ends the run-out holds on them.
pub(super) fn gather_seats(
    c: &mut DbConnection,
    at: &Attempt,
    ids: &[SeatId],
    peeked: Option<Vec<SeatLock>>,
    basket: Option<&Basket>,
    locked: &SectionLocks,
    released: &mut Released,
) -> Result<SeatItems, HoldError> {
    let now = at.now;
    let seats = match peeked {
        Some(seats) => seats,
        None => queries::lock_seats(c, at.event, ids)?,
    };
    if seats.len() != ids.len() {
        return Err(invalid(
            "seat_ids",
            "Some of these seats are not part of this event.",
        ));
    }
    let taken: Vec<SeatId> = seats
        .iter()
        .filter(|s| !s.is_free(now))
        .map(|s| s.seat_id)
        .collect();
    if !taken.is_empty() {
        return Err(HoldError::Unavailable { seat_ids: taken });
    }
    // Seats this account gave back moments ago (the cancel-and-hold-again loop).
    if let Some(since) = at.cooling_since() {
        let rows: Vec<EventSeatId> = seats.iter().map(|s| s.id).collect();
        if let Some(given_back) = queries::seats_given_back_since(
            c,
            at.user,
            at.event,
            basket.map(|b| b.id),
            &rows,
            since,
        )? {
            return Err(at.cooling_down(given_back));
        }
    }
    // Seats under a hold that ran out: end those bookings first, which frees them.
    let stale: BTreeSet<BookingId> = seats
        .iter()
        .filter(|s| s.booking_id.is_some())
        .filter_map(|s| s.booking_id)
        .collect();
    if !stale.is_empty() {
        let stale: Vec<BookingId> = stale.into_iter().collect();
        check_locked(c, locked, &stale)?;
        released.extend(expire(c, &stale, now)?);
    }
    let prices: HashMap<SectionId, (TierId, i64)> = queries::section_prices(c, at.event)?
        .into_iter()
        .map(|p| (p.section_id, (p.tier_id, p.price_cents)))
        .collect();
    let priced = seats
        .into_iter()
        .map(|s| {
            let (tier, price) = prices
                .get(&s.section_id)
                .copied()
                .ok_or_else(|| invalid("seat_ids", "That seat is not on sale."))?;
            Ok((s, tier, price))
        })
        .collect::<Result<Vec<_>, HoldError>>()?;
    Ok(SeatItems::Seats(priced))
}

/// Checks a standing request: the area is the event's, and the account did not give as many
/// places back there moments ago.
pub(super) fn gather_places(
    c: &mut DbConnection,
    at: &Attempt,
    section: SectionId,
    quantity: i32,
    basket: Option<&Basket>,
) -> Result<SeatItems, HoldError> {
    let (event_section, tier, price) = queries::standing_section(c, at.event, section)?
        .ok_or_else(|| invalid("section_id", "That is not a standing area of this event."))?;
    // Places in a standing area this account gave back moments ago: it may hold
    // fewer than the fewest it gave back there (with what it still holds there),
    // never as many again, until the cooldown has passed.
    if let Some(since) = at.cooling_since()
        && let Some((fewest, given_back)) = queries::places_given_back_since(
            c,
            at.user,
            at.event,
            basket.map(|b| b.id),
            event_section,
            since,
        )?
    {
        let holding = match basket {
            Some(b) => queries::places_held_in_section(c, b.id, event_section)?,
            None => 0,
        };
        if holding + i64::from(quantity) >= i64::from(fewest) {
            return Err(at.cooling_down(given_back));
        }
    }
    Ok(SeatItems::Places {
        event_section,
        tier,
        price,
        quantity,
    })
}

/// The basket a hold adds to: the one there is, or one opened now.
pub(super) struct Target {
    pub(super) booking: BookingId,
    pub(super) reference: String,
    pub(super) expires_at: NaiveDateTime,
    /// Opened by this hold, its total already counting the new lines.
    pub(super) opened: bool,
}

/// The basket's id, reference and expiry: the one there is, or a new one opened now with
/// `added` as its total (one statement instead of an insert and an update).
pub(super) fn basket_or_new(
    c: &mut DbConnection,
    at: &Attempt,
    ev: &HoldEvent,
    basket: Option<Basket>,
    added: i64,
) -> Result<Target, HoldError> {
    Ok(match basket {
        Some(Basket {
            id,
            reference,
            expires_at,
            ..
        }) => Target {
            booking: id,
            reference,
            expires_at,
            opened: false,
        },
        None => {
            let hold_for = at.policy.hold_for;
            let reference = new_reference();
            let id = queries::insert_booking(
                c,
                &NewBooking {
                    reference: &reference,
                    user: at.user,
                    event: at.event,
                    currency: ev.currency,
                    total_cents: added,
                    expires_at: at.now + hold_for,
                    now: at.now,
                },
            )?;
            Target {
                booking: id,
                reference,
                expires_at: at.now + hold_for,
                opened: true,
            }
        }
    })
}

/// Adds the seats to the basket and takes them; answers the basket's lines, read before the
/// statement that takes the section's lock.
pub(super) fn write_seats(
    c: &mut DbConnection,
    at: &Attempt,
    seats: &[(SeatLock, TierId, i64)],
    target: &Target,
    guarded: bool,
) -> Result<Vec<ItemRow>, HoldError> {
    let (event, now, booking) = (at.event, at.now, target.booking);
    let new_items: Vec<NewItem> = seats
        .iter()
        .map(|(s, tier, price)| NewItem {
            booking,
            event,
            event_seat_id: Some(s.id),
            event_section_id: None,
            tier: *tier,
            quantity: 1,
            unit_price_cents: *price,
        })
        .collect();
    queries::insert_items(c, &new_items)?;
    if !target.opened {
        let added = new_items.iter().map(|i| i.unit_price_cents).sum();
        queries::add_to_total(c, booking, added, now)?;
    }
    let lines = crate::db::bookings::items_of(c, &[booking])?;
    let ids: Vec<EventSeatId> = seats.iter().map(|(s, _, _)| s.id).collect();
    let changed = queries::take_seats(c, &ids, booking, target.expires_at, now, guarded)?;
    if changed != ids.len() {
        // The guard caught what the locks should have: refuse, change nothing.
        return Err(HoldError::Unavailable {
            seat_ids: seats.iter().map(|(s, _, _)| s.seat_id).collect(),
        });
    }
    Ok(lines)
}

/// Adds the standing places to the basket and takes them; answers the basket's lines, read
/// before the statement that takes the section's lock.
pub(super) fn write_places(
    c: &mut DbConnection,
    at: &Attempt,
    event_section: EventSectionId,
    tier: TierId,
    price: i64,
    quantity: i32,
    target: &Target,
) -> Result<Vec<ItemRow>, HoldError> {
    let booking = target.booking;
    queries::insert_items(
        c,
        &[NewItem {
            booking,
            event: at.event,
            event_seat_id: None,
            event_section_id: Some(event_section),
            tier,
            quantity,
            unit_price_cents: price,
        }],
    )?;
    if !target.opened {
        queries::add_to_total(c, booking, i64::from(quantity) * price, at.now)?;
    }
    let lines = crate::db::bookings::items_of(c, &[booking])?;
    if !queries::take_places(c, event_section, quantity, at.now)? {
        let available = queries::places_left(c, event_section)?;
        return Err(HoldError::NotEnough { available });
    }
    Ok(lines)
}
