//! What the admission tick (§3.7) reads and writes, with the room locked: the two counts that
//! make up the occupied slots (each bounded by about `M` rows through `(event_id, state, seq)`),
//! the call log, the cursor, and the tidy-up of turns that ran out and calls never claimed.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{event_sections, queue_calls, queue_tickets, waiting_rooms};
use crate::domain::ids::EventId;
use crate::domain::queue::TicketState;

/// Turns running now: `active` with `active_until > now` (a turn that ran out is lapsed by its
/// timestamp alone, before the tidy-up marks it).
pub fn active(conn: &mut DbConnection, event: EventId, now: NaiveDateTime) -> QueryResult<i64> {
    queue_tickets::table
        .filter(queue_tickets::event_id.eq(event))
        .filter(queue_tickets::state.eq(TicketState::Active))
        .filter(queue_tickets::active_until.gt(now))
        .count()
        .get_result(conn)
}

/// The cursor as it stood at `at`: the end of the last call made by then (0 before any).
pub fn cursor_at(conn: &mut DbConnection, event: EventId, at: NaiveDateTime) -> QueryResult<i64> {
    Ok(queue_calls::table
        .filter(queue_calls::event_id.eq(event))
        .filter(queue_calls::called_at.le(at))
        .order(queue_calls::to_seq.desc())
        .select(queue_calls::to_seq)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0))
}

/// Waiting tickets with `after < seq <= upto`: called and not claimed, when `after` is the
/// cursor one claim window ago.
pub fn waiting_between(
    conn: &mut DbConnection,
    event: EventId,
    after: i64,
    upto: i64,
) -> QueryResult<i64> {
    if upto <= after {
        return Ok(0);
    }
    queue_tickets::table
        .filter(queue_tickets::event_id.eq(event))
        .filter(queue_tickets::state.eq(TicketState::Waiting))
        .filter(queue_tickets::seq.gt(after))
        .filter(queue_tickets::seq.le(upto))
        .count()
        .get_result(conn)
}

/// The seqs of the next `n` waiting tickets after the cursor, in order (those that left are
/// not among them: the cursor passes them without spending a call).
pub fn next_waiting(
    conn: &mut DbConnection,
    event: EventId,
    cursor: i64,
    n: i64,
) -> QueryResult<Vec<i64>> {
    if n <= 0 {
        return Ok(Vec::new());
    }
    queue_tickets::table
        .filter(queue_tickets::event_id.eq(event))
        .filter(queue_tickets::state.eq(TicketState::Waiting))
        .filter(queue_tickets::seq.gt(cursor))
        .order(queue_tickets::seq)
        .limit(n)
        .select(queue_tickets::seq.assume_not_null())
        .load(conn)
}

/// When `seq` was called (the call whose range holds it); `None`: not called.
pub fn called_at(
    conn: &mut DbConnection,
    event: EventId,
    seq: i64,
) -> QueryResult<Option<NaiveDateTime>> {
    queue_calls::table
        .filter(queue_calls::event_id.eq(event))
        .filter(queue_calls::to_seq.ge(seq))
        .filter(queue_calls::from_seq.le(seq))
        .order(queue_calls::to_seq)
        .select(queue_calls::called_at)
        .first(conn)
        .optional()
}

/// One moving tick: the call `from..=to` at `at`, the new cursor, what is left in the bucket
/// and the counts, guarded on the cursor it started from.
#[derive(Debug, Clone, Copy)]
pub struct Advance {
    pub from_cursor: i64,
    pub to_cursor: i64,
    pub allowance: f64,
    pub active: i64,
    pub called_unclaimed: i64,
    pub seats_left: Option<i64>,
}

pub fn advance(
    conn: &mut DbConnection,
    event: EventId,
    step: &Advance,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let moved = step.to_cursor > step.from_cursor;
    if moved {
        diesel::insert_into(queue_calls::table)
            .values((
                queue_calls::event_id.eq(event),
                queue_calls::from_seq.eq(step.from_cursor + 1),
                queue_calls::to_seq.eq(step.to_cursor),
                queue_calls::called_at.eq(at),
            ))
            .execute(conn)?;
    }
    let changed = diesel::update(
        waiting_rooms::table
            .find(event)
            .filter(waiting_rooms::cursor.eq(step.from_cursor)),
    )
    .set((
        waiting_rooms::cursor.eq(step.to_cursor),
        waiting_rooms::allowance.eq(step.allowance),
        waiting_rooms::last_tick_at.eq(at),
        waiting_rooms::stats_active.eq(step.active),
        waiting_rooms::stats_called_unclaimed.eq(step.called_unclaimed),
        waiting_rooms::stats_seats_left.eq(step.seats_left),
        waiting_rooms::version.eq(waiting_rooms::version + i64::from(moved)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// What is left of the event's inventory by its section counters: how many sections it sells,
/// places neither sold nor blocked (held ones may still come back), and places free now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inventory {
    pub sections: i64,
    pub unsold: i64,
    pub free: i64,
}

/// One aggregate over the event's `event_sections` rows (a few per event).
pub fn inventory(conn: &mut DbConnection, event: EventId) -> QueryResult<Inventory> {
    let (sections, unsold, free): (i64, Option<i64>, Option<i64>) = event_sections::table
        .filter(event_sections::event_id.eq(event))
        .select((
            count_star(),
            sum(event_sections::capacity - event_sections::sold - event_sections::blocked),
            sum(event_sections::capacity
                - event_sections::held
                - event_sections::sold
                - event_sections::blocked),
        ))
        .first(conn)?;
    Ok(Inventory {
        sections,
        unsold: unsold.unwrap_or(0),
        free: free.unwrap_or(0),
    })
}

/// Tidy-up: turns that ran out by `now` become `lapsed` (ended when they ran out).
pub fn lapse_expired(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        queue_tickets::table
            .filter(queue_tickets::event_id.eq(event))
            .filter(queue_tickets::state.eq(TicketState::Active))
            .filter(queue_tickets::active_until.le(now)),
    )
    .set((
        queue_tickets::state.eq(TicketState::Lapsed),
        queue_tickets::ended_at.eq(queue_tickets::active_until),
    ))
    .execute(conn)
}

/// Tidy-up: waiting tickets called at or before `upto` (the cursor one grace period ago) were
/// never claimed in time: `missed`.
pub fn miss_unclaimed(
    conn: &mut DbConnection,
    event: EventId,
    upto: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    if upto <= 0 {
        return Ok(0);
    }
    diesel::update(
        queue_tickets::table
            .filter(queue_tickets::event_id.eq(event))
            .filter(queue_tickets::state.eq(TicketState::Waiting))
            .filter(queue_tickets::seq.le(upto)),
    )
    .set((
        queue_tickets::state.eq(TicketState::Missed),
        queue_tickets::ended_at.eq(now),
    ))
    .execute(conn)
}

/// Records how many places are left (the room's `stats_seats_left`), as a closing tick leaves
/// it: what the waiting pages read to say "sold out".
pub fn note_seats_left(conn: &mut DbConnection, event: EventId, left: i64) -> QueryResult<()> {
    diesel::update(waiting_rooms::table.find(event))
        .set(waiting_rooms::stats_seats_left.eq(Some(left)))
        .execute(conn)
        .map(|_| ())
}
