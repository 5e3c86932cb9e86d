//! Duplicating an event as a new draft.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::models::{NewEvent, NewTier};
use crate::db::seed as rows;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, SectionId, TierId, UserId};

use super::create::{add_inventory, record};
use super::input::{EventAdminError, TITLE_MAX};
use super::read::get;
use super::validate::unique_slug;

/// A new draft copy: same venue, tiers, section mapping, times, sales window and limit; fresh
/// inventory; no bookings.
#[tracing::instrument(name = "events.duplicate", skip_all, fields(event.id = %id, admin.id = %actor))]
pub fn duplicate(
    conn: &mut DbConnection,
    actor: UserId,
    id: EventId,
    now: NaiveDateTime,
) -> Result<EventId, EventAdminError> {
    let source = get(conn, id, now)?;
    let suffix = " (copy)";
    let title: String = source
        .row
        .title
        .chars()
        .take(TITLE_MAX - suffix.len())
        .chain(suffix.chars())
        .collect();
    let slug = unique_slug(conn, &title)?;
    let r = &source.row;
    let new_id = rows::insert_event(
        conn,
        &NewEvent {
            venue_id: r.venue_id,
            organizer_id: r.organizer_id,
            title: &title,
            slug: &slug,
            summary: &r.summary,
            description: &r.description,
            category: r.category,
            status: EventStatus::Draft,
            featured: false,
            starts_at: r.starts_at,
            starts_local: source.local(r.starts_at),
            ends_at: r.ends_at,
            currency: r.currency.as_str(),
            sales_start_at: r.sales_start_at,
            sales_end_at: r.sales_end_at,
            max_tickets_per_order: r.max_tickets_per_order,
            max_tickets_per_account: r.max_tickets_per_account,
            published_at: None,
            cancelled_at: None,
            cancellation_reason: None,
            created_at: now,
            updated_at: now,
        },
    )?;
    let mut tier_map = HashMap::new();
    for t in &source.tiers {
        let tier = rows::insert_tier(
            conn,
            &NewTier {
                event_id: new_id,
                name: &t.name,
                price_cents: t.price_cents,
                position: t.position,
            },
        )?;
        tier_map.insert(t.id, tier);
    }
    let mapping: Vec<(SectionId, TierId)> = source
        .section_tiers
        .iter()
        .filter_map(|(s, t)| Some((*s, *tier_map.get(t)?)))
        .collect();
    add_inventory(conn, new_id, r.venue_id, &mapping, now)?;
    record(
        conn,
        actor,
        "event.duplicated",
        new_id,
        serde_json::json!({ "from_event_id": id, "title": title }),
        now,
    )?;
    Ok(new_id)
}
