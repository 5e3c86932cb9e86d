//! Claiming a called turn (§3.8): within the claim window always, within the grace while a
//! slot is free (a late return), after it the ticket is `missed`.

use chrono::{NaiveDateTime, TimeDelta};

use super::{QueueError, tick};
use crate::db::queue::{rooms, tickets};
use crate::db::{Db, DbConnection};
use crate::domain::ids::{QueueTicketId, UserId};
use crate::domain::queue::TicketState;

/// What a claim came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The turn runs until `active_until`; `late`: claimed after the claim window, within the
    /// grace, while a slot was free.
    Admitted {
        active_until: NaiveDateTime,
        late: bool,
    },
    /// Not called yet (no number, or the cursor is not there).
    NotCalled,
    /// Called more than the claim window ago and within the grace, but every slot is taken:
    /// try again (the next tick may free one).
    NoSlotYet,
    /// Called more than the grace ago: the ticket is now `missed` and may rejoin at the back.
    Missed,
    /// The ticket is not waiting (it left, was missed, its turn ended).
    Ended(TicketState),
}

/// Claims a called ticket's turn (§3.8) with one guarded update: within the claim window `W`
/// always; within the grace `G` only while a slot is free (a late return); after `G` the ticket
/// is `missed`. Claiming an active turn again answers the same turn.
pub fn claim(db: &Db, id: QueueTicketId, now: NaiveDateTime) -> Result<Claim, QueueError> {
    db.write(|c| claim_in(c, id, now))
}

/// [`claim`] by a signed-in account: a ticket joined without one (a room that does not
/// require an account) is bound to it first, since only an account can hold; a ticket of
/// another account is not this visitor's to claim.
pub fn claim_as(
    db: &Db,
    id: QueueTicketId,
    user: UserId,
    now: NaiveDateTime,
) -> Result<Claim, QueueError> {
    db.write(|c| {
        let t = tickets::find(c, id)?.ok_or(QueueError::NoTicket)?;
        match t.user_id {
            Some(owner) if owner != user => return Err(QueueError::NoTicket),
            Some(_) => {}
            None => {
                if tickets::find_for_user(c, t.event_id, user)?.is_some() {
                    return Err(QueueError::Invalid(
                        "this account already has a place in this queue",
                    ));
                }
                tickets::attach_user(c, id, user)?;
            }
        }
        claim_in(c, id, now)
    })
}

fn claim_in(
    c: &mut DbConnection,
    id: QueueTicketId,
    now: NaiveDateTime,
) -> Result<Claim, QueueError> {
    let t = tickets::find(c, id)?.ok_or(QueueError::NoTicket)?;
    match (t.state, t.active_until) {
        (TicketState::Active, Some(until)) if until > now => {
            return Ok(Claim::Admitted {
                active_until: until,
                late: false,
            });
        }
        (TicketState::Active, _) => return Ok(Claim::Ended(TicketState::Lapsed)),
        (TicketState::Waiting, _) => {}
        (state, _) => return Ok(Claim::Ended(state)),
    }
    let room = rooms::find(c, t.event_id)?.ok_or(QueueError::NoRoom)?;
    let Some(seq) = t.seq.filter(|&s| s <= room.cursor) else {
        return Ok(Claim::NotCalled);
    };
    let Some(called) = crate::db::queue::tick::called_at(c, t.event_id, seq)? else {
        return Ok(Claim::NotCalled);
    };
    let waited = now - called;
    let until = now + TimeDelta::minutes(i64::from(room.admission_minutes));
    let late = waited >= TimeDelta::seconds(i64::from(room.claim_seconds));
    if waited > TimeDelta::minutes(i64::from(room.grace_minutes)) {
        tickets::end(c, id, &[TicketState::Waiting], TicketState::Missed, now)?;
        return Ok(Claim::Missed);
    }
    if late {
        // A late return takes a free slot: counted with the room locked, as the tick does.
        let room = rooms::lock(c, t.event_id)?.ok_or(QueueError::NoRoom)?;
        let (active, unclaimed) = tick::occupied(c, &room, now)?;
        if room
            .max_active
            .is_some_and(|m| active + unclaimed >= i64::from(m))
        {
            return Ok(Claim::NoSlotYet);
        }
    }
    match tickets::claim(c, id, room.cursor, now, until)? {
        true => Ok(Claim::Admitted {
            active_until: until,
            late,
        }),
        false => Ok(Claim::Ended(
            tickets::find(c, id)?.map_or(TicketState::Left, |t| t.state),
        )),
    }
}
