//! A pre-queue ticket learns its number after the draw (§3.5, §3.6): its first poll reads the
//! ticket by primary key; a straggler (its insert committed after the draw's snapshot) is
//! numbered then, at the back.

use chrono::NaiveDateTime;

use super::QueueError;
use crate::db::Db;
use crate::db::queue::{TicketRow, rooms, tickets};
use crate::domain::ids::QueueTicketId;
use crate::domain::queue::TicketState;

/// The ticket with its number, numbering a straggler; `None` when it has ended (left,
/// missed, its turn over) or does not exist.
pub fn number_after_draw(
    db: &Db,
    id: QueueTicketId,
    now: NaiveDateTime,
) -> Result<Option<TicketRow>, QueueError> {
    let found = db.read(|c| Ok::<_, QueueError>(tickets::find(c, id)?))?;
    let Some(t) = found else {
        return Ok(None);
    };
    let running = t.state == TicketState::Active && t.active_until.is_some_and(|u| u > now);
    if t.state != TicketState::Waiting && !running {
        return Ok(None);
    }
    if t.seq.is_some() {
        return Ok(Some(t));
    }
    db.write(|c| {
        if !tickets::room_is_open(c, t.event_id)? {
            return Ok(Some(t.clone()));
        }
        if let Some(seq) = rooms::take_number(c, t.event_id)? {
            tickets::number(c, id, seq)?;
        }
        Ok(tickets::find(c, id)?.filter(|t| t.state == TicketState::Waiting || t.seq.is_some()))
    })
}
