//! The SQL of holding seats and places (ARCHITECTURE §3, "Seat holds: the heart").
//!
//! How a hold stays correct under a stampede:
//! - PostgreSQL: the hold's transaction (READ COMMITTED, with a lock timeout; see
//!   [`super::Db::write`]) takes `SELECT … FOR UPDATE` row locks on the requested `event_seats`
//!   rows **in id order** (so two holds never deadlock on each other), checks each one is free
//!   (or under an expired hold), then changes them. Nobody else can change those rows until it
//!   commits.
//! - SQLite: the same code runs in a `BEGIN IMMEDIATE` transaction under the process's single
//!   writer lock; the lock is the whole database.
//! - Whatever the code does, the database refuses a double hold on its own: the seat update is
//!   guarded (`… WHERE status = 'available'`, its row count checked), a partial unique index
//!   allows one live booking item per seat, standing places move with a guarded counter update
//!   (`held + sold + blocked + n <= capacity`), and a buyer has at most one pending booking per
//!   event. A locking bug becomes an error, never an oversell.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{booking_items, bookings, event_seats, event_sections, events, price_tiers};
use super::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId, TierId, UserId};
use crate::domain::venue::SeatStatus;

/// What a hold needs to know about the event.
#[derive(Debug, Clone, Queryable)]
pub struct HoldEvent {
    pub id: EventId,
    pub status: EventStatus,
    pub starts_at: NaiveDateTime,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
    pub max_tickets_per_order: i32,
    pub currency: String,
    /// The box office's cap on one account's tickets for the event (held and bought).
    pub max_tickets_per_account: Option<i32>,
}

/// The event as a hold reads it (a macro: the query's type is long to write out).
macro_rules! hold_event {
    ($id:expr) => {
        events::table.filter(events::id.eq($id)).select((
            events::id,
            events::status,
            events::starts_at,
            events::sales_start_at,
            events::sales_end_at,
            events::max_tickets_per_order,
            events::currency,
            events::max_tickets_per_account,
        ))
    };
}

/// The event, read by a hold. On PostgreSQL the row is locked `FOR KEY SHARE` until the hold
/// commits (the weakest lock; holds never wait on each other for it, nor on edits of the
/// event): cancelling the event takes `FOR UPDATE` first, so it waits for holds in flight and
/// every hold after it sees the event cancelled. No hold can commit after a cancel did.
pub fn event_for_hold(conn: &mut DbConnection, id: EventId) -> QueryResult<Option<HoldEvent>> {
    backend::first_locked(conn, hold_event!(id), QueryDsl::for_key_share)
}

/// The event as a hold sees it, without a lock (the seat map's "on sale?").
pub fn event(conn: &mut DbConnection, id: EventId) -> QueryResult<Option<HoldEvent>> {
    hold_event!(id).first(conn).optional()
}

/// A buyer's pending booking for an event: their basket.
#[derive(Debug, Clone, Queryable)]
pub struct Basket {
    pub id: BookingId,
    pub reference: String,
    pub expires_at: NaiveDateTime,
    /// Set once a payment started: the hold's own end; past it, the basket lives on only for
    /// the payment's grace and takes no new holds.
    pub payable_until: Option<NaiveDateTime>,
}

pub fn pending_booking(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
) -> QueryResult<Option<Basket>> {
    bookings::table
        .filter(bookings::user_id.eq(user))
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .select((
            bookings::id,
            bookings::reference,
            bookings::expires_at,
            bookings::payable_until,
        ))
        .first(conn)
        .optional()
}

/// The buyer's basket, locked (`FOR UPDATE` on PostgreSQL) until the transaction ends: taken
/// after the section rows (db::lock_order), so nothing ends the basket while a hold adds to it
/// or takes from it, and a basket ended meanwhile is not returned.
pub fn lock_pending_booking(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
) -> QueryResult<Option<Basket>> {
    let query = bookings::table
        .filter(bookings::user_id.eq(user))
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .select((
            bookings::id,
            bookings::reference,
            bookings::expires_at,
            bookings::payable_until,
        ));
    backend::first_locked(conn, query, QueryDsl::for_update)
}

pub struct NewBooking<'a> {
    pub reference: &'a str,
    pub user: UserId,
    pub event: EventId,
    pub currency: &'a str,
    pub expires_at: NaiveDateTime,
    pub now: NaiveDateTime,
}

pub fn insert_booking(conn: &mut DbConnection, b: &NewBooking) -> QueryResult<BookingId> {
    diesel::insert_into(bookings::table)
        .values((
            bookings::reference.eq(b.reference),
            bookings::user_id.eq(b.user),
            bookings::event_id.eq(b.event),
            bookings::status.eq(BookingStatus::Pending),
            bookings::total_cents.eq(0i64),
            bookings::currency.eq(b.currency),
            bookings::expires_at.eq(b.expires_at),
            bookings::created_at.eq(b.now),
            bookings::updated_at.eq(b.now),
        ))
        .returning(bookings::id)
        .get_result(conn)
}

/// A requested seat as the hold sees it, locked.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = event_seats)]
pub struct SeatLock {
    pub id: i64,
    pub seat_id: SeatId,
    pub section_id: SectionId,
    pub status: SeatStatus,
    pub booking_id: Option<BookingId>,
    pub held_until: Option<NaiveDateTime>,
}

/// The columns of a [`SeatLock`], in its fields' order (the same SQL as
/// `SeatLock::as_select()`, whose type is fixed to one backend: a locked read is typed per
/// backend, see `db::backend`).
pub type SeatLockColumns = (
    event_seats::id,
    event_seats::seat_id,
    event_seats::section_id,
    event_seats::status,
    event_seats::booking_id,
    event_seats::held_until,
);
pub const SEAT_LOCK_COLUMNS: SeatLockColumns = (
    event_seats::id,
    event_seats::seat_id,
    event_seats::section_id,
    event_seats::status,
    event_seats::booking_id,
    event_seats::held_until,
);

impl SeatLock {
    /// Free now: available, or under a hold that has run out.
    pub fn is_free(&self, now: NaiveDateTime) -> bool {
        match self.status {
            SeatStatus::Available => true,
            SeatStatus::Held => self.held_until.is_some_and(|t| t <= now),
            SeatStatus::Sold | SeatStatus::Blocked => false,
        }
    }
}

/// The event's rows for these seats. On PostgreSQL they are locked (`FOR UPDATE`, in id
/// order) until the transaction ends; on SQLite the immediate transaction already excludes
/// every other writer.
pub fn lock_seats(
    conn: &mut DbConnection,
    event: EventId,
    seats: &[SeatId],
) -> QueryResult<Vec<SeatLock>> {
    let query = event_seats::table
        .filter(event_seats::event_id.eq(event))
        .filter(event_seats::seat_id.eq_any(seats))
        .order(event_seats::id)
        .select(SEAT_LOCK_COLUMNS);
    backend::load_locked(conn, query, QueryDsl::for_update)
}

/// Reads the seats without a lock (the test-only unlocked mode, and best-available's first
/// look).
pub fn peek_seats(
    conn: &mut DbConnection,
    event: EventId,
    seats: &[SeatId],
) -> QueryResult<Vec<SeatLock>> {
    event_seats::table
        .filter(event_seats::event_id.eq(event))
        .filter(event_seats::seat_id.eq_any(seats))
        .order(event_seats::id)
        .select(SeatLock::as_select())
        .load(conn)
}

/// A section on sale for the event: its tier and price.
#[derive(Debug, Clone, Queryable)]
pub struct SectionPrice {
    pub event_section_id: i64,
    pub section_id: SectionId,
    pub tier_id: TierId,
    pub price_cents: i64,
}

pub fn section_prices(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<SectionPrice>> {
    event_sections::table
        .inner_join(price_tiers::table.on(price_tiers::id.eq(event_sections::tier_id)))
        .filter(event_sections::event_id.eq(event))
        .select((
            event_sections::id,
            event_sections::section_id,
            event_sections::tier_id,
            price_tiers::price_cents,
        ))
        .load(conn)
}

/// Holds these `event_seats` rows for `booking` until `until`: only rows still free (available,
/// or held under an expired hold by a booking that is no longer pending). Answers how many
/// rows changed; the caller checks it got them all.
pub fn take_seats(
    conn: &mut DbConnection,
    ids: &[i64],
    booking: BookingId,
    until: NaiveDateTime,
    now: NaiveDateTime,
    guarded: bool,
) -> QueryResult<usize> {
    let set = (
        event_seats::status.eq(SeatStatus::Held),
        event_seats::booking_id.eq(Some(booking)),
        event_seats::held_until.eq(Some(until)),
        event_seats::updated_at.eq(now),
    );
    if guarded {
        diesel::update(
            event_seats::table
                .filter(event_seats::id.eq_any(ids))
                .filter(event_seats::status.eq(SeatStatus::Available)),
        )
        .set(set)
        .execute(conn)
    } else {
        diesel::update(event_seats::table.filter(event_seats::id.eq_any(ids)))
            .set(set)
            .execute(conn)
    }
}

pub struct NewItem {
    pub booking: BookingId,
    pub event: EventId,
    pub event_seat_id: Option<i64>,
    pub event_section_id: Option<i64>,
    pub tier: TierId,
    pub quantity: i32,
    pub unit_price_cents: i64,
}

/// Inserts the items in one statement.
pub fn insert_items(conn: &mut DbConnection, items: &[NewItem]) -> QueryResult<()> {
    let rows: Vec<_> = items
        .iter()
        .map(|item| {
            (
                booking_items::booking_id.eq(item.booking),
                booking_items::event_id.eq(item.event),
                booking_items::event_seat_id.eq(item.event_seat_id),
                booking_items::event_section_id.eq(item.event_section_id),
                booking_items::tier_id.eq(item.tier),
                booking_items::quantity.eq(item.quantity),
                booking_items::unit_price_cents.eq(item.unit_price_cents),
            )
        })
        .collect();
    // A multi-row insert is typed per backend (MultiConnection has none of its own).
    backend::execute(
        conn,
        diesel::insert_into(booking_items::table).values(&rows),
    )?;
    Ok(())
}

/// Adds `cents` to the booking's total (a hold adding lines to a basket).
pub fn add_to_total(
    conn: &mut DbConnection,
    booking: BookingId,
    cents: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(bookings::table.filter(bookings::id.eq(booking)))
        .set((
            bookings::total_cents.eq(bookings::total_cents + cents),
            // A changed basket: payments opened for the old one no longer sell (issue 16).
            bookings::basket_version.eq(bookings::basket_version + 1),
            bookings::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Sets the booking's total from its live items, and answers it.
pub fn refresh_total(
    conn: &mut DbConnection,
    booking: BookingId,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let items: Vec<(i32, i64)> = booking_items::table
        .filter(booking_items::booking_id.eq(booking))
        .filter(booking_items::active.eq(true))
        .select((booking_items::quantity, booking_items::unit_price_cents))
        .load(conn)?;
    let total: i64 = items.iter().map(|(q, p)| i64::from(*q) * p).sum();
    diesel::update(bookings::table.filter(bookings::id.eq(booking)))
        .set((
            bookings::total_cents.eq(total),
            bookings::basket_version.eq(bookings::basket_version + 1),
            bookings::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(total)
}

/// Seats and places the booking holds: `(seats, standing places)`.
pub fn quantity_held(conn: &mut DbConnection, booking: BookingId) -> QueryResult<i64> {
    let items: Vec<i32> = booking_items::table
        .filter(booking_items::booking_id.eq(booking))
        .filter(booking_items::active.eq(true))
        .select(booking_items::quantity)
        .load(conn)?;
    Ok(items.iter().map(|q| i64::from(*q)).sum())
}

/// Moves `quantity` standing places of a section from free to held, if that many are free.
pub fn take_places(
    conn: &mut DbConnection,
    event_section_id: i64,
    quantity: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        event_sections::table
            .filter(event_sections::id.eq(event_section_id))
            .filter(
                (event_sections::held + event_sections::sold + event_sections::blocked + quantity)
                    .le(event_sections::capacity),
            ),
    )
    .set((
        event_sections::held.eq(event_sections::held + quantity),
        event_sections::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// A section's standing row for the event, if the section is standing and on sale.
pub fn standing_section(
    conn: &mut DbConnection,
    event: EventId,
    section: SectionId,
) -> QueryResult<Option<(i64, TierId, i64)>> {
    use super::schema::sections;
    event_sections::table
        .inner_join(sections::table)
        .inner_join(price_tiers::table.on(price_tiers::id.eq(event_sections::tier_id)))
        .filter(event_sections::event_id.eq(event))
        .filter(event_sections::section_id.eq(section))
        .filter(sections::kind.eq("standing"))
        .select((
            event_sections::id,
            event_sections::tier_id,
            price_tiers::price_cents,
        ))
        .first(conn)
        .optional()
}

/// Pending bookings holding places in this standing section whose hold has run out.
pub fn expired_holders_of_section(
    conn: &mut DbConnection,
    event_section_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<BookingId>> {
    booking_items::table
        .inner_join(bookings::table)
        .filter(booking_items::event_section_id.eq(event_section_id))
        .filter(booking_items::active.eq(true))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .filter(bookings::expires_at.le(now))
        .select(bookings::id)
        .distinct()
        .load(conn)
}

/// Pending bookings whose hold ran out, oldest first (the sweeper's batch).
pub fn expired_pending(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<BookingId>> {
    bookings::table
        .filter(bookings::status.eq(BookingStatus::Pending))
        .filter(bookings::expires_at.le(now))
        .order(bookings::expires_at)
        .select(bookings::id)
        .limit(limit)
        .load(conn)
}

/// What releasing a booking's hold freed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Released {
    /// `(event, seat)` of every seat that became available.
    pub seats: Vec<(EventId, SeatId)>,
    /// Events whose standing places changed.
    pub standing_events: Vec<EventId>,
    /// The bookings that ended (`expired` ones are told by email).
    pub ended: Vec<BookingId>,
}

impl Released {
    pub fn extend(&mut self, other: Released) {
        self.seats.extend(other.seats);
        self.standing_events.extend(other.standing_events);
        self.ended.extend(other.ended);
    }
}

/// Ends pending bookings (`pending` → `to`, guarded; for `expired`, only those whose hold ran
/// out) and gives their seats and places back. Bookings no longer pending are left alone.
pub fn end_pending(
    conn: &mut DbConnection,
    ids: &[BookingId],
    to: BookingStatus,
    now: NaiveDateTime,
) -> QueryResult<Released> {
    let mut released = Released::default();
    for &id in ids {
        let base = bookings::table
            .filter(bookings::id.eq(id))
            .filter(bookings::status.eq(BookingStatus::Pending));
        let changed = match to {
            BookingStatus::Expired => diesel::update(base.filter(bookings::expires_at.le(now)))
                .set((bookings::status.eq(to), bookings::updated_at.eq(now)))
                .execute(conn)?,
            BookingStatus::Cancelled => diesel::update(base)
                .set((
                    bookings::status.eq(to),
                    bookings::cancelled_at.eq(Some(now)),
                    bookings::updated_at.eq(now),
                ))
                .execute(conn)?,
            _ => 0,
        };
        if changed == 1 {
            released.extend(release_items(conn, id, now)?);
            released.ended.push(id);
        }
    }
    Ok(released)
}

/// Gives back everything a booking holds: its seats become available, its standing places
/// return to their counters, and its items stop being live.
fn release_items(
    conn: &mut DbConnection,
    booking: BookingId,
    now: NaiveDateTime,
) -> QueryResult<Released> {
    // Lock the seats first, in id order, as a hold does, before any counter row: a release
    // and a hold then take their locks in the same order and cannot wait on each other in a
    // cycle (seat, then the section's counter that the seat trigger updates).
    let query = event_seats::table
        .filter(event_seats::booking_id.eq(Some(booking)))
        .filter(event_seats::status.eq(SeatStatus::Held))
        .order(event_seats::id)
        .select((event_seats::id, event_seats::event_id, event_seats::seat_id));
    let rows: Vec<(i64, EventId, SeatId)> =
        backend::load_locked(conn, query, QueryDsl::for_update)?;
    // A hold that ran out was given back when it ran out (the sweeper may come later).
    let (owner, status, expires_at): (UserId, BookingStatus, NaiveDateTime) = bookings::table
        .filter(bookings::id.eq(booking))
        .select((bookings::user_id, bookings::status, bookings::expires_at))
        .first(conn)?;
    let given_back_at = match status {
        BookingStatus::Expired => expires_at.min(now),
        _ => now,
    };
    let mut given_back: Vec<GivenBack> = rows
        .iter()
        .map(|&(event_seat, event, _)| GivenBack::Seat { event, event_seat })
        .collect();
    let seats: Vec<(EventId, SeatId)> = rows.iter().map(|&(_, e, s)| (e, s)).collect();
    diesel::update(
        event_seats::table
            .filter(event_seats::booking_id.eq(Some(booking)))
            .filter(event_seats::status.eq(SeatStatus::Held)),
    )
    .set((
        event_seats::status.eq(SeatStatus::Available),
        event_seats::booking_id.eq(None::<BookingId>),
        event_seats::held_until.eq(None::<NaiveDateTime>),
        event_seats::updated_at.eq(now),
    ))
    .execute(conn)?;
    let places: Vec<(Option<i64>, i32, EventId)> = booking_items::table
        .filter(booking_items::booking_id.eq(booking))
        .filter(booking_items::active.eq(true))
        .filter(booking_items::event_section_id.is_not_null())
        .select((
            booking_items::event_section_id,
            booking_items::quantity,
            booking_items::event_id,
        ))
        .load(conn)?;
    let mut standing_events = Vec::new();
    for (section, quantity, event) in places {
        if let Some(section) = section {
            diesel::update(event_sections::table.filter(event_sections::id.eq(section)))
                .set((
                    event_sections::held.eq(event_sections::held - quantity),
                    event_sections::updated_at.eq(now),
                ))
                .execute(conn)?;
            standing_events.push(event);
            given_back.push(GivenBack::Places {
                event,
                event_section: section,
                quantity,
            });
        }
    }
    record_releases(conn, owner, booking, &given_back, given_back_at)?;
    diesel::update(
        booking_items::table
            .filter(booking_items::booking_id.eq(booking))
            .filter(booking_items::active.eq(true)),
    )
    .set(booking_items::active.eq(false))
    .execute(conn)?;
    Ok(Released {
        seats,
        standing_events,
        ended: Vec::new(),
    })
}

/// Takes one seat out of a pending booking (the buyer clicked it again). `false` when the
/// booking does not hold that seat.
pub fn release_seat(
    conn: &mut DbConnection,
    booking: BookingId,
    event: EventId,
    seat: SeatId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let row: Option<i64> = event_seats::table
        .filter(event_seats::event_id.eq(event))
        .filter(event_seats::seat_id.eq(seat))
        .filter(event_seats::booking_id.eq(Some(booking)))
        .filter(event_seats::status.eq(SeatStatus::Held))
        .select(event_seats::id)
        .first(conn)
        .optional()?;
    let Some(event_seat) = row else {
        return Ok(false);
    };
    let owner: UserId = bookings::table
        .filter(bookings::id.eq(booking))
        .select(bookings::user_id)
        .first(conn)?;
    diesel::delete(
        booking_items::table
            .filter(booking_items::booking_id.eq(booking))
            .filter(booking_items::event_seat_id.eq(Some(event_seat)))
            .filter(booking_items::active.eq(true)),
    )
    .execute(conn)?;
    let changed = diesel::update(
        event_seats::table
            .filter(event_seats::id.eq(event_seat))
            .filter(event_seats::booking_id.eq(Some(booking)))
            .filter(event_seats::status.eq(SeatStatus::Held)),
    )
    .set((
        event_seats::status.eq(SeatStatus::Available),
        event_seats::booking_id.eq(None::<BookingId>),
        event_seats::held_until.eq(None::<NaiveDateTime>),
        event_seats::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 {
        record_releases(
            conn,
            owner,
            booking,
            &[GivenBack::Seat { event, event_seat }],
            now,
        )?;
    }
    Ok(changed == 1)
}

/// Takes a standing line out of a pending booking. `false` when the booking has no such line.
pub fn release_places(
    conn: &mut DbConnection,
    booking: BookingId,
    item: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let line: Option<(Option<i64>, i32)> = booking_items::table
        .filter(booking_items::id.eq(item))
        .filter(booking_items::booking_id.eq(booking))
        .filter(booking_items::active.eq(true))
        .filter(booking_items::event_section_id.is_not_null())
        .select((booking_items::event_section_id, booking_items::quantity))
        .first(conn)
        .optional()?;
    let Some((Some(section), quantity)) = line else {
        return Ok(false);
    };
    // Guarded: the counter never goes below zero (a CHECK constraint backs this up).
    let changed = diesel::update(
        event_sections::table
            .filter(event_sections::id.eq(section))
            .filter(event_sections::held.ge(quantity)),
    )
    .set((
        event_sections::held.eq(event_sections::held - quantity),
        event_sections::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Ok(false);
    }
    diesel::delete(booking_items::table.filter(booking_items::id.eq(item))).execute(conn)?;
    let (owner, event): (UserId, EventId) = bookings::table
        .filter(bookings::id.eq(booking))
        .select((bookings::user_id, bookings::event_id))
        .first(conn)?;
    record_releases(
        conn,
        owner,
        booking,
        &[GivenBack::Places {
            event,
            event_section: section,
            quantity,
        }],
        now,
    )?;
    Ok(true)
}

/// A booking's owner, event and status, by reference.
#[derive(Debug, Clone, Queryable)]
pub struct BookingHead {
    pub id: BookingId,
    pub user_id: UserId,
    pub event_id: EventId,
    pub status: BookingStatus,
    pub expires_at: NaiveDateTime,
}

pub fn find_by_reference(
    conn: &mut DbConnection,
    reference: &str,
) -> QueryResult<Option<BookingHead>> {
    bookings::table
        .filter(bookings::reference.eq(reference))
        .select((
            bookings::id,
            bookings::user_id,
            bookings::event_id,
            bookings::status,
            bookings::expires_at,
        ))
        .first(conn)
        .optional()
}

/// Candidate seats for best-available: every seat of the event's seated sections (optionally
/// of one tier) with where it is and whether it is free now.
#[derive(Debug, Clone, Queryable)]
pub struct SeatPlace {
    pub seat_id: SeatId,
    pub section_id: SectionId,
    pub section_position: i32,
    pub row_index: i32,
    pub number: i32,
    pub status: SeatStatus,
    pub held_until: Option<NaiveDateTime>,
}

pub fn seat_places(
    conn: &mut DbConnection,
    event: EventId,
    tier: Option<TierId>,
) -> QueryResult<Vec<SeatPlace>> {
    use super::schema::{seats, sections};
    let mut query = event_seats::table
        .inner_join(seats::table.inner_join(sections::table))
        .inner_join(
            event_sections::table.on(event_sections::event_id
                .eq(event_seats::event_id)
                .and(event_sections::section_id.eq(event_seats::section_id))),
        )
        .filter(event_seats::event_id.eq(event))
        .select((
            seats::id,
            sections::id,
            sections::position,
            seats::row_index,
            seats::number,
            event_seats::status,
            event_seats::held_until,
        ))
        .into_boxed();
    if let Some(tier) = tier {
        query = query.filter(event_sections::tier_id.eq(tier));
    }
    query.load(conn)
}

/// Standing places free in a section now (expired holds already given back).
pub fn places_left(conn: &mut DbConnection, event_section_id: i64) -> QueryResult<i64> {
    let (capacity, held, sold, blocked): (i32, i32, i32, i32) = event_sections::table
        .filter(event_sections::id.eq(event_section_id))
        .select((
            event_sections::capacity,
            event_sections::held,
            event_sections::sold,
            event_sections::blocked,
        ))
        .first(conn)?;
    Ok(i64::from((capacity - held - sold - blocked).max(0)))
}

/// Something an account gave back (cancelled, released or let run out): the same account may
/// not hold it again until the re-hold cooldown has passed (issue 16, denial of inventory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GivenBack {
    Seat {
        event: EventId,
        event_seat: i64,
    },
    Places {
        event: EventId,
        event_section: i64,
        quantity: i32,
    },
}

/// Notes what `user` gave back from their basket `booking`, in the caller's transaction (one
/// statement).
pub fn record_releases(
    conn: &mut DbConnection,
    user: UserId,
    booking: BookingId,
    given_back: &[GivenBack],
    now: NaiveDateTime,
) -> QueryResult<()> {
    use super::schema::hold_releases as hr;
    if given_back.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = given_back
        .iter()
        .map(|g| {
            let (event, seat, section, quantity) = match *g {
                GivenBack::Seat { event, event_seat } => (event, Some(event_seat), None, 1),
                GivenBack::Places {
                    event,
                    event_section,
                    quantity,
                } => (event, None, Some(event_section), quantity),
            };
            (
                hr::user_id.eq(user),
                hr::event_id.eq(event),
                hr::booking_id.eq(booking.0),
                hr::event_seat_id.eq(seat),
                hr::event_section_id.eq(section),
                hr::quantity.eq(quantity),
                hr::released_at.eq(now),
            )
        })
        .collect();
    backend::execute(conn, diesel::insert_into(hr::table).values(&rows))?;
    Ok(())
}

/// The latest time `user` gave back any of these `event_seats` rows after `since`, from a
/// basket other than `basket` (the live one they would go back into, if any).
pub fn seats_given_back_since(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    basket: Option<BookingId>,
    event_seats: &[i64],
    since: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    use super::schema::hold_releases as hr;
    use diesel::dsl::max;
    hr::table
        .filter(hr::user_id.eq(user))
        .filter(hr::event_id.eq(event))
        .filter(hr::booking_id.ne(basket.map_or(0, |b| b.0)))
        .filter(hr::released_at.gt(since))
        .filter(hr::event_seat_id.eq_any(event_seats.iter().map(|s| Some(*s))))
        .select(max(hr::released_at))
        .first(conn)
}

/// What `user` gave back of a standing section after `since`, from a basket other than
/// `basket`: `(the smallest quantity, the latest time)`, if anything.
pub fn places_given_back_since(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    basket: Option<BookingId>,
    event_section: i64,
    since: NaiveDateTime,
) -> QueryResult<Option<(i32, NaiveDateTime)>> {
    use super::schema::hold_releases as hr;
    use diesel::dsl::{max, min};
    let (smallest, latest): (Option<i32>, Option<NaiveDateTime>) = hr::table
        .filter(hr::user_id.eq(user))
        .filter(hr::event_id.eq(event))
        .filter(hr::booking_id.ne(basket.map_or(0, |b| b.0)))
        .filter(hr::released_at.gt(since))
        .filter(hr::event_section_id.eq(Some(event_section)))
        .select((min(hr::quantity), max(hr::released_at)))
        .first(conn)?;
    Ok(smallest.zip(latest))
}

/// Standing places `user` holds now in a section of the event (their live basket lines there).
pub fn places_held_in_section(
    conn: &mut DbConnection,
    booking: BookingId,
    event_section: i64,
) -> QueryResult<i64> {
    let items: Vec<i32> = booking_items::table
        .filter(booking_items::booking_id.eq(booking))
        .filter(booking_items::active.eq(true))
        .filter(booking_items::event_section_id.eq(Some(event_section)))
        .select(booking_items::quantity)
        .load(conn)?;
    Ok(items.iter().map(|q| i64::from(*q)).sum())
}

/// Forgets what was given back at or before `before` (the sweeper).
pub fn purge_releases(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    use super::schema::hold_releases as hr;
    diesel::delete(hr::table.filter(hr::released_at.le(before))).execute(conn)
}

/// The account as a hold sees it: whether its email address is verified. On PostgreSQL the row
/// is locked `FOR NO KEY UPDATE` until the hold commits, so two holds of one account never
/// count its tickets at the same time (db::lock_order: after the event row, before the
/// sections). That lock does not conflict with the `KEY SHARE` locks foreign-key checks take
/// (a cancel or the sweeper queueing an email for the account while holding sections), so it
/// adds no wait to those paths. `None`: no such account.
pub fn lock_account(conn: &mut DbConnection, user: UserId) -> QueryResult<Option<bool>> {
    use super::schema::users;
    let query = users::table
        .filter(users::id.eq(user))
        .select(users::email_verified_at);
    let row: Option<Option<NaiveDateTime>> =
        backend::first_locked(conn, query, QueryDsl::for_no_key_update)?;
    Ok(row.map(|verified_at| verified_at.is_some()))
}

/// Tickets (seats and places) `user` holds now in pending bookings whose hold has not run out,
/// across all events.
pub fn tickets_held_by(
    conn: &mut DbConnection,
    user: UserId,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let items: Vec<i32> = booking_items::table
        .inner_join(bookings::table)
        .filter(bookings::user_id.eq(user))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .filter(bookings::expires_at.gt(now))
        .filter(booking_items::active.eq(true))
        .select(booking_items::quantity)
        .load(conn)?;
    Ok(items.iter().map(|q| i64::from(*q)).sum())
}

/// Tickets `user` has for the event: held (pending, not run out) and bought (paid; refunded
/// and cancelled bookings do not count).
pub fn tickets_for_event(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let items: Vec<i32> = booking_items::table
        .inner_join(bookings::table)
        .filter(bookings::user_id.eq(user))
        .filter(bookings::event_id.eq(event))
        .filter(
            bookings::status.eq(BookingStatus::Paid).or(bookings::status
                .eq(BookingStatus::Pending)
                .and(bookings::expires_at.gt(now))),
        )
        .filter(booking_items::active.eq(true))
        .select(booking_items::quantity)
        .load(conn)?;
    Ok(items.iter().map(|q| i64::from(*q)).sum())
}

/// The seats of the event `user` gave back after `since` (best-available leaves them out).
pub fn seats_given_back_by(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    since: NaiveDateTime,
) -> QueryResult<Vec<SeatId>> {
    use super::schema::hold_releases as hr;
    let rows: Vec<Option<i64>> = hr::table
        .filter(hr::user_id.eq(user))
        .filter(hr::event_id.eq(event))
        .filter(hr::released_at.gt(since))
        .filter(hr::event_seat_id.is_not_null())
        .select(hr::event_seat_id)
        .load(conn)?;
    let ids: Vec<i64> = rows.into_iter().flatten().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    event_seats::table
        .filter(event_seats::id.eq_any(ids))
        .select(event_seats::seat_id)
        .load(conn)
}
