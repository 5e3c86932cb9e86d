//! Creating an event with its sections, tiers and inventory.

use crate::domain::access::{Permissions, Right, Scope};
use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::event_admin::{self as queries};
use crate::db::models::{NewEvent, NewEventSection, NewTier};
use crate::db::seed as rows;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, SectionId, TierId, UserId, VenueId};
use crate::domain::venue::SectionKind;

use super::input::{EventAdminError, EventInput, Valid, invalid};
use super::transition::transition;
use super::validate::{unique_slug, validate};

/// Puts these sections on sale with these tiers: one inventory row per section, one seat row
/// per seat of a seated one (`blocked` where the venue never sells the seat; the triggers count
/// it in the section's `blocked` counter).
pub(super) fn add_inventory(
    conn: &mut DbConnection,
    event: EventId,
    venue: VenueId,
    mapping: &[(SectionId, TierId)],
    now: NaiveDateTime,
) -> Result<(), EventAdminError> {
    let sections = queries::venue_sections(conn, venue)?;
    for (section, tier) in mapping {
        let Some(s) = sections.iter().find(|s| s.id == *section) else {
            return Err(invalid(
                "section_tiers",
                "A section is not part of this venue.",
            ));
        };
        rows::insert_event_section(
            conn,
            &NewEventSection {
                event_id: event,
                section_id: s.id,
                tier_id: *tier,
                capacity: s.capacity,
                sold: 0,
                updated_at: now,
            },
        )?;
        if s.kind == SectionKind::Seated {
            let seats = queries::section_seats(conn, s.id)?;
            rows::insert_event_seats(conn, &queries::seat_rows(event, s.id, &seats, now))?;
        }
    }
    Ok(())
}

pub(super) fn record(
    conn: &mut DbConnection,
    actor: UserId,
    action: &str,
    event: EventId,
    detail: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), EventAdminError> {
    audit::record(
        conn,
        &NewAuditEntry {
            actor_user_id: Some(actor),
            action,
            subject_type: "event",
            subject_id: Some(event.0),
            detail: &detail.to_string(),
            created_at: now,
        },
    )?;
    Ok(())
}

pub(super) fn insert(
    conn: &mut DbConnection,
    v: &Valid,
    now: NaiveDateTime,
) -> Result<EventId, EventAdminError> {
    let slug = unique_slug(conn, &v.title)?;
    let organizer_id = crate::db::organizers::organizer_of_venue(conn, v.venue.id)?;
    let id = rows::insert_event(
        conn,
        &NewEvent {
            venue_id: v.venue.id,
            organizer_id,
            title: &v.title,
            slug: &slug,
            summary: &v.summary,
            description: &v.description,
            category: v.category,
            status: EventStatus::Draft,
            featured: false,
            starts_at: v.starts_at,
            starts_local: v.starts_local,
            ends_at: v.ends_at,
            currency: &v.currency,
            sales_start_at: v.sales_start_at,
            sales_end_at: v.sales_end_at,
            max_tickets_per_order: v.max_tickets_per_order,
            max_tickets_per_account: v.max_tickets_per_account,
            published_at: None,
            cancelled_at: None,
            cancellation_reason: None,
            created_at: now,
            updated_at: now,
        },
    )?;
    let mut tier_ids = Vec::with_capacity(v.tiers.len());
    for (position, tier) in v.tiers.iter().enumerate() {
        tier_ids.push(rows::insert_tier(
            conn,
            &NewTier {
                event_id: id,
                name: &tier.name,
                price_cents: tier.price_cents,
                position: i32::try_from(position).unwrap_or(i32::MAX),
            },
        )?);
    }
    let mapping: Vec<(SectionId, TierId)> =
        v.sections.iter().map(|(s, i)| (*s, tier_ids[*i])).collect();
    add_inventory(conn, id, v.venue.id, &mapping, now)?;
    Ok(id)
}

/// Creates a draft event with its tiers and inventory, on a venue of an organizer where
/// `actor` may edit (the one `input` names, if any); `publish` publishes it at once, as far as
/// the workflow lets `actor`.
#[tracing::instrument(name = "events.create", skip_all, fields(admin.id = %actor.user))]
pub fn create(
    conn: &mut DbConnection,
    actor: &Permissions,
    input: &EventInput,
    publish: bool,
    now: NaiveDateTime,
) -> Result<EventId, EventAdminError> {
    let mut organizers = actor.scope(Right::EditCatalogue);
    if let Some(wanted) = input.organizer_id {
        if !organizers.includes(wanted) {
            return Err(invalid("organizer_id", "Choose one of your organizers."));
        }
        organizers = Scope::Only(vec![wanted]);
    }
    let valid = validate(conn, input, now, None, &organizers)?;
    let id = insert(conn, &valid, now)?;
    record(
        conn,
        actor.user,
        "event.created",
        id,
        serde_json::json!({ "title": valid.title, "venue_id": valid.venue.id }),
        now,
    )?;
    if publish {
        transition(conn, actor, id, 1, EventStatus::Published, now)?;
    }
    Ok(id)
}
