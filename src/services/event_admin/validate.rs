//! Checking an event form: the venue and its sections from the database, the rules from
//! `domain::event_rules`, a unique slug.

use crate::domain::access::Scope;
use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::event_admin::{self as queries};
use crate::domain::event_rules::{self as rules, Schedule, VenueSection};
use crate::domain::local_time::{to_local, zone};

use super::input::{Errors, EventAdminError, EventInput, TierInput, Valid, invalid};

pub(super) fn validate(
    conn: &mut DbConnection,
    input: &EventInput,
    now: NaiveDateTime,
    start_unchanged: Option<NaiveDateTime>,
    organizers: &Scope,
) -> Result<Valid, EventAdminError> {
    let mut errors = input.errors.clone();
    let title = rules::check_texts(
        &input.title,
        &input.summary,
        &input.description,
        &mut errors,
    );
    let category = rules::parse_category(&input.category, &mut errors);
    let venue = match input.venue_id {
        Some(id) => queries::venue(conn, id)?,
        None => None,
    };
    let venue = match venue {
        Some(v) if organizers.includes(crate::db::organizers::organizer_of_venue(conn, v.id)?) => {
            Some(v)
        }
        Some(_) => {
            errors.insert(
                "venue_id",
                "Choose one of the organizer's own venues.".to_owned(),
            );
            None
        }
        None => {
            errors.insert("venue_id", "Choose a venue.".to_owned());
            None
        }
    };
    // The form's times are the venue's wall-clock times.
    let tz = zone(venue.as_ref().map_or("UTC", |v| v.timezone.as_str()));
    let schedule = Schedule {
        starts_at: input.starts_at.map(|w| w.resolve(tz)),
        ends_at: input.ends_at.map(|w| w.resolve(tz)),
        sales_start_at: input.sales_start_at.map(|w| w.resolve(tz)),
        sales_end_at: input.sales_end_at.map(|w| w.resolve(tz)),
    };
    rules::check_schedule(schedule, now, start_unchanged, &mut errors);
    let currency = rules::check_currency(&input.currency, &mut errors);
    let (max_tickets_per_order, max_tickets_per_account) = rules::check_limits(
        input.max_tickets_per_order,
        input.max_tickets_per_account,
        &mut errors,
    );
    check_tiers(&input.tiers, &mut errors);
    let mut sections = Vec::new();
    if let Some(venue) = &venue {
        let of_venue = queries::venue_sections(conn, venue.id)?;
        let of_venue: Vec<VenueSection<'_>> = of_venue
            .iter()
            .map(|s| VenueSection {
                id: s.id,
                name: &s.name,
                capacity: i64::from(s.capacity),
            })
            .collect();
        sections = rules::check_section_tiers(
            &input.section_tiers,
            &of_venue,
            input.tiers.len(),
            &mut errors,
        );
    }
    match (errors.is_empty(), category, venue, schedule.starts_at) {
        (true, Some(category), Some(venue), Some(starts_at)) => Ok(Valid {
            title,
            summary: input.summary.trim().to_owned(),
            description: input.description.trim().to_owned(),
            category,
            starts_local: to_local(starts_at, tz).naive_local(),
            venue,
            starts_at,
            ends_at: schedule.ends_at,
            currency,
            sales_start_at: schedule.sales_start_at,
            sales_end_at: schedule.sales_end_at,
            max_tickets_per_order,
            max_tickets_per_account,
            tiers: input
                .tiers
                .iter()
                .map(|t| TierInput {
                    name: t.name.trim().to_owned(),
                    ..t.clone()
                })
                .collect(),
            sections,
        }),
        _ => Err(EventAdminError::Invalid(errors)),
    }
}

/// The tiers as the rules see them (name, price).
fn check_tiers(tiers: &[TierInput], errors: &mut Errors) {
    let tiers: Vec<(&str, i64)> = tiers
        .iter()
        .map(|t| (t.name.as_str(), t.price_cents))
        .collect();
    rules::check_tiers(&tiers, errors);
}

/// A URL slug from the title, made unique among events.
pub(super) fn unique_slug(conn: &mut DbConnection, title: &str) -> Result<String, EventAdminError> {
    let base = rules::slug_base(title);
    for n in 1..=10_000u32 {
        let slug = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if !queries::slug_taken(conn, &slug)? {
            return Ok(slug);
        }
    }
    Err(invalid("title", "Too many events share this title."))
}
