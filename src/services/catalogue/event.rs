//! One event's page: its details and what is left by section and standing area.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::catalogue as queries;
use crate::db::models::{SectionRow, TierRow};
use crate::domain::ids::{EventId, SectionId, TierId};
use crate::domain::inventory::{Counts, SectionCounters};
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::money::Money;
use crate::domain::venue::SectionKind;

use super::search::to_summary;
use super::views::{CatalogueError, EventDetail, StandingAvailability, TierAvailability};

/// Whether the public may see the event (published or past, not a draft).
pub fn is_public(conn: &mut DbConnection, id: EventId) -> Result<bool, CatalogueError> {
    Ok(queries::public_event(conn, id)?.is_some())
}

/// One public event with its tiers and what is left in each.
#[tracing::instrument(name = "catalogue.event", level = "debug", skip_all, fields(event.id = %id))]
pub fn event(
    conn: &mut DbConnection,
    id: EventId,
    now: NaiveDateTime,
) -> Result<EventDetail, CatalogueError> {
    let row = queries::public_event(conn, id)?.ok_or(CatalogueError::NotFound)?;
    let ids = [row.id];
    let tiers = queries::tiers(conn, &ids)?;
    let sections = section_availability(conn, &ids, now)?;
    let standing = standing_of(&sections);

    let mut per_tier: HashMap<TierId, Counts> = HashMap::new();
    for (section, counts) in &sections {
        *per_tier.entry(section.tier_id).or_default() += *counts;
    }
    let tier_rows: Vec<TierAvailability> = tiers
        .iter()
        .map(|t: &TierRow| {
            let counts = per_tier.get(&t.id).copied().unwrap_or_default();
            TierAvailability {
                id: t.id,
                name: t.name.clone(),
                price: Money::new(t.price_cents, row.currency),
                capacity: counts.capacity,
                available: counts.available,
            }
        })
        // A tier no section uses is not for sale at this event.
        .filter(|t| t.capacity > 0)
        .collect();
    let totals = per_tier.values().fold(Counts::default(), |mut acc, c| {
        acc += *c;
        acc
    });
    let min_price = tier_rows.iter().map(|t| t.price.cents).min();
    let sales_start_at = row.sales_start_at;
    let sales_end_at = row.sales_end_at;
    let max_tickets_per_order = row.max_tickets_per_order;
    let max_tickets_per_account = row.max_tickets_per_account;
    let cancellation_reason = row.cancellation_reason.clone();
    let tz = zone(&row.venue.timezone);
    let payment_providers = crate::db::providers::offered(conn, row.id)?;
    let event = to_summary(row, min_price, totals, now);
    Ok(EventDetail {
        sales_open: sales_start_at
            .filter(|t| *t > now)
            .map(|t| LocalStart::new(t, tz)),
        event,
        max_tickets_per_order,
        max_tickets_per_account,
        sales_start_at,
        sales_end_at,
        cancellation_reason,
        tiers: tier_rows,
        standing,
        payment_providers,
    })
}

/// What is left in each section of one event (expired holds count as free).
pub fn section_counts(
    conn: &mut DbConnection,
    id: EventId,
    now: NaiveDateTime,
) -> Result<HashMap<SectionId, Counts>, CatalogueError> {
    Ok(section_availability(conn, &[id], now)?
        .into_iter()
        .map(|(r, counts)| (r.section_id, counts))
        .collect())
}

/// Every section on sale at the given events with what is left in it.
pub(super) fn section_availability(
    conn: &mut DbConnection,
    ids: &[EventId],
    now: NaiveDateTime,
) -> Result<Vec<(SectionRow, Counts)>, CatalogueError> {
    let rows = queries::sections(conn, ids)?;
    let expired = queries::expired_holds(conn, &rows, now)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let counts = SectionCounters {
                capacity: i64::from(r.capacity),
                held: i64::from(r.held),
                sold: i64::from(r.sold),
                blocked: i64::from(r.blocked),
                expired: expired.get(&r.id).copied().unwrap_or(0),
            }
            .counts();
            (r, counts)
        })
        .collect())
}

pub(super) fn standing_of(sections: &[(SectionRow, Counts)]) -> Vec<StandingAvailability> {
    sections
        .iter()
        .filter(|(r, _)| r.kind == SectionKind::Standing)
        .map(|(r, counts)| StandingAvailability {
            section_id: r.section_id,
            name: r.name.clone(),
            tier_id: r.tier_id,
            price_cents: r.price_cents,
            capacity: counts.capacity,
            available: counts.available,
        })
        .collect()
}
