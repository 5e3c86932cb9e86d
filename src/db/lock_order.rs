//! The one order in which every write that moves inventory takes its locks on PostgreSQL
//! (issue 16: deadlocks on the per-section counter rows).
//!
//! The seated counters of `event_sections` are kept by a trigger on `event_seats`: each seat
//! that changes status updates its section's row, so a statement that changes seats in several
//! sections takes those rows' locks in whatever order it meets the seats, and an expired basket
//! being ended inside someone else's hold takes the rows of *its* sections in the middle of the
//! hold. Two such transactions could wait on each other in a cycle, which PostgreSQL breaks by
//! failing one of them ("deadlock detected").
//!
//! The rule: a write transaction that changes seats or places first locks **every
//! `event_sections` row it will touch, `ORDER BY id FOR UPDATE`**, before any seat or booking
//! row. Section rows are then only ever waited for in one global order (ascending id), and
//! every lock taken after them is taken while holding the section locks, so two writes that
//! share a section cannot interleave at all. The event row (`FOR KEY SHARE` by a hold,
//! `FOR UPDATE` by an event cancel) comes before the sections.
//!
//! A hold then locks the buyer's `users` row (`FOR NO KEY UPDATE`, db::holds::event_and_account_for_hold),
//! still before any section: two holds of one account (on any events) take turns, so what it
//! may hold (issue 16: the unverified-account cap, the per-event cap per account) is counted
//! by one at a time. Nothing takes that lock after a section lock: cancels, releases, the
//! sweeper, payments and refunds never lock a user row, and the `KEY SHARE` locks their
//! foreign-key checks take (an email queued for the account) do not conflict with it.
//! (`hold_releases`, written by those paths, has no foreign keys for the same reason.)
//! So the order is: event row, user row, section rows (ascending id), then seats and bookings.
//!
//! Which rows: a hold locks the sections of the seats it asks for, of the standing area, and of
//! every run-out basket it will end on the way (its own, and those whose seats it takes over);
//! a cancel or the sweeper locks the sections of the bookings it ends; payments, refunds and
//! admin changes lock all of the event's sections (they are rare next to holds).
//!
//! SQLite has one writer at a time (`BEGIN IMMEDIATE`): every function here is a no-op there.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{booking_items, bookings, event_seats, event_sections};
use super::{DbConnection, backend};
use crate::domain::ids::{BookingId, EventId, EventSectionId, SeatId, SectionId};
use crate::domain::venue::SeatStatus;

/// `event_sections` ids, as a set (so they are taken once each, in id order).
pub type SectionLocks = BTreeSet<EventSectionId>;

/// Locks these `event_sections` rows, `ORDER BY id FOR UPDATE`.
pub fn lock_sections(conn: &mut DbConnection, ids: &SectionLocks) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<EventSectionId> = ids.iter().copied().collect();
    let query = event_sections::table
        .filter(event_sections::id.eq_any(ids))
        .order(event_sections::id)
        .select(event_sections::id);
    backend::lock_rows::<_, _, EventSectionId>(conn, query, QueryDsl::for_update)
}

/// Every section row of these events (payments, refunds, event cancels, admin changes).
pub fn sections_of_events(
    conn: &mut DbConnection,
    events: &[EventId],
) -> QueryResult<SectionLocks> {
    if !backend::takes_row_locks(conn) || events.is_empty() {
        return Ok(SectionLocks::new());
    }
    let ids: Vec<EventSectionId> = event_sections::table
        .filter(event_sections::event_id.eq_any(events))
        .select(event_sections::id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// Locks every section row of the event (see [`sections_of_events`]).
pub fn lock_event_sections(conn: &mut DbConnection, event: EventId) -> QueryResult<()> {
    let ids = sections_of_events(conn, &[event])?;
    lock_sections(conn, &ids)
}

/// The section row of a section of the event, if it is on sale.
pub fn section_of(
    conn: &mut DbConnection,
    event: EventId,
    section: SectionId,
) -> QueryResult<SectionLocks> {
    if !backend::takes_row_locks(conn) {
        return Ok(SectionLocks::new());
    }
    let ids: Vec<EventSectionId> = event_sections::table
        .filter(event_sections::event_id.eq(event))
        .filter(event_sections::section_id.eq(section))
        .select(event_sections::id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// The section rows of these seats of the event (a seat never changes section), and the
/// run-out pending bookings that hold any of them now, in one statement (read without a lock:
/// the hold checks again once it has the seats).
pub fn sections_and_stale_holders_of_seats(
    conn: &mut DbConnection,
    event: EventId,
    seats: &[SeatId],
    now: NaiveDateTime,
) -> QueryResult<(SectionLocks, Vec<BookingId>)> {
    if !backend::takes_row_locks(conn) || seats.is_empty() {
        return Ok((SectionLocks::new(), Vec::new()));
    }
    let rows: Vec<(
        EventSectionId,
        SeatStatus,
        Option<NaiveDateTime>,
        Option<BookingId>,
    )> = event_seats::table
        .inner_join(
            event_sections::table.on(event_sections::event_id
                .eq(event_seats::event_id)
                .and(event_sections::section_id.eq(event_seats::section_id))),
        )
        .filter(event_seats::event_id.eq(event))
        .filter(event_seats::seat_id.eq_any(seats))
        .select((
            event_sections::id,
            event_seats::status,
            event_seats::held_until,
            event_seats::booking_id,
        ))
        .load(conn)?;
    let sections = rows.iter().map(|r| r.0).collect();
    let mut stale: Vec<BookingId> = rows
        .iter()
        .filter(|r| r.1 == SeatStatus::Held && r.2.is_some_and(|until| until <= now))
        .filter_map(|r| r.3)
        .collect();
    stale.sort();
    stale.dedup();
    Ok((sections, stale))
}

/// Every section row in which these bookings hold or own seats or places.
pub fn sections_of_bookings(
    conn: &mut DbConnection,
    ids: &[BookingId],
) -> QueryResult<SectionLocks> {
    if !backend::takes_row_locks(conn) || ids.is_empty() {
        return Ok(SectionLocks::new());
    }
    let mut found: SectionLocks = event_seats::table
        .inner_join(
            event_sections::table.on(event_sections::event_id
                .eq(event_seats::event_id)
                .and(event_sections::section_id.eq(event_seats::section_id))),
        )
        .filter(event_seats::booking_id.eq_any(ids.iter().map(|b| Some(*b))))
        .select(event_sections::id)
        .distinct()
        .load::<EventSectionId>(conn)?
        .into_iter()
        .collect();
    let places: Vec<Option<EventSectionId>> = booking_items::table
        .filter(booking_items::booking_id.eq_any(ids))
        .filter(booking_items::active.eq(true))
        .filter(booking_items::event_section_id.is_not_null())
        .select(booking_items::event_section_id)
        .distinct()
        .load(conn)?;
    found.extend(places.into_iter().flatten());
    Ok(found)
}

/// Locks the section rows of these bookings, then the booking rows themselves. Taken before
/// the bookings are ended. A hold adding to a basket locks its row too, so once the rows are
/// held the bookings' sections cannot change; any a hold added between the first look and
/// the locks are locked then (rare, and after the others, so PostgreSQL may have to break a
/// cycle there, which the callers retry).
pub fn lock_for_bookings(conn: &mut DbConnection, ids: &[BookingId]) -> QueryResult<()> {
    if !backend::takes_row_locks(conn) || ids.is_empty() {
        return Ok(());
    }
    let sections = sections_of_bookings(conn, ids)?;
    lock_sections(conn, &sections)?;
    let query = bookings::table
        .filter(bookings::id.eq_any(ids))
        .order(bookings::id)
        .select(bookings::id);
    backend::lock_rows::<_, _, BookingId>(conn, query, QueryDsl::for_update)?;
    let now_held = sections_of_bookings(conn, ids)?;
    let more: SectionLocks = now_held.difference(&sections).copied().collect();
    lock_sections(conn, &more)
}

/// Locks every section row of the events of these bookings (a payment, a refund).
pub fn lock_events_of_bookings(conn: &mut DbConnection, ids: &[BookingId]) -> QueryResult<()> {
    if !backend::takes_row_locks(conn) || ids.is_empty() {
        return Ok(());
    }
    let events: Vec<EventId> = bookings::table
        .filter(bookings::id.eq_any(ids))
        .select(bookings::event_id)
        .distinct()
        .load(conn)?;
    let sections = sections_of_events(conn, &events)?;
    lock_sections(conn, &sections)
}
