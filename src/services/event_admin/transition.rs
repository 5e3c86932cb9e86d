//! Moving an event through the workflow (issue 22): submit for review, approve, send back,
//! publish, close sales. Which right a move needs is `domain::workflow::move_needs`; the move
//! itself is one `UPDATE … WHERE status = <from> AND version = <version>`.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::event_admin::{self as queries};
use crate::db::organizers;
use crate::domain::access::{Permissions, Right};
use crate::domain::event::EventStatus;
use crate::domain::ids::EventId;
use crate::domain::workflow::{action_name, move_needs};

use super::create::record;
use super::input::EventAdminError;
use super::read::get;

/// Moves event `id` from `version` to `to`, if the workflow has that move and `actor`'s role
/// allows it. Returns the new version.
#[tracing::instrument(name = "events.transition", skip_all, fields(event.id = %id, admin.id = %actor.user, event.to = %to))]
pub fn transition(
    conn: &mut DbConnection,
    actor: &Permissions,
    id: EventId,
    version: i32,
    to: EventStatus,
    now: NaiveDateTime,
) -> Result<i32, EventAdminError> {
    let current = get(conn, id, now)?;
    let from = current.row.status;
    let organizer = current.row.organizer_id;
    let requires_approval = organizers::get(conn, organizer)?
        .ok_or(EventAdminError::NotFound)?
        .requires_approval;
    let Some(right) = move_needs(from, to, requires_approval) else {
        return Err(EventAdminError::Transition { from, to });
    };
    if actor.may(right, organizer).is_err() {
        return Err(EventAdminError::Denied(right));
    }
    if current.row.version != version {
        return Err(EventAdminError::Conflict(Box::new(current)));
    }
    let changed = match to {
        EventStatus::Published => {
            if current.row.starts_at <= now {
                return Err(EventAdminError::CannotPublish(
                    "its start is in the past; move it to a future date first",
                ));
            }
            if current.section_tiers.is_empty() {
                return Err(EventAdminError::CannotPublish(
                    "no section is on sale; give at least one section a tier first",
                ));
            }
            let unapproved = from != EventStatus::Approved && right != Right::Approve;
            queries::publish(conn, id, version, from, unapproved, now)?
        }
        EventStatus::Completed => queries::close(conn, id, version, now)?,
        _ => queries::move_status(conn, id, version, from, to, now)?,
    };
    if changed == 0 {
        let latest = get(conn, id, now)?;
        return Err(if latest.row.version != version {
            EventAdminError::Conflict(Box::new(latest))
        } else {
            EventAdminError::Transition {
                from: latest.row.status,
                to,
            }
        });
    }
    record(
        conn,
        actor.user,
        action_name(from, to),
        id,
        serde_json::json!({ "from": from, "to": to, "version": version + 1 }),
        now,
    )?;
    Ok(version + 1)
}
