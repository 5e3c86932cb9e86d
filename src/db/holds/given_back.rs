//! What an account gave back, so it may not hold the same seats or places again until the re-hold
//! cooldown has passed (issue 16, denial of inventory).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::event_seats;
use crate::db::{DbConnection, backend};
use crate::domain::ids::{BookingId, EventId, EventSeatId, EventSectionId, SeatId, UserId};

/// Something an account gave back (cancelled, released or let run out): the same account may
/// not hold it again until the re-hold cooldown has passed (issue 16, denial of inventory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GivenBack {
    Seat {
        event: EventId,
        event_seat: EventSeatId,
    },
    Places {
        event: EventId,
        event_section: EventSectionId,
        quantity: i32,
    },
}

/// One thing given back: by whom, from which basket, when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    pub user: UserId,
    pub booking: BookingId,
    pub given_back: GivenBack,
    pub at: NaiveDateTime,
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
    let releases: Vec<Release> = given_back
        .iter()
        .map(|&given_back| Release {
            user,
            booking,
            given_back,
            at: now,
        })
        .collect();
    record_many(conn, &releases)
}

/// Rows per insert of [`record_many`] (SQLite binds each value: 7 a row).
const RECORD_CHUNK: usize = 1_000;

/// Notes what was given back, in the caller's transaction (one statement per thousand rows).
pub fn record_many(conn: &mut DbConnection, releases: &[Release]) -> QueryResult<()> {
    use crate::db::schema::hold_releases as hr;
    for chunk in releases.chunks(RECORD_CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|r| {
                let (event, seat, section, quantity) = match r.given_back {
                    GivenBack::Seat { event, event_seat } => (event, Some(event_seat), None, 1),
                    GivenBack::Places {
                        event,
                        event_section,
                        quantity,
                    } => (event, None, Some(event_section), quantity),
                };
                (
                    hr::user_id.eq(r.user),
                    hr::event_id.eq(event),
                    hr::booking_id.eq(r.booking.0),
                    hr::event_seat_id.eq(seat),
                    hr::event_section_id.eq(section),
                    hr::quantity.eq(quantity),
                    hr::released_at.eq(r.at),
                )
            })
            .collect();
        backend::execute(conn, diesel::insert_into(hr::table).values(&rows))?;
    }
    Ok(())
}

/// The latest time `user` gave back any of these `event_seats` rows after `since`, from a
/// basket other than `basket` (the live one they would go back into, if any).
pub fn seats_given_back_since(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    basket: Option<BookingId>,
    event_seats: &[EventSeatId],
    since: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    use crate::db::schema::hold_releases as hr;
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
    event_section: EventSectionId,
    since: NaiveDateTime,
) -> QueryResult<Option<(i32, NaiveDateTime)>> {
    use crate::db::schema::hold_releases as hr;
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

/// Forgets what was given back at or before `before` (the sweeper).
pub fn purge_releases(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    use crate::db::schema::hold_releases as hr;
    diesel::delete(hr::table.filter(hr::released_at.le(before))).execute(conn)
}

/// The seats of the event `user` gave back after `since` (best-available leaves them out).
pub fn seats_given_back_by(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    since: NaiveDateTime,
) -> QueryResult<Vec<SeatId>> {
    use crate::db::schema::hold_releases as hr;
    let rows: Vec<Option<EventSeatId>> = hr::table
        .filter(hr::user_id.eq(user))
        .filter(hr::event_id.eq(event))
        .filter(hr::released_at.gt(since))
        .filter(hr::event_seat_id.is_not_null())
        .select(hr::event_seat_id)
        .load(conn)?;
    let ids: Vec<EventSeatId> = rows.into_iter().flatten().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    event_seats::table
        .filter(event_seats::id.eq_any(ids))
        .select(event_seats::seat_id)
        .load(conn)
}
