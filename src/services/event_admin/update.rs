//! Editing an event (what may change once tickets are sold is limited).

use crate::domain::access::Scope;
use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::event_admin::{self as queries, EventChanges};
use crate::db::models::NewTier;
use crate::db::seed as rows;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, SectionId, TierId, UserId};

use super::create::{add_inventory, record};
use super::input::{EventAdminError, EventInput, invalid};
use super::read::get;
use super::validate::validate;

/// Applies an edit made from `version`. See the module doc for what may change when.
#[tracing::instrument(name = "events.update", skip_all, fields(event.id = %id, admin.id = %actor))]
pub fn update(
    conn: &mut DbConnection,
    actor: UserId,
    id: EventId,
    version: i32,
    input: &EventInput,
    now: NaiveDateTime,
) -> Result<i32, EventAdminError> {
    let current = get(conn, id, now)?;
    if current.row.version != version {
        return Err(EventAdminError::Conflict(Box::new(current)));
    }
    if !matches!(
        current.row.status,
        EventStatus::Draft | EventStatus::Published
    ) {
        return Err(EventAdminError::NotEditable(current.row.status));
    }
    if input
        .organizer_id
        .is_some_and(|o| o != current.row.organizer_id)
    {
        return Err(invalid(
            "organizer_id",
            "An event stays with its organizer.",
        ));
    }
    // The venue may change only to another of the event's organizer.
    let own = Scope::Only(vec![current.row.organizer_id]);
    let v = validate(conn, input, now, Some(current.row.starts_at), &own)?;
    let venue_changes = v.venue.id != current.row.venue_id;
    let booked = queries::has_bookings(conn, id)?;
    if venue_changes && (current.row.status != EventStatus::Draft || booked) {
        return Err(invalid(
            "venue_id",
            "The venue can only change while the event is a draft without bookings.",
        ));
    }
    if v.currency != current.row.currency.as_str() && booked {
        return Err(invalid(
            "currency",
            "The currency can't change once the event has bookings.",
        ));
    }
    // Tiers: every existing tier stays (renamed or repriced); new ones are added.
    let existing: Vec<TierId> = current.tiers.iter().map(|t| t.id).collect();
    for t in &v.tiers {
        if t.id.is_some_and(|id| !existing.contains(&id)) {
            return Err(invalid("tiers", "A tier belongs to another event."));
        }
    }
    if existing
        .iter()
        .any(|id| !v.tiers.iter().any(|t| t.id == Some(*id)))
    {
        return Err(invalid(
            "tiers",
            "Tiers can be renamed, repriced or added, not removed.",
        ));
    }

    let statuses: &[EventStatus] = if venue_changes {
        &[EventStatus::Draft]
    } else {
        &[EventStatus::Draft, EventStatus::Published]
    };
    let changed = queries::update_guarded(
        conn,
        id,
        version,
        statuses,
        &EventChanges {
            venue_id: v.venue.id,
            title: &v.title,
            summary: &v.summary,
            description: &v.description,
            category: v.category,
            starts_at: v.starts_at,
            starts_local: v.starts_local,
            ends_at: v.ends_at,
            currency: &v.currency,
            sales_start_at: v.sales_start_at,
            sales_end_at: v.sales_end_at,
            max_tickets_per_order: v.max_tickets_per_order,
            max_tickets_per_account: v.max_tickets_per_account,
            updated_at: now,
        },
    )?;
    if changed == 0 {
        // Changed (or cancelled) between our read and the write.
        let now_current = get(conn, id, now)?;
        return Err(if now_current.row.version != version {
            EventAdminError::Conflict(Box::new(now_current))
        } else {
            EventAdminError::NotEditable(now_current.row.status)
        });
    }

    let mut tier_ids = Vec::with_capacity(v.tiers.len());
    for (position, t) in v.tiers.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        let tier_id = match t.id {
            Some(tier) => {
                queries::update_tier(conn, id, tier, &t.name, t.price_cents, position)
                    .map_err(tier_name_taken)?;
                tier
            }
            None => rows::insert_tier(
                conn,
                &NewTier {
                    event_id: id,
                    name: &t.name,
                    price_cents: t.price_cents,
                    position,
                },
            )
            .map_err(tier_name_taken)?,
        };
        tier_ids.push(tier_id);
    }
    let wanted: Vec<(SectionId, TierId)> =
        v.sections.iter().map(|(s, i)| (*s, tier_ids[*i])).collect();

    // Inventory changes take the event's section rows first (db::lock_order).
    crate::db::lock_order::lock_event_sections(conn, id)?;
    if venue_changes {
        if !queries::clear_inventory(conn, id)? {
            return Err(invalid(
                "venue_id",
                "The venue can only change while the event has no bookings.",
            ));
        }
        add_inventory(conn, id, v.venue.id, &wanted, now)?;
    } else {
        let names: HashMap<SectionId, String> = queries::venue_sections(conn, v.venue.id)?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let name = |s: &SectionId| names.get(s).cloned().unwrap_or_else(|| s.to_string());
        let on_sale = queries::on_sale(conn, id)?;
        for row in &on_sale {
            match wanted.iter().find(|(s, _)| *s == row.section_id) {
                None => {
                    if queries::remove_section(conn, id, row.section_id)? == 0 {
                        return Err(invalid(
                            "section_tiers",
                            format!(
                                "{} has had bookings, so it can't be taken off sale.",
                                name(&row.section_id)
                            ),
                        ));
                    }
                }
                Some((_, tier)) if *tier != row.tier_id => {
                    if queries::retier_section(conn, row.id, *tier, now)? == 0 {
                        return Err(invalid(
                            "section_tiers",
                            format!(
                                "{} has seats held or sold, so its tier can't change.",
                                name(&row.section_id)
                            ),
                        ));
                    }
                }
                Some(_) => {}
            }
        }
        let added: Vec<(SectionId, TierId)> = wanted
            .iter()
            .filter(|(s, _)| !on_sale.iter().any(|r| r.section_id == *s))
            .copied()
            .collect();
        add_inventory(conn, id, v.venue.id, &added, now)?;
    }
    record(
        conn,
        actor,
        "event.updated",
        id,
        serde_json::json!({ "from_version": version, "to_version": version + 1 }),
        now,
    )?;
    Ok(version + 1)
}

pub(super) fn tier_name_taken(e: diesel::result::Error) -> EventAdminError {
    if crate::db::is_unique_violation(&e) {
        invalid("tiers", "Two tiers can't share a name.")
    } else {
        e.into()
    }
}
