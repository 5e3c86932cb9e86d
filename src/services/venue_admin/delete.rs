//! Deleting a venue no event uses (issue 22).

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::venue_admin::{self as q};
use crate::domain::ids::{UserId, VenueId};

use super::create::audit_row;
use super::input::VenueAdminError;

#[tracing::instrument(name = "venues.delete", skip_all, fields(venue.id = %id, admin.id = %actor))]
pub fn delete(
    conn: &mut DbConnection,
    actor: UserId,
    id: VenueId,
    now: NaiveDateTime,
) -> Result<(), VenueAdminError> {
    let venue = q::venue(conn, id)?.ok_or(VenueAdminError::NotFound)?;
    if q::delete_unused(conn, id)? == 0 {
        return Err(VenueAdminError::HasEvents);
    }
    audit_row(
        conn,
        actor,
        "venue.deleted",
        id,
        serde_json::json!({ "name": venue.name }),
        now,
    )
}
