//! Holding seats and standing places: the booking core. A buyer's held seats for an event are
//! one pending booking (their basket) with one expiry that starts at the first hold. Every hold
//! is all or nothing. See `db::holds` for how the database keeps it correct under a stampede.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::holds::{self as queries, Basket, NewBooking, NewItem, Released, SeatLock};
use crate::db::lock_order::{self, SectionLocks};
use crate::db::{Db, DbConnection, DbError, is_unique_violation};
use crate::domain::booking::{BookingStatus, Candidate, best_available};
use crate::domain::catalogue::FieldErrors;
use crate::domain::event::{SaleFacts, SaleState};
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId, TierId, UserId};
use crate::live::{Change, LiveHub};

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

fn invalid(field: &'static str, message: &str) -> HoldError {
    HoldError::Invalid([(field, message.to_owned())].into_iter().collect())
}

/// The booking a hold went into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub booking: BookingId,
    pub reference: String,
    pub event: EventId,
    pub expires_at: NaiveDateTime,
    pub total_cents: i64,
    pub currency: String,
    /// Every line of the basket now, read in the hold's own transaction (so the answer needs
    /// no second trip to the database).
    pub items: Vec<crate::db::bookings::ItemRow>,
}

/// A new booking reference: 10 characters of Crockford's base 32 (no I, L, O, U).
fn new_reference() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
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
pub fn hold_with(
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
                publish(live, event, &concrete, released);
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

/// Runs a basket's write again when PostgreSQL broke a lock cycle or a lock wait timed out
/// (a cancel meeting a hold that is taking over the same run-out basket's seats), at most three
/// times in all; anything else is answered at once.
fn retry_lock_conflicts<T>(
    mut f: impl FnMut() -> Result<T, BookingError>,
) -> Result<T, BookingError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match f() {
            Err(BookingError::Db(DbError::Query(e))) if is_retryable(&e) && attempts < 3 => {
                std::thread::sleep(Duration::from_millis(5 * attempts));
            }
            other => return other,
        }
    }
}

fn is_retryable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("deadlock detected") || m.contains("lock timeout")
        }
        _ => false,
    }
}

fn validate(request: &HoldRequest) -> Result<(), HoldError> {
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

/// The best free seats together for `user`: seats they gave back within the re-hold cooldown
/// are not theirs to choose (the hold would refuse them).
fn choose_best(
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
                id: 0,
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

/// The section rows a hold locks first (db::lock_order): those of the seats or standing area
/// it asks for, of the buyer's own basket if it ran out, and of run-out baskets holding the
/// requested seats or places (it will end them on the way). PostgreSQL only (empty on SQLite).
fn sections_to_lock(
    c: &mut DbConnection,
    user: UserId,
    event: EventId,
    request: &HoldRequest,
    now: NaiveDateTime,
) -> Result<SectionLocks, HoldError> {
    if c.backend() != crate::db::Backend::Postgres {
        return Ok(SectionLocks::new());
    }
    let mut stale = Vec::new();
    let mut sections = match request {
        HoldRequest::Seats(ids) => {
            stale = lock_order::stale_holders_of_seats(c, event, ids, now)?;
            lock_order::sections_of_seats(c, event, ids)?
        }
        HoldRequest::Standing { section, .. } => {
            let sections = lock_order::section_of(c, event, *section)?;
            for &s in &sections {
                stale.extend(queries::expired_holders_of_section(c, s, now)?);
            }
            sections
        }
        HoldRequest::BestAvailable { .. } => SectionLocks::new(),
    };
    // The buyer's own basket: ended here if it ran out, added to if not. Either way its
    // sections are locked, so a sweep or another buyer's hold ending it waits for this one.
    if let Some(b) = queries::pending_booking(c, user, event)? {
        stale.push(b.id);
    }
    sections.extend(lock_order::sections_of_bookings(c, &stale)?);
    Ok(sections)
}

/// Refuses to end run-out baskets in sections this hold did not lock first: it runs again
/// with them locked ([`HoldError::Relock`]).
fn check_locked(
    c: &mut DbConnection,
    locked: &SectionLocks,
    stale: &[BookingId],
) -> Result<(), HoldError> {
    let needed = lock_order::sections_of_bookings(c, stale)?;
    if needed.is_subset(locked) {
        Ok(())
    } else {
        Err(HoldError::Relock(needed))
    }
}

/// One attempt, in one write transaction.
#[allow(clippy::too_many_arguments)]
fn hold_once(
    db: &Db,
    user: UserId,
    event: EventId,
    request: &HoldRequest,
    policy: &HoldPolicy,
    now: NaiveDateTime,
    relock: &SectionLocks,
    lock_all: bool,
) -> Result<(Held, Released), HoldError> {
    let hold_for = policy.hold_for;
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
        let ev = queries::event_for_hold(c, event)?.ok_or(HoldError::EventNotFound)?;
        match sale_state(&ev, now) {
            SaleState::OnSale | SaleState::FewLeft => {}
            SaleState::Draft => return Err(HoldError::EventNotFound),
            other => return Err(HoldError::NotOnSale(other)),
        }
        // The account's row next, before any section (db::lock_order): two holds of one
        // account count its tickets one after the other.
        let verified = queries::lock_account(c, user)?.ok_or(HoldError::EventNotFound)?;
        // The section rows first, in id order, before any seat or booking (db::lock_order).
        let mut locked = if lock_all {
            lock_order::sections_of_events(c, &[event])?
        } else {
            sections_to_lock(c, user, event, request, now)?
        };
        locked.extend(relock.iter().copied());
        lock_order::lock_sections(c, &locked)?;
        let mut released = Released::default();
        // The basket row next: locked, so nothing ends it while this hold adds to it (an
        // end meanwhile would leave the new lines live in an ended booking).
        let mut basket = queries::lock_pending_booking(c, user, event)?;
        if let Some(b) = &basket {
            check_locked(c, &locked, &[b.id])?;
        }
        // A basket whose hold ran out is over: expire it (and free its seats) first.
        if let Some(b) = &basket
            && b.expires_at <= now
        {
            released.extend(expire(c, &[b.id], now)?);
            basket = None;
        }
        // A basket kept alive only by a payment's grace is being paid for: it takes no more.
        if let Some(b) = &basket
            && b.payable_until.is_some_and(|until| until <= now)
        {
            return Err(HoldError::PaymentPending);
        }
        let already = match &basket {
            Some(b) => queries::quantity_held(c, b.id)?,
            None => 0,
        };
        let wanted = match request {
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
            let had = queries::tickets_for_event(c, user, event, now)?;
            if had + wanted > i64::from(max) {
                return Err(HoldError::AccountLimit { max, already: had });
            }
        }
        if let Some(max) = policy.unverified_limit
            && !verified
        {
            let holding = queries::tickets_held_by(c, user, now)?;
            if holding + wanted > i64::from(max) {
                return Err(HoldError::Unverified {
                    max,
                    already: holding,
                });
            }
        }
        let cooling_since =
            (policy.rehold_cooldown > TimeDelta::zero()).then(|| now - policy.rehold_cooldown);
        let cooling_down = |given_back: NaiveDateTime| HoldError::CoolingDown {
            retry_after: (given_back + policy.rehold_cooldown - now)
                .num_seconds()
                .max(1),
        };
        let items = match request {
            HoldRequest::Seats(ids) => {
                let seats = match &peeked {
                    Some(seats) => seats.clone(),
                    None => queries::lock_seats(c, event, ids)?,
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
                if let Some(since) = cooling_since {
                    let rows: Vec<i64> = seats.iter().map(|s| s.id).collect();
                    if let Some(at) = queries::seats_given_back_since(
                        c,
                        user,
                        event,
                        basket.as_ref().map(|b| b.id),
                        &rows,
                        since,
                    )? {
                        return Err(cooling_down(at));
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
                    check_locked(c, &locked, &stale)?;
                    released.extend(expire(c, &stale, now)?);
                }
                SeatItems::Seats(seats)
            }
            HoldRequest::Standing { section, quantity } => {
                let (event_section, tier, price) = queries::standing_section(c, event, *section)?
                    .ok_or_else(|| {
                    invalid("section_id", "That is not a standing area of this event.")
                })?;
                // Places in a standing area this account gave back moments ago: it may hold
                // fewer than the fewest it gave back there (with what it still holds there),
                // never as many again, until the cooldown has passed.
                if let Some(since) = cooling_since
                    && let Some((fewest, at)) = queries::places_given_back_since(
                        c,
                        user,
                        event,
                        basket.as_ref().map(|b| b.id),
                        event_section,
                        since,
                    )?
                {
                    let holding = match &basket {
                        Some(b) => queries::places_held_in_section(c, b.id, event_section)?,
                        None => 0,
                    };
                    if holding + i64::from(*quantity) >= i64::from(fewest) {
                        return Err(cooling_down(at));
                    }
                }
                SeatItems::Places {
                    event_section,
                    tier,
                    price,
                    quantity: *quantity,
                }
            }
            HoldRequest::BestAvailable { .. } => unreachable!("resolved to seats before"),
        };
        // The statements that move seats and places (and with them, through the triggers, the
        // section's counter row, which every hold in that section needs) come last, just
        // before the commit: that row lock is then held as briefly as possible.
        let (booking, reference, expires_at) = match basket {
            Some(Basket {
                id,
                reference,
                expires_at,
                ..
            }) => (id, reference, expires_at),
            None => {
                let reference = new_reference();
                let id = queries::insert_booking(
                    c,
                    &NewBooking {
                        reference: &reference,
                        user,
                        event,
                        currency: &ev.currency,
                        expires_at: now + hold_for,
                        now,
                    },
                )?;
                (id, reference, now + hold_for)
            }
        };
        // The basket's lines, read before the statement that takes the section's lock.
        let lines;
        match items {
            SeatItems::Seats(seats) => {
                let prices: HashMap<SectionId, (i64, TierId, i64)> =
                    queries::section_prices(c, event)?
                        .into_iter()
                        .map(|p| (p.section_id, (p.event_section_id, p.tier_id, p.price_cents)))
                        .collect();
                let mut new_items = Vec::with_capacity(seats.len());
                for s in &seats {
                    let (_, tier, price) = prices
                        .get(&s.section_id)
                        .copied()
                        .ok_or_else(|| invalid("seat_ids", "That seat is not on sale."))?;
                    new_items.push(NewItem {
                        booking,
                        event,
                        event_seat_id: Some(s.id),
                        event_section_id: None,
                        tier,
                        quantity: 1,
                        unit_price_cents: price,
                    });
                }
                queries::insert_items(c, &new_items)?;
                let added = new_items.iter().map(|i| i.unit_price_cents).sum();
                queries::add_to_total(c, booking, added, now)?;
                lines = crate::db::bookings::items_of(c, &[booking])?;
                let ids: Vec<i64> = seats.iter().map(|s| s.id).collect();
                let guarded = !db.unlocked_for_tests();
                let changed = queries::take_seats(c, &ids, booking, expires_at, now, guarded)?;
                if changed != ids.len() {
                    // The guard caught what the locks should have: refuse, change nothing.
                    return Err(HoldError::Unavailable {
                        seat_ids: seats.iter().map(|s| s.seat_id).collect(),
                    });
                }
            }
            SeatItems::Places {
                event_section,
                tier,
                price,
                quantity,
            } => {
                let stale = queries::expired_holders_of_section(c, event_section, now)?;
                if !stale.is_empty() {
                    check_locked(c, &locked, &stale)?;
                    released.extend(expire(c, &stale, now)?);
                }
                queries::insert_items(
                    c,
                    &[NewItem {
                        booking,
                        event,
                        event_seat_id: None,
                        event_section_id: Some(event_section),
                        tier,
                        quantity,
                        unit_price_cents: price,
                    }],
                )?;
                queries::add_to_total(c, booking, i64::from(quantity) * price, now)?;
                lines = crate::db::bookings::items_of(c, &[booking])?;
                if !queries::take_places(c, event_section, quantity, now)? {
                    let available = queries::places_left(c, event_section)?;
                    return Err(HoldError::NotEnough { available });
                }
                released.standing_events.push(event);
            }
        }
        let items = lines;
        let total_cents = items
            .iter()
            .map(|i| i64::from(i.quantity) * i.unit_price_cents)
            .sum();
        let held = Held {
            booking,
            reference,
            event,
            expires_at,
            total_cents,
            currency: ev.currency.clone(),
            items,
        };
        Ok((held, released))
    })
}

enum SeatItems {
    Seats(Vec<SeatLock>),
    Places {
        event_section: i64,
        tier: TierId,
        price: i64,
        quantity: i32,
    },
}

fn publish(live: &LiveHub, event: EventId, request: &HoldRequest, released: Released) {
    let mut changes = changes_of(released);
    if let HoldRequest::Seats(ids) = request {
        changes.push(Change {
            event,
            seats: ids.clone(),
            standing: false,
        });
    }
    live.publish_all(changes);
}

/// What the viewers need to hear about freed seats and places.
pub fn changes_of(released: Released) -> Vec<Change> {
    let mut changes: Vec<Change> = released
        .seats
        .into_iter()
        .map(|(event, seat)| Change {
            event,
            seats: vec![seat],
            standing: false,
        })
        .collect();
    changes.extend(released.standing_events.into_iter().map(|event| Change {
        event,
        seats: Vec::new(),
        standing: true,
    }));
    changes
}

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("no such booking")]
    NotFound,
    #[error("the booking is {0}")]
    NotPending(BookingStatus),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for BookingError {
    fn from(e: diesel::result::Error) -> Self {
        BookingError::Db(DbError::Query(e))
    }
}

/// Takes one seat out of the buyer's basket; an emptied basket is cancelled. `false` when the
/// basket did not hold that seat.
pub fn release_seat(
    db: &Db,
    live: &LiveHub,
    user: UserId,
    event: EventId,
    seat: SeatId,
    now: NaiveDateTime,
) -> Result<bool, BookingError> {
    let released = take_out(db, user, event, now, |c, basket| {
        queries::release_seat(c, basket, event, seat, now)
    })?;
    if released {
        live.publish(Change {
            event,
            seats: vec![seat],
            standing: false,
        });
    }
    Ok(released)
}

/// Takes a standing line out of the buyer's basket; an emptied basket is cancelled. `false`
/// when the basket has no such line.
pub fn release_places(
    db: &Db,
    live: &LiveHub,
    user: UserId,
    event: EventId,
    item: i64,
    now: NaiveDateTime,
) -> Result<bool, BookingError> {
    let released = take_out(db, user, event, now, |c, basket| {
        queries::release_places(c, basket, item, now)
    })?;
    if released {
        live.publish(Change {
            event,
            seats: Vec::new(),
            standing: true,
        });
    }
    Ok(released)
}

/// Runs `release` on the buyer's basket for the event in one write transaction; then cancels
/// the basket if nothing is left in it, or refreshes its total.
fn take_out(
    db: &Db,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
    release: impl Fn(&mut DbConnection, BookingId) -> diesel::QueryResult<bool>,
) -> Result<bool, BookingError> {
    retry_lock_conflicts(|| take_out_once(db, user, event, now, &release))
}

fn take_out_once(
    db: &Db,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
    release: &impl Fn(&mut DbConnection, BookingId) -> diesel::QueryResult<bool>,
) -> Result<bool, BookingError> {
    db.write(|c| -> Result<bool, BookingError> {
        let Some(basket) = queries::pending_booking(c, user, event)? else {
            return Ok(false);
        };
        lock_order::lock_for_bookings(c, &[basket.id])?;
        // Locked now: still pending, or ended meanwhile (nothing left to take out).
        let Some(basket) = queries::lock_pending_booking(c, user, event)? else {
            return Ok(false);
        };
        if !release(c, basket.id)? {
            return Ok(false);
        }
        if queries::quantity_held(c, basket.id)? == 0 {
            queries::end_pending(c, &[basket.id], BookingStatus::Cancelled, now)?;
        } else {
            queries::refresh_total(c, basket.id, now)?;
        }
        Ok(true)
    })
}

/// The buyer cancels their pending booking: its seats and places are free at once.
pub fn cancel(
    db: &Db,
    live: &LiveHub,
    user: UserId,
    reference: &str,
    now: NaiveDateTime,
) -> Result<BookingId, BookingError> {
    let (id, released) = retry_lock_conflicts(|| {
        db.write(|c| -> Result<(BookingId, Released), BookingError> {
            let head = queries::find_by_reference(c, reference)?
                .filter(|b| b.user_id == user)
                .ok_or(BookingError::NotFound)?;
            if head.status != BookingStatus::Pending {
                return Err(BookingError::NotPending(head.status));
            }
            lock_order::lock_for_bookings(c, &[head.id])?;
            let released = queries::end_pending(c, &[head.id], BookingStatus::Cancelled, now)?;
            Ok((head.id, released))
        })
    })?;
    live.publish_all(changes_of(released));
    Ok(id)
}

/// Ends these pending bookings as expired (those whose hold ran out), frees their seats and
/// places, and queues each ended booking's "hold expired" email, in the caller's transaction.
pub fn expire(
    c: &mut DbConnection,
    ids: &[BookingId],
    now: NaiveDateTime,
) -> Result<Released, DbError> {
    let released = queries::end_pending(c, ids, BookingStatus::Expired, now)?;
    for &id in &released.ended {
        crate::services::payments::queue_hold_expired(c, id, now)?;
    }
    Ok(released)
}

/// The sweeper: ends up to `batch` pending bookings whose hold ran out and frees their seats.
/// Answers how many it ended. Idempotent and safe on several instances at once (each booking
/// moves `pending` → `expired` under a guard, once).
pub fn sweep_expired(
    db: &Db,
    live: &LiveHub,
    now: NaiveDateTime,
    batch: i64,
) -> Result<usize, DbError> {
    let (count, released) = db.write(|c| -> Result<(usize, Released), DbError> {
        let due = queries::expired_pending(c, now, batch)?;
        lock_order::lock_for_bookings(c, &due)?;
        let released = expire(c, &due, now)?;
        Ok((due.len(), released))
    })?;
    // What buyers gave back long ago no longer holds anyone back.
    db.write(|c| queries::purge_releases(c, now - RELEASES_KEPT).map_err(DbError::Query))?;
    live.publish_all(changes_of(released));
    Ok(count)
}

/// Looks a booking up for its owner (or an admin); `None` for anyone else.
pub fn find_for(
    conn: &mut DbConnection,
    reference: &str,
    user: UserId,
    is_admin: bool,
) -> Result<Option<queries::BookingHead>, DbError> {
    Ok(queries::find_by_reference(conn, reference)?.filter(|b| is_admin || b.user_id == user))
}
