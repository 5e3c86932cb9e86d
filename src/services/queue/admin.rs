//! The box office's side of the waiting room (issue 20, shared/WAITING_ROOM.md §3.13, §3.14):
//! what an admin sees ([`overview`]) and does: save the settings, pause or resume, close,
//! admit everyone, and exclude an account before the draw. Every change runs in one write
//! transaction with its audit row (actor, action, the event, a summary).

mod panel;
mod settings;

use chrono::NaiveDateTime;
use serde_json::{Value, json};

use super::{QueueError, check, phase_for};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::queue::admin::{self as q, Figures};
use crate::db::queue::{RoomRow, rooms, tickets};
use crate::db::stats::{EventHeader, event_header};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::catalogue::FieldErrors;
use crate::domain::ids::{EventId, UserId};
use crate::domain::local_time::zone;
use crate::domain::queue::{Phase, TicketState};
use crate::domain::user_input::EmailAddress;

pub use panel::{Panel, percentile};
pub use settings::{
    Context, MESSAGE_MAX, PREQUEUE_LEAD, SettingsPatch, admin_defaults, changes, document,
    settings_of,
};

use super::RoomSettings;

#[derive(Debug, thiserror::Error)]
pub enum RoomAdminError {
    #[error("invalid waiting room settings")]
    Invalid(FieldErrors),
    #[error("no such event")]
    NoEvent,
    #[error("this event has no waiting room")]
    NoRoom,
    /// The action needs another phase (close: pre-queue or open; exclude: pre-queue).
    #[error("the waiting room is {0}")]
    WrongPhase(Phase),
    #[error("no account has that email address")]
    UnknownAccount,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for RoomAdminError {
    fn from(e: diesel::result::Error) -> Self {
        RoomAdminError::Db(DbError::Query(e))
    }
}

impl From<QueueError> for RoomAdminError {
    fn from(e: QueueError) -> Self {
        match e {
            QueueError::Db(e) => RoomAdminError::Db(e),
            QueueError::NoEvent => RoomAdminError::NoEvent,
            QueueError::Invalid(why) => {
                RoomAdminError::Invalid([("settings", why.to_owned())].into_iter().collect())
            }
            _ => RoomAdminError::NoRoom,
        }
    }
}

/// An event's room as the box office sees it: the settings in force (the defaults while it was
/// never configured), the phase, and the live panel.
#[derive(Debug, Clone)]
pub struct RoomAdmin {
    pub event: EventHeader,
    pub sales_start: Option<NaiveDateTime>,
    pub room: Option<RoomRow>,
    pub settings: RoomSettings,
    pub phase: Phase,
    pub panel: Panel,
    /// Accounts excluded from this room.
    pub excluded: i64,
}

/// The event's room and figures at `now`; `None` for an unknown event.
pub fn overview(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Option<RoomAdmin>, DbError> {
    let Some(header) = event_header(conn, event)? else {
        return Ok(None);
    };
    let sales_start = rooms::sales_start(conn, event)?.flatten();
    let room = rooms::find(conn, event)?;
    let (settings, figures) = match &room {
        Some(r) => (settings_of(r), q::figures(conn, r, now)?),
        None => (admin_defaults(sales_start), Figures::default()),
    };
    Ok(Some(RoomAdmin {
        panel: Panel::new(figures, settings.max_active),
        phase: room.as_ref().map_or(Phase::Off, |r| r.phase),
        excluded: q::exclusions(conn, event)?,
        event: header,
        sales_start,
        room,
        settings,
    }))
}

fn record(
    c: &mut DbConnection,
    actor: UserId,
    action: &str,
    event: EventId,
    detail: Value,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    Ok(audit::record(
        c,
        &NewAuditEntry {
            actor_user_id: Some(actor),
            action,
            subject_type: "event",
            subject_id: Some(event.0),
            detail: &detail.to_string(),
            created_at: now,
        },
    )?)
}

/// Saves the settings an admin changed (any subset), in one transaction with the audit row
/// naming each changed field. The same steps as `services::queue::configure` (its checks and
/// its phase rule), which opens its own transaction and so could not hold the audit row too.
/// Bad input changes nothing: [`RoomAdminError::Invalid`] names every bad field.
#[tracing::instrument(name = "queue.admin.save", skip_all, fields(event.id = %event, admin.id = %actor))]
pub fn save(
    db: &Db,
    actor: UserId,
    event: EventId,
    patch: &SettingsPatch,
    now: NaiveDateTime,
) -> Result<RoomRow, RoomAdminError> {
    db.write(|c| {
        let header = event_header(c, event)?.ok_or(RoomAdminError::NoEvent)?;
        let sales_start = rooms::sales_start(c, event)?.ok_or(RoomAdminError::NoEvent)?;
        let before = rooms::lock(c, event)?;
        let base = match &before {
            Some(r) => settings_of(r),
            None => admin_defaults(sales_start),
        };
        let cx = Context {
            sales_start,
            tz: zone(&header.timezone),
            room: before.as_ref(),
            now,
        };
        let settings = patch.apply(&base, &cx).map_err(RoomAdminError::Invalid)?;
        check(&settings)?;
        let phase = phase_for(&settings, before.as_ref(), sales_start, now);
        match &before {
            None => rooms::insert(c, event, &settings, phase, now)?,
            Some(room) => rooms::update(c, room, &settings, phase, now)?,
        }
        let detail = json!({
            "created": before.is_none(),
            "phase": phase,
            "changed": changes(&base, &settings),
        });
        record(c, actor, "waiting_room.configured", event, detail, now)?;
        rooms::find(c, event)?.ok_or(RoomAdminError::NoRoom)
    })
}

/// Pauses calling (the cursor stays where it is) or resumes it.
#[tracing::instrument(name = "queue.admin.pause", skip_all, fields(event.id = %event, admin.id = %actor))]
pub fn set_paused(
    db: &Db,
    actor: UserId,
    event: EventId,
    paused: bool,
    now: NaiveDateTime,
) -> Result<(), RoomAdminError> {
    db.write(|c| {
        if !rooms::set_paused(c, event, paused, now)? {
            return Err(RoomAdminError::NoRoom);
        }
        let action = if paused {
            "waiting_room.paused"
        } else {
            "waiting_room.resumed"
        };
        record(c, actor, action, event, json!({}), now)?;
        Ok(())
    })
}

/// The phase of the event's room, locked until the transaction ends.
fn locked_phase(c: &mut DbConnection, event: EventId) -> Result<Phase, RoomAdminError> {
    if event_header(c, event)?.is_none() {
        return Err(RoomAdminError::NoEvent);
    }
    Ok(rooms::lock(c, event)?.ok_or(RoomAdminError::NoRoom)?.phase)
}

/// Closes the room (from the pre-queue or open): nobody more joins or is called, and the
/// waiting pages say so.
#[tracing::instrument(name = "queue.admin.close", skip_all, fields(event.id = %event, admin.id = %actor))]
pub fn close(
    db: &Db,
    actor: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> Result<(), RoomAdminError> {
    db.write(|c| {
        let from = locked_phase(c, event)?;
        if !q::close(c, event, now)? {
            return Err(RoomAdminError::WrongPhase(from));
        }
        record(
            c,
            actor,
            "waiting_room.closed",
            event,
            json!({ "from": from }),
            now,
        )?;
        Ok(())
    })
}

/// "Admit everyone": the room stops gating (off, disabled); the seat map is open to all.
#[tracing::instrument(name = "queue.admin.admit_everyone", skip_all, fields(event.id = %event, admin.id = %actor))]
pub fn admit_everyone(
    db: &Db,
    actor: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> Result<(), RoomAdminError> {
    db.write(|c| {
        let from = locked_phase(c, event)?;
        if !q::admit_everyone(c, event, now)? {
            return Err(RoomAdminError::WrongPhase(from));
        }
        let detail = json!({ "from": from });
        record(
            c,
            actor,
            "waiting_room.admitted_everyone",
            event,
            detail,
            now,
        )?;
        Ok(())
    })
}

/// What an exclusion did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Excluded {
    /// The account's waiting ticket was ended (`left`); false: it had none.
    pub ticket_ended: bool,
}

/// Excludes the account with this email address from the room before the draw (§3.11): its
/// waiting ticket ends as `left`, and it cannot join this room again. Only in the pre-queue;
/// the room is locked, so the draw cannot run meanwhile.
#[tracing::instrument(name = "queue.admin.exclude", skip_all, fields(event.id = %event, admin.id = %actor))]
pub fn exclude(
    db: &Db,
    actor: UserId,
    event: EventId,
    email: &str,
    now: NaiveDateTime,
) -> Result<Excluded, RoomAdminError> {
    let email = EmailAddress::parse(email).map_err(|why| {
        RoomAdminError::Invalid([("email", why.to_owned())].into_iter().collect())
    })?;
    db.write(|c| {
        let phase = locked_phase(c, event)?;
        if phase != Phase::Prequeue {
            return Err(RoomAdminError::WrongPhase(phase));
        }
        let user = q::user_by_email(c, email.as_str())?.ok_or(RoomAdminError::UnknownAccount)?;
        let ticket_ended = match tickets::find_for_user(c, event, user)? {
            Some(t) => tickets::end(c, t.id, &[TicketState::Waiting], TicketState::Left, now)?,
            None => false,
        };
        let new = q::exclude(c, event, user, actor, now)?;
        let detail = json!({ "user_id": user, "ticket_ended": ticket_ended, "new": new });
        record(c, actor, "waiting_room.excluded", event, detail, now)?;
        Ok(Excluded { ticket_ended })
    })
}
