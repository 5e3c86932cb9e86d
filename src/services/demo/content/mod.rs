//! The demo catalogue: a fixed set of fictional venues and events. The words and numbers are
//! data (`venues.json`, `events.json`, read at compile time); the halls' seat layouts are
//! geometry (`layouts.rs`). No I/O, no randomness and no dependence on the current date (event
//! dates are offsets from the seeding day).

mod layouts;
mod shapes;
#[cfg(test)]
mod tests;

use chrono::NaiveTime;
use serde::Deserialize;

use super::plan::*;
use crate::domain::event::{Category, EventStatus};

pub const ARENA: &str = "thamesgate-arena";
pub const THEATRE: &str = "alderman-theatre";
pub const CLUB: &str = "kesselhaus-nord";
pub const MUSIC_HALL: &str = "marlowe-music-hall";
pub const STUDIO: &str = "cowgate-studio";
pub const CONGRESS: &str = "tagus-congress-centre";

const VENUES: &str = include_str!("../venues.json");
const EVENTS: &str = include_str!("../events.json");

/// A venue as `venues.json` describes it (its sections come from `layouts.rs`).
#[derive(Deserialize)]
struct VenueData {
    name: String,
    slug: String,
    description: String,
    address: String,
    city: String,
    country: String,
    timezone: String,
}

/// An event as `events.json` describes it. `section_tiers` are rules, the first match wins:
/// `[pattern, tier index]`, where a pattern is a section's name, a prefix ending in `*`
/// (`"Box*"`), or `"*"` for any section.
#[derive(Deserialize)]
struct EventData {
    venue: String,
    title: String,
    slug: String,
    summary: String,
    description: String,
    category: Category,
    status: EventStatus,
    featured: bool,
    day_offset: i32,
    local_start: NaiveTime,
    duration_minutes: i32,
    currency: String,
    max_tickets_per_order: i32,
    sales_open_days_before: Option<i32>,
    tiers: Vec<TierPlan>,
    sold_per_mille: u32,
    cancellation_reason: Option<String>,
    section_tiers: Vec<(String, usize)>,
}

#[expect(
    clippy::expect_used,
    reason = "embedded demo data, read by the unit tests"
)]
pub fn venues() -> Vec<VenuePlan> {
    let data: Vec<VenueData> =
        serde_json::from_str(VENUES).expect("venues.json is valid (the unit tests read it)");
    data.into_iter()
        .map(|v| VenuePlan {
            sections: layouts::sections(&v.slug),
            name: v.name,
            slug: v.slug,
            description: v.description,
            address: v.address,
            city: v.city,
            country: v.country,
            timezone: v.timezone,
        })
        .collect()
}

#[expect(
    clippy::expect_used,
    reason = "embedded demo data, read by the unit tests"
)]
pub fn events() -> Vec<EventPlan> {
    let venues = venues();
    let data: Vec<EventData> =
        serde_json::from_str(EVENTS).expect("events.json is valid (the unit tests read it)");
    data.into_iter()
        .map(|e| EventPlan {
            section_tiers: assign(&venues, &e.venue, &e.section_tiers),
            venue_slug: e.venue,
            title: e.title,
            slug: e.slug,
            summary: e.summary,
            description: e.description,
            category: e.category,
            status: e.status,
            featured: e.featured,
            day_offset: e.day_offset,
            local_start: e.local_start,
            duration_minutes: e.duration_minutes,
            currency: e.currency,
            max_tickets_per_order: e.max_tickets_per_order,
            sales_open_days_before: e.sales_open_days_before,
            tiers: e.tiers,
            sold_per_mille: e.sold_per_mille,
            cancellation_reason: e.cancellation_reason,
        })
        .collect()
}

/// Maps every section of the venue `slug`, in the venue's order, to the tier of the first rule
/// that matches its name.
fn assign(venues: &[VenuePlan], slug: &str, rules: &[(String, usize)]) -> Vec<(String, usize)> {
    let matches = |pattern: &str, name: &str| match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    };
    venues
        .iter()
        .find(|v| v.slug == slug)
        .map(|v| {
            v.sections
                .iter()
                .filter_map(|s| {
                    let (_, tier) = rules.iter().find(|(p, _)| matches(p, &s.name))?;
                    Some((s.name.clone(), *tier))
                })
                .collect()
        })
        .unwrap_or_default()
}
