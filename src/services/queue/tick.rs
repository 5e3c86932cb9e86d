//! The admission tick (§3.7): once a second per room, one instance at a time. It opens the
//! pre-queue when its time comes, runs the draw two seconds after the sale starts, and then
//! calls tickets: as many as the token bucket of the rate `R` allows and the cap `M` leaves
//! free, moving the cursor over tickets that left without spending a call, and writing one
//! `queue_calls` row when it moved. It closes a sold-out room (auto-close).

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::queue::tick::{self as q, Advance};
use crate::db::queue::{RoomRow, rooms};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::ids::EventId;
use crate::domain::queue::{Phase, calls_allowed, refill};

/// How long after the sale starts the draw runs, so that pre-queue joins in flight at the
/// start have committed (stragglers are numbered on their next join).
pub const DRAW_DELAY: TimeDelta = TimeDelta::seconds(2);

/// What one tick of one room did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickOutcome {
    /// Another instance was ticking the room (PostgreSQL's `SKIP LOCKED`): nothing done.
    pub skipped: bool,
    /// The pre-queue opened.
    pub opened_prequeue: bool,
    /// The draw ran and numbered this many tickets.
    pub drew: Option<i64>,
    /// Tickets called by this tick.
    pub called: i64,
    /// The room closed (sold out).
    pub closed: bool,
}

/// Ticks every room that is enabled and not closed; answers how many tickets were called. When
/// no room is enabled this is one indexed query.
pub fn tick_all(db: &Db, now: NaiveDateTime) -> Result<usize, DbError> {
    let events = db.read(|c| rooms::live_rooms(c).map_err(DbError::Query))?;
    let mut called = 0;
    for event in events {
        called += tick_room(db, event, now)?.called as usize;
    }
    Ok(called)
}

/// One tick of one room, in one write transaction.
pub fn tick_room(db: &Db, event: EventId, now: NaiveDateTime) -> Result<TickOutcome, DbError> {
    db.write(|c| tick_locked(c, event, now).map_err(DbError::Query))
}

fn tick_locked(
    c: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> diesel::QueryResult<TickOutcome> {
    let Some(room) = rooms::lock_for_tick(c, event)? else {
        return Ok(TickOutcome {
            skipped: true,
            ..TickOutcome::default()
        });
    };
    let mut outcome = TickOutcome::default();
    if !room.enabled {
        return Ok(outcome);
    }
    match room.phase {
        Phase::Off => {
            if room.prequeue_opens_at.is_some_and(|t| now >= t) {
                outcome.opened_prequeue =
                    rooms::set_phase(c, event, Phase::Off, Phase::Prequeue, now)?;
            }
        }
        Phase::Prequeue => {
            let starts = rooms::sales_start(c, event)?.flatten();
            if starts.is_none_or(|t| now >= t + DRAW_DELAY) {
                outcome.drew = rooms::draw(c, event, now)?;
            }
        }
        Phase::Open => step(c, &room, now, &mut outcome)?,
        Phase::Closed => {}
    }
    Ok(outcome)
}

/// Slots taken now: turns running (`active`, not run out) and tickets called within the
/// claim window and not claimed (`seq` in `(cursor_at(now − W), cursor]`).
pub(super) fn occupied(
    c: &mut DbConnection,
    room: &RoomRow,
    now: NaiveDateTime,
) -> diesel::QueryResult<(i64, i64)> {
    let window = TimeDelta::seconds(i64::from(room.claim_seconds));
    let active = q::active(c, room.event_id, now)?;
    let before_window = q::cursor_at(c, room.event_id, now - window)?;
    let unclaimed = q::waiting_between(c, room.event_id, before_window, room.cursor)?;
    Ok((active, unclaimed))
}

/// Marks what ran out by `now`: turns past `active_until` become `lapsed`, tickets called more
/// than the grace ago and never claimed become `missed`. (Both are already free by their
/// timestamps; this only tidies.) Answers how many tickets it marked.
pub fn tidy(db: &Db, event: EventId, now: NaiveDateTime) -> Result<usize, DbError> {
    db.write(|c| tidy_in(c, event, now).map_err(DbError::Query))
}

fn tidy_in(c: &mut DbConnection, event: EventId, now: NaiveDateTime) -> diesel::QueryResult<usize> {
    let Some(room) = rooms::find(c, event)? else {
        return Ok(0);
    };
    let grace = TimeDelta::minutes(i64::from(room.grace_minutes));
    let lapsed = q::lapse_expired(c, event, now)?;
    // Strictly more than the grace ago: a claim exactly at the grace is still honoured.
    let missed_upto = q::cursor_at(c, event, now - grace - TimeDelta::microseconds(1))?;
    Ok(lapsed + q::miss_unclaimed(c, event, missed_upto, now)?)
}

fn step(
    c: &mut DbConnection,
    room: &RoomRow,
    now: NaiveDateTime,
    outcome: &mut TickOutcome,
) -> diesel::QueryResult<()> {
    let event = room.event_id;
    tidy_in(c, event, now)?;
    let inventory = q::inventory(c, event)?;
    let sells = inventory.sections > 0;
    if room.auto_close && sells && inventory.unsold <= 0 {
        // Nothing left and nothing held that could come back: nobody more is called.
        outcome.closed = rooms::set_phase(c, event, Phase::Open, Phase::Closed, now)?;
        q::note_seats_left(c, event, inventory.free.max(0))?;
        return Ok(());
    }
    let (active, unclaimed) = occupied(c, room, now)?;
    let last = room.last_tick_at.unwrap_or(now);
    let mut advance = Advance {
        from_cursor: room.cursor,
        to_cursor: room.cursor,
        allowance: room.allowance,
        active,
        called_unclaimed: unclaimed,
        seats_left: sells.then_some(inventory.free.max(0)),
    };
    if !room.paused {
        let allowance = room
            .rate_per_minute
            .map(|r| refill(room.allowance, r, now - last));
        let n = calls_allowed(allowance, room.max_active, active + unclaimed);
        let seqs = q::next_waiting(c, event, room.cursor, n)?;
        let calls = seqs.len() as i64;
        advance.to_cursor = seqs.last().copied().unwrap_or(room.cursor);
        advance.allowance = allowance.map_or(0.0, |a| (a - calls as f64).max(0.0));
        advance.called_unclaimed += calls;
        outcome.called = calls;
    }
    // The tick's time never goes backwards (a late instance's tick adds nothing).
    q::advance(c, event, &advance, now.max(last))?;
    Ok(())
}
