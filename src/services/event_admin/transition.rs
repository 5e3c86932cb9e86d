//! Moving an event between statuses (publish, pause, resume, end).

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::event_admin::{self as queries};
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, UserId};

use super::create::record;
use super::input::EventAdminError;
use super::read::get;

/// publish (draft → published) or close (published → completed), from `version`.
#[tracing::instrument(name = "events.transition", skip_all, fields(event.id = %id, admin.id = %actor, event.to = %to))]
pub fn transition(
    conn: &mut DbConnection,
    actor: UserId,
    id: EventId,
    version: i32,
    to: EventStatus,
    now: NaiveDateTime,
) -> Result<i32, EventAdminError> {
    let current = get(conn, id, now)?;
    let from = current.row.status;
    if to == EventStatus::Cancelled || !from.can_become(to) {
        return Err(EventAdminError::Transition { from, to });
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
            queries::publish(conn, id, version, now)?
        }
        _ => queries::close(conn, id, version, now)?,
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
    let action = match to {
        EventStatus::Published => "event.published",
        _ => "event.closed",
    };
    record(
        conn,
        actor,
        action,
        id,
        serde_json::json!({ "from": from, "to": to, "version": version + 1 }),
        now,
    )?;
    Ok(version + 1)
}
