//! Giving holds back: a basket that ends (cancelled, or run out and swept), or one seat or one
//! standing line taken out of it.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::given_back::{GivenBack, Release, record_many, record_releases};
use crate::db::schema::{booking_items, bookings, event_seats, event_sections};
use crate::db::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{
    BookingId, BookingItemId, EventId, EventSeatId, EventSectionId, SeatId, UserId,
};
use crate::domain::venue::SeatStatus;

/// Pending bookings whose hold ran out, oldest first and by id among equals (the sweeper's
/// batch, in an order that is the same on both databases).
pub fn expired_pending(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<BookingId>> {
    bookings::table
        .filter(bookings::status.eq(BookingStatus::Pending))
        .filter(bookings::expires_at.le(now))
        .order((bookings::expires_at, bookings::id))
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

/// How many bookings one statement of [`end_pending`] names (SQLite binds each id).
const END_CHUNK: usize = 500;

/// Ends pending bookings (`pending` → `to`, guarded; for `expired`, only those whose hold ran
/// out) and gives their seats and places back. Bookings no longer pending are left alone.
/// Set-based: a handful of statements per chunk of bookings, however many there are (a hold
/// that ends thousands of unswept expired holds does not do it one booking at a time, issue 18).
pub fn end_pending(
    conn: &mut DbConnection,
    ids: &[BookingId],
    to: BookingStatus,
    now: NaiveDateTime,
) -> QueryResult<Released> {
    let mut released = Released::default();
    for chunk in ids.chunks(END_CHUNK) {
        released.extend(end_chunk(conn, chunk, to, now)?);
    }
    Ok(released)
}

fn end_chunk(
    conn: &mut DbConnection,
    ids: &[BookingId],
    to: BookingStatus,
    now: NaiveDateTime,
) -> QueryResult<Released> {
    let base = bookings::table
        .filter(bookings::id.eq_any(ids))
        .filter(bookings::status.eq(BookingStatus::Pending));
    let ended: Vec<(BookingId, UserId, NaiveDateTime)> = match to {
        BookingStatus::Expired => diesel::update(base.filter(bookings::expires_at.le(now)))
            .set((bookings::status.eq(to), bookings::updated_at.eq(now)))
            .returning((bookings::id, bookings::user_id, bookings::expires_at))
            .get_results(conn)?,
        BookingStatus::Cancelled => diesel::update(base)
            .set((
                bookings::status.eq(to),
                bookings::cancelled_at.eq(Some(now)),
                bookings::updated_at.eq(now),
            ))
            .returning((bookings::id, bookings::user_id, bookings::expires_at))
            .get_results(conn)?,
        _ => Vec::new(),
    };
    if ended.is_empty() {
        return Ok(Released::default());
    }
    // A hold that ran out was given back when it ran out (the sweeper may come later).
    let owners: HashMap<BookingId, (UserId, NaiveDateTime)> = ended
        .iter()
        .map(|&(id, owner, expires_at)| {
            let at = match to {
                BookingStatus::Expired => expires_at.min(now),
                _ => now,
            };
            (id, (owner, at))
        })
        .collect();
    // In the order asked for (the callers queue emails in it).
    let ended: Vec<BookingId> = ids
        .iter()
        .copied()
        .filter(|id| owners.contains_key(id))
        .collect();
    let mut released = release_items(conn, &ended, &owners, now)?;
    released.ended = ended;
    Ok(released)
}

/// Gives back everything these bookings hold: their seats become available, their standing
/// places return to their counters, and their items stop being live. `owners`: each booking's
/// owner and when it gave its hold back.
fn release_items(
    conn: &mut DbConnection,
    ended: &[BookingId],
    owners: &HashMap<BookingId, (UserId, NaiveDateTime)>,
    now: NaiveDateTime,
) -> QueryResult<Released> {
    let held_by_ended = || {
        event_seats::table
            .filter(event_seats::booking_id.eq_any(ended.iter().map(|b| Some(*b))))
            .filter(event_seats::status.eq(SeatStatus::Held))
    };
    // Lock the seats first, in id order, as a hold does, before any counter row: a release
    // and a hold then take their locks in the same order and cannot wait on each other in a
    // cycle (seat, then the section's counter that the seat trigger updates).
    let query = held_by_ended().order(event_seats::id).select((
        event_seats::id,
        event_seats::event_id,
        event_seats::seat_id,
        event_seats::booking_id,
    ));
    let rows: Vec<(EventSeatId, EventId, SeatId, Option<BookingId>)> =
        backend::load_locked(conn, query, QueryDsl::for_update)?;
    let mut given_back: Vec<(BookingId, GivenBack)> = rows
        .iter()
        .filter_map(|&(event_seat, event, _, booking)| {
            Some((booking?, GivenBack::Seat { event, event_seat }))
        })
        .collect();
    let seats: Vec<(EventId, SeatId)> = rows.iter().map(|&(_, e, s, _)| (e, s)).collect();
    if !rows.is_empty() {
        diesel::update(held_by_ended())
            .set((
                event_seats::status.eq(SeatStatus::Available),
                event_seats::booking_id.eq(None::<BookingId>),
                event_seats::held_until.eq(None::<NaiveDateTime>),
                event_seats::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    let places: Vec<(BookingId, Option<EventSectionId>, i32, EventId)> = booking_items::table
        .filter(booking_items::booking_id.eq_any(ended))
        .filter(booking_items::active.eq(true))
        .filter(booking_items::event_section_id.is_not_null())
        .order(booking_items::id)
        .select((
            booking_items::booking_id,
            booking_items::event_section_id,
            booking_items::quantity,
            booking_items::event_id,
        ))
        .load(conn)?;
    // One guarded-free update per section (in id order), whatever the number of lines.
    let mut per_section: BTreeMap<EventSectionId, i32> = BTreeMap::new();
    let mut standing_events = Vec::new();
    for &(booking, section, quantity, event) in &places {
        if let Some(section) = section {
            *per_section.entry(section).or_default() += quantity;
            if !standing_events.contains(&event) {
                standing_events.push(event);
            }
            given_back.push((
                booking,
                GivenBack::Places {
                    event,
                    event_section: section,
                    quantity,
                },
            ));
        }
    }
    for (section, quantity) in per_section {
        diesel::update(event_sections::table.filter(event_sections::id.eq(section)))
            .set((
                event_sections::held.eq(event_sections::held - quantity),
                event_sections::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    let releases: Vec<Release> = given_back
        .into_iter()
        .filter_map(|(booking, given_back)| {
            let &(owner, at) = owners.get(&booking)?;
            Some(Release {
                user: owner,
                booking,
                given_back,
                at,
            })
        })
        .collect();
    record_many(conn, &releases)?;
    diesel::update(
        booking_items::table
            .filter(booking_items::booking_id.eq_any(ended))
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
    let row: Option<EventSeatId> = event_seats::table
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
    item: BookingItemId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let line: Option<(Option<EventSectionId>, i32)> = booking_items::table
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
