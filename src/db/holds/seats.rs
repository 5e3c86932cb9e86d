//! Seats a hold takes: their rows locked in id order (`FOR UPDATE`), taken with a guarded update, and
//! the candidates best-available picks from.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{event_seats, event_sections, price_tiers};
use crate::db::{DbConnection, backend};
use crate::domain::ids::{
    BookingId, EventId, EventSeatId, EventSectionId, SeatId, SectionId, TierId,
};
use crate::domain::venue::SeatStatus;

/// A requested seat as the hold sees it, locked.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = event_seats)]
pub struct SeatLock {
    pub id: EventSeatId,
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
    pub event_section_id: EventSectionId,
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
    ids: &[EventSeatId],
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
    use crate::db::schema::{seats, sections};
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
