//! The waiting room's rules (issue 20, shared/WAITING_ROOM.md): configuring a room, joining
//! (idempotent per account), claiming a called turn, leaving, finishing a turn, and the
//! admission tick with the draw (`tick`). No web pages yet: the admission token and the gate
//! in front of the seat map and the holds come next.
//!
//! - A ticket is *called* when its seq is at or below the room's cursor; the call log says
//!   when. A called ticket holds a slot for the claim window `W`; a claim within `W` always
//!   succeeds, a late one (within the grace `G`) only while there is a free slot, and after `G`
//!   the ticket is `missed` and may rejoin at the back.
//! - An `active` turn counts until `active_until`, by timestamp alone; the tick's tidy-up only
//!   marks it `lapsed` afterwards.

pub mod admin;
pub mod board;
mod claims;
mod numbering;
mod passthrough;
pub mod status;
mod tick;

use chrono::NaiveDateTime;

use crate::db::queue::rooms::{self, RoomSettingsRow};
use crate::db::queue::{RoomRow, TicketRow, tickets};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::ids::{EventId, QueueTicketId, UserId};
use crate::domain::queue::{OrderMode, Phase, TicketState};

pub use claims::{Claim, claim, claim_as};
pub use numbering::number_after_draw;
pub use passthrough::{PassedThrough, pass_through};
pub use tick::{TickOutcome, tick_all, tick_room, tidy};

/// A room's settings, as an admin sets them (all at once).
pub type RoomSettings = RoomSettingsRow;

/// The design's defaults (§3.3): enabled, random then first come first served, a 15-minute
/// turn, a 3-minute claim window, a 15-minute grace, an account required, closing when sold
/// out; no rate or cap yet (the admin sets them).
pub fn default_settings() -> RoomSettings {
    RoomSettings {
        enabled: true,
        prequeue_opens_at: None,
        order_mode: OrderMode::RandomThenFifo,
        rate_per_minute: None,
        max_active: None,
        admission_minutes: 15,
        claim_seconds: 180,
        grace_minutes: 15,
        require_account: true,
        auto_close: true,
        paused: false,
        message: None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("no such event")]
    NoEvent,
    #[error("this event has no waiting room")]
    NoRoom,
    #[error("no such ticket")]
    NoTicket,
    #[error("the waiting room takes no one now (it is {0})")]
    NotJoinable(Phase),
    #[error("joining this waiting room needs a signed-in account")]
    AccountRequired,
    #[error("an admin excluded this account from the waiting room")]
    Excluded,
    #[error("invalid waiting room settings: {0}")]
    Invalid(&'static str),
}

impl From<diesel::result::Error> for QueueError {
    fn from(e: diesel::result::Error) -> Self {
        QueueError::Db(DbError::Query(e))
    }
}

fn check(settings: &RoomSettings) -> Result<(), QueueError> {
    let positive = |v: Option<i32>| v.is_none_or(|v| v > 0);
    if !positive(settings.rate_per_minute) || !positive(settings.max_active) {
        return Err(QueueError::Invalid(
            "the rate and the cap are positive when set",
        ));
    }
    if settings.admission_minutes <= 0 || settings.claim_seconds <= 0 {
        return Err(QueueError::Invalid(
            "the turn and the claim window are positive",
        ));
    }
    if i64::from(settings.grace_minutes) * 60 < i64::from(settings.claim_seconds) {
        return Err(QueueError::Invalid(
            "the grace is at least the claim window",
        ));
    }
    if settings
        .message
        .as_ref()
        .is_some_and(|m| m.chars().count() > 500)
    {
        return Err(QueueError::Invalid("the message is at most 500 characters"));
    }
    Ok(())
}

/// The phase a room takes when it is (re)configured: off while disabled or before its
/// pre-queue opens, the pre-queue before the sale starts, open after it (or once drawn).
fn phase_for(
    settings: &RoomSettings,
    room: Option<&RoomRow>,
    sales_start: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Phase {
    if !settings.enabled {
        return Phase::Off;
    }
    match room.map(|r| r.phase) {
        Some(phase @ (Phase::Prequeue | Phase::Open | Phase::Closed)) => return phase,
        _ if room.is_some_and(|r| r.drawn_at.is_some()) => return Phase::Open,
        _ => {}
    }
    if settings.prequeue_opens_at.is_some_and(|t| now < t) {
        Phase::Off
    } else if sales_start.is_some_and(|t| now < t) || room.is_some() {
        // Before the sale: the pre-queue. A room that was on before but never drew (turned off
        // in its pre-queue, on again after the sale started) goes back to its pre-queue too,
        // so the next tick draws the tickets waiting there before anyone later.
        Phase::Prequeue
    } else {
        Phase::Open
    }
}

/// Sets up (or changes) the event's waiting room. A plain service call: no admin page yet.
pub fn configure(
    db: &Db,
    event: EventId,
    settings: &RoomSettings,
    now: NaiveDateTime,
) -> Result<RoomRow, QueueError> {
    check(settings)?;
    db.write(|c| {
        let sales_start = rooms::sales_start(c, event)?.ok_or(QueueError::NoEvent)?;
        let room = rooms::lock(c, event)?;
        let phase = phase_for(settings, room.as_ref(), sales_start, now);
        match &room {
            None => rooms::insert(c, event, settings, phase, now)?,
            Some(room) => rooms::update(c, room, settings, phase, now)?,
        }
        rooms::find(c, event)?.ok_or(QueueError::NoRoom)
    })
}

/// Pauses (or resumes) calling: while paused the cursor stays where it is.
pub fn set_paused(
    db: &Db,
    event: EventId,
    paused: bool,
    now: NaiveDateTime,
) -> Result<(), QueueError> {
    db.write(|c| match rooms::set_paused(c, event, paused, now)? {
        true => Ok(()),
        false => Err(QueueError::NoRoom),
    })
}

pub fn room(db: &Db, event: EventId) -> Result<Option<RoomRow>, QueueError> {
    db.read(|c| Ok(rooms::find(c, event)?))
}

pub fn ticket(db: &Db, id: QueueTicketId) -> Result<Option<TicketRow>, QueueError> {
    db.read(|c| Ok(tickets::find(c, id)?))
}

/// A join's ticket, and whether this join made it (false: the account already had one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub ticket: TicketRow,
    pub new: bool,
}

/// A fresh pre-queue key from the thread's CSPRNG: a random non-negative i64 (never shown).
fn draw_key() -> i64 {
    (rand::random::<u64>() >> 1) as i64
}

/// Joins the event's queue (§3.4). Idempotent per account: a second join (another tab, another
/// device, a retry) returns the same ticket. A ticket that ended (left, missed, its turn over)
/// is reused: in the pre-queue it gets a fresh draw key, after the draw a new number at the
/// back. `user` is `None` only when the room does not require an account (one ticket per
/// browser cookie).
pub fn join(
    db: &Db,
    event: EventId,
    user: Option<UserId>,
    now: NaiveDateTime,
) -> Result<Joined, QueueError> {
    db.write(|c| join_in(c, event, user, now))
}

fn join_in(
    c: &mut DbConnection,
    event: EventId,
    user: Option<UserId>,
    now: NaiveDateTime,
) -> Result<Joined, QueueError> {
    let room = rooms::find(c, event)?.ok_or(QueueError::NoRoom)?;
    if !room.enabled || !matches!(room.phase, Phase::Prequeue | Phase::Open) {
        return Err(QueueError::NotJoinable(room.phase));
    }
    if room.require_account && user.is_none() {
        return Err(QueueError::AccountRequired);
    }
    if let Some(user) = user
        && crate::db::queue::admin::is_excluded(c, event, user)?
    {
        return Err(QueueError::Excluded);
    }
    // Pre-queue joiners get a random key, unless they came once the sale had started (they go
    // after the drawn ones, in join order) or the room is first come, first served.
    let key = match room.order_mode {
        OrderMode::Fifo => None,
        OrderMode::RandomThenFifo => {
            let started = rooms::sales_start(c, event)?
                .flatten()
                .is_some_and(|t| now >= t);
            (!started).then(draw_key)
        }
    };
    if let Some(user) = user
        && let Some(existing) = tickets::find_for_user(c, event, user)?
    {
        return again(c, &room, existing, key, now);
    }
    let id = match room.phase {
        Phase::Prequeue => tickets::insert_prequeue(c, event, user, key, now)?,
        _ => tickets::insert_live(c, event, user, now)?,
    };
    match (id, user) {
        (Some(id), _) => Ok(Joined {
            ticket: tickets::find(c, id)?.ok_or(QueueError::NoTicket)?,
            new: true,
        }),
        // Another tab of the same account inserted first: that ticket is the one.
        (None, Some(user)) => match tickets::find_for_user(c, event, user)? {
            Some(ticket) => Ok(Joined { ticket, new: false }),
            None => Err(QueueError::NotJoinable(room.phase)),
        },
        (None, None) => Err(QueueError::NotJoinable(room.phase)),
    }
}

/// A join by an account that already has a ticket: the same ticket, given a number if it is a
/// straggler of the draw, or put back in the queue if it had ended.
fn again(
    c: &mut DbConnection,
    room: &RoomRow,
    existing: TicketRow,
    key: Option<i64>,
    now: NaiveDateTime,
) -> Result<Joined, QueueError> {
    let turn_over = existing.state == TicketState::Active
        && existing.active_until.is_some_and(|until| until <= now);
    let straggler = existing.state == TicketState::Waiting && existing.seq.is_none();
    if room.phase == Phase::Open && straggler {
        if let Some(seq) = rooms::take_number(c, room.event_id)? {
            tickets::number(c, existing.id, seq)?;
        }
    } else if existing.state.may_rejoin() || turn_over {
        let (key, seq) = match room.phase {
            Phase::Prequeue => (key, None),
            _ => (None, rooms::take_number(c, room.event_id)?),
        };
        if room.phase != Phase::Prequeue && seq.is_none() {
            return Err(QueueError::NotJoinable(room.phase));
        }
        tickets::rejoin(c, existing.id, key, seq, now)?;
    }
    Ok(Joined {
        ticket: tickets::find(c, existing.id)?.ok_or(QueueError::NoTicket)?,
        new: false,
    })
}

/// Leaves the queue (or gives up a running turn): the place is free, and the cursor passes
/// the ticket without spending a call. False when it had already ended.
pub fn leave(db: &Db, id: QueueTicketId, now: NaiveDateTime) -> Result<bool, QueueError> {
    let from = [TicketState::Waiting, TicketState::Active];
    db.write(|c| Ok(tickets::end(c, id, &from, TicketState::Left, now)?))
}

/// The account's place in the event's line ends (it left, or gave up its turn): the API's
/// `DELETE`. False when it had none running.
pub fn leave_as(
    db: &Db,
    event: EventId,
    user: UserId,
    now: NaiveDateTime,
) -> Result<bool, QueueError> {
    db.write(|c| match tickets::find_for_user(c, event, user)? {
        Some(t) => Ok(tickets::end(
            c,
            t.id,
            &[TicketState::Waiting, TicketState::Active],
            TicketState::Left,
            now,
        )?),
        None => Ok(false),
    })
}

/// The ticket's turn is over because its holder paid: `active` → `done`, and the slot is free
/// for the next tick. (A payment does the same for the buyer's ticket inside its own
/// transaction: `payments::succeeded`, through `db::queue::tickets::finish_for_user`.)
pub fn finish(db: &Db, id: QueueTicketId, now: NaiveDateTime) -> Result<bool, QueueError> {
    db.write(|c| Ok(tickets::finish(c, id, now)?))
}
