//! Passthrough when idle (§3.4, check B6): when a room is open, nobody waits, no pause and a
//! slot is free, opening the seat map joins and claims in one transaction, so the buyer never
//! sees the waiting page. The same room is both the scheduled on-sale queue and the
//! always-on safety net. The call it makes is an ordinary one: it takes a number at the back
//! (the next to call), spends one call of the rate's bucket, moves the cursor with a
//! `queue_calls` row, and claims, with the room locked as the tick locks it.

use chrono::{NaiveDateTime, TimeDelta};

use super::{QueueError, join_in, tick};
use crate::db::Db;
use crate::db::queue::tick::{self as q, Advance};
use crate::db::queue::{rooms, tickets};
use crate::domain::ids::{EventId, QueueTicketId, UserId};
use crate::domain::queue::{Phase, TicketState, refill};

/// A turn given at once: the ticket and when the turn ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassedThrough {
    pub ticket: QueueTicketId,
    pub seq: i64,
    pub until: NaiveDateTime,
}

/// Gives `user` a turn at once if the room is idle; `None` when it is not (the buyer queues).
pub fn pass_through(
    db: &Db,
    event: EventId,
    user: UserId,
    now: NaiveDateTime,
) -> Result<Option<PassedThrough>, QueueError> {
    db.write(|c| {
        let Some(room) = rooms::lock(c, event)? else {
            return Ok(None);
        };
        if !room.enabled || room.phase != Phase::Open || room.paused || room.cursor < room.issued {
            return Ok(None);
        }
        if let Some(t) = tickets::find_for_user(c, event, user)?
            && !t.state.may_rejoin()
            && !(t.state == TicketState::Active && t.active_until.is_some_and(|u| u <= now))
        {
            // Already waiting or admitted: the usual way (their page claims a called ticket).
            return Ok(None);
        }
        let (active, unclaimed) = tick::occupied(c, &room, now)?;
        if room
            .max_active
            .is_some_and(|m| active + unclaimed >= i64::from(m))
        {
            return Ok(None);
        }
        let last = room.last_tick_at.unwrap_or(now);
        let allowance = room
            .rate_per_minute
            .map(|r| refill(room.allowance, r, now - last));
        if allowance.is_some_and(|a| a < 1.0) {
            return Ok(None);
        }
        let joined = join_in(c, event, Some(user), now)?;
        let Some(seq) = joined.ticket.seq.filter(|s| *s == room.cursor + 1) else {
            return Ok(None);
        };
        let step = Advance {
            from_cursor: room.cursor,
            to_cursor: seq,
            allowance: allowance.map_or(0.0, |a| a - 1.0),
            active: active + 1,
            called_unclaimed: unclaimed,
            seats_left: room.stats_seats_left,
        };
        if !q::advance(c, event, &step, now.max(last))? {
            return Ok(None);
        }
        let until = now + TimeDelta::minutes(i64::from(room.admission_minutes));
        match tickets::claim(c, joined.ticket.id, seq, now, until)? {
            true => Ok(Some(PassedThrough {
                ticket: joined.ticket.id,
                seq,
                until,
            })),
            false => Ok(None),
        }
    })
}
