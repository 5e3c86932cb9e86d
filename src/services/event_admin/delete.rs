//! Deleting an event that never had a booking (issue 22): a draft made by mistake, a test. One
//! that was ever booked is cancelled instead, so its buyers are refunded and told.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::event_admin::{self as queries};
use crate::domain::ids::{EventId, UserId};

use super::create::record;
use super::input::EventAdminError;

#[tracing::instrument(name = "events.delete", skip_all, fields(event.id = %id, admin.id = %actor))]
pub fn delete(
    conn: &mut DbConnection,
    actor: UserId,
    id: EventId,
    now: NaiveDateTime,
) -> Result<(), EventAdminError> {
    let event = queries::event(conn, id)?.ok_or(EventAdminError::NotFound)?;
    if queries::delete_unbooked(conn, id)? == 0 {
        return Err(EventAdminError::HasBookings);
    }
    record(
        conn,
        actor,
        "event.deleted",
        id,
        serde_json::json!({ "title": event.title, "status": event.status, "organizer_id": event.organizer_id }),
        now,
    )?;
    Ok(())
}
