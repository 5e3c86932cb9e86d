//! Creating a venue.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::models::NewVenue;
use crate::domain::ids::{OrganizerId, UserId, VenueId};
use crate::domain::venue_layout::FieldError;

use super::editor::check;
use super::input::{VenueAdminError, VenueInput, unique_slug};
use super::layout::insert_section_with_seats;

pub(super) fn audit_row(
    conn: &mut DbConnection,
    actor: UserId,
    action: &str,
    venue: VenueId,
    detail: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), VenueAdminError> {
    audit::record(
        conn,
        &NewAuditEntry {
            actor_user_id: Some(actor),
            action,
            subject_type: "venue",
            subject_id: Some(venue.0),
            detail: &detail.to_string(),
            created_at: now,
        },
    )?;
    Ok(())
}

/// Creates a venue with its sections and seats. Run it inside one write transaction.
#[tracing::instrument(name = "venues.create", skip_all, fields(admin.id = %actor))]
pub fn create(
    conn: &mut DbConnection,
    actor: UserId,
    organizer_id: OrganizerId,
    input: &VenueInput,
    now: NaiveDateTime,
) -> Result<VenueId, VenueAdminError> {
    let (b, layout) = check(input, None)?;
    let slug = unique_slug(conn, &b.name)?;
    let id = crate::db::seed::insert_venue(
        conn,
        &NewVenue {
            organizer_id,
            name: &b.name,
            slug: &slug,
            description: &b.description,
            address: &b.address,
            city: &b.city,
            country: &b.country,
            timezone: &b.timezone,
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            // Another venue took this slug at the same moment.
            VenueAdminError::Invalid(vec![FieldError {
                section: None,
                field: "name",
                message: "A venue of this name was created at the same moment; save again."
                    .to_owned(),
            }])
        } else {
            e.into()
        }
    })?;
    for (position, s) in layout.iter().enumerate() {
        insert_section_with_seats(conn, id, position, s)?;
    }
    let seats: usize = layout.iter().map(|s| s.seats.len()).sum();
    audit_row(
        conn,
        actor,
        "venue.create",
        id,
        serde_json::json!({"sections": layout.len(), "seats": seats}),
        now,
    )?;
    tracing::info!(venue.id = %id, seats, "venue created");
    Ok(id)
}
