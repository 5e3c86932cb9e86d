//! Giving holds back: a basket that ends (cancelled, or run out and swept), or one seat or one
//! standing line taken out of it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::given_back::{GivenBack, record_releases};
use crate::db::schema::{booking_items, bookings, event_seats, event_sections};
use crate::db::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{
    BookingId, BookingItemId, EventId, EventSeatId, EventSectionId, SeatId, UserId,
};
use crate::domain::venue::SeatStatus;

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
    let rows: Vec<(EventSeatId, EventId, SeatId)> =
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
    let places: Vec<(Option<EventSectionId>, i32, EventId)> = booking_items::table
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
