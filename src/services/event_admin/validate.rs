//! Checking an event form: dates, tiers, prices, a unique slug.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::event_admin::{self as queries};
use crate::domain::event::Category;
use crate::domain::local_time::{to_local, zone};

use super::input::{
    Errors, EventAdminError, EventInput, MAX_TICKETS, MAX_TICKETS_PER_ACCOUNT, TITLE_MAX,
    TierInput, Valid, invalid,
};

pub(super) fn validate(
    conn: &mut DbConnection,
    input: &EventInput,
    now: NaiveDateTime,
    start_unchanged: Option<NaiveDateTime>,
) -> Result<Valid, EventAdminError> {
    let mut errors = input.errors.clone();
    let title = input.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        errors.insert(
            "title",
            format!("Give a title of 1 to {TITLE_MAX} characters."),
        );
    }
    if input.summary.chars().count() > 500 {
        errors.insert(
            "summary",
            "Keep the summary under 500 characters.".to_owned(),
        );
    }
    if input.description.chars().count() > 20_000 {
        errors.insert(
            "description",
            "Keep the description under 20,000 characters.".to_owned(),
        );
    }
    let category = input.category.trim().parse::<Category>().ok();
    if category.is_none() {
        errors.insert(
            "category",
            format!(
                "Choose one of: {}.",
                Category::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let venue = match input.venue_id {
        Some(id) => queries::venue(conn, id)?,
        None => None,
    };
    if venue.is_none() {
        errors.insert("venue_id", "Choose a venue.".to_owned());
    }
    let tz = zone(venue.as_ref().map_or("UTC", |v| v.timezone.as_str()));
    let starts_at = input.starts_at.map(|w| w.resolve(tz));
    match starts_at {
        None => {
            errors
                .entry("starts_at")
                .or_insert_with(|| "Give the start date and time.".to_owned());
        }
        Some(t) if t <= now && start_unchanged != Some(t) => {
            errors.insert("starts_at", "The start must be in the future.".to_owned());
        }
        Some(_) => {}
    }
    let ends_at = input.ends_at.map(|w| w.resolve(tz));
    if let (Some(s), Some(e)) = (starts_at, ends_at)
        && e <= s
    {
        errors.insert("ends_at", "The end must be after the start.".to_owned());
    }
    let currency = input.currency.trim().to_owned();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.insert(
            "currency",
            "Give a currency code of three capital letters, like EUR.".to_owned(),
        );
    }
    let sales_start_at = input.sales_start_at.map(|w| w.resolve(tz));
    let sales_end_at = input.sales_end_at.map(|w| w.resolve(tz));
    if let (Some(a), Some(b)) = (sales_start_at, sales_end_at)
        && b <= a
    {
        errors.insert(
            "sales_end_at",
            "Sales must end after they start.".to_owned(),
        );
    }
    if let Some(s) = starts_at {
        if sales_start_at.is_some_and(|a| a >= s) {
            errors.insert(
                "sales_start_at",
                "Sales must open before the event starts.".to_owned(),
            );
        }
        if sales_end_at.is_some_and(|b| b > s) {
            errors
                .entry("sales_end_at")
                .or_insert_with(|| "Sales must end by the time the event starts.".to_owned());
        }
    }
    let max = input.max_tickets_per_order.unwrap_or(10);
    if !(1..=MAX_TICKETS).contains(&max) {
        errors.insert(
            "max_tickets_per_order",
            format!("Allow 1 to {MAX_TICKETS} tickets per order."),
        );
    }
    let per_account = input.max_tickets_per_account;
    if per_account.is_some_and(|n| !(1..=MAX_TICKETS_PER_ACCOUNT).contains(&n)) {
        errors.insert(
            "max_tickets_per_account",
            format!(
                "Allow 1 to {MAX_TICKETS_PER_ACCOUNT} tickets per account, or leave it empty for no limit."
            ),
        );
    }
    check_tiers(&input.tiers, &mut errors);
    let mut sections = Vec::new();
    if let Some(venue) = &venue {
        let of_venue = queries::venue_sections(conn, venue.id)?;
        let mut bad = Vec::new();
        for (section, tier) in &input.section_tiers {
            let known = of_venue.iter().find(|s| s.id.0 == *section);
            match (known, usize::try_from(*tier).ok()) {
                (Some(s), Some(i)) if i < input.tiers.len() && s.capacity > 0 => {
                    sections.push((s.id, i));
                }
                (Some(s), _) if s.capacity == 0 => {
                    bad.push(format!("section {} has no seats to sell", s.name))
                }
                (Some(s), _) => bad.push(format!("section {} names no tier of this event", s.name)),
                (None, _) => bad.push(format!("{section} is not a section of this venue")),
            }
        }
        if !bad.is_empty() {
            errors.insert(
                "section_tiers",
                format!("Check the sections: {}.", bad.join("; ")),
            );
        } else if sections.is_empty() {
            errors.insert(
                "section_tiers",
                "Put at least one section on sale.".to_owned(),
            );
        }
    }
    match (errors.is_empty(), category, venue, starts_at) {
        (true, Some(category), Some(venue), Some(starts_at)) => Ok(Valid {
            title,
            summary: input.summary.trim().to_owned(),
            description: input.description.trim().to_owned(),
            category,
            starts_local: to_local(starts_at, tz).naive_local(),
            venue,
            starts_at,
            ends_at,
            currency,
            sales_start_at,
            sales_end_at,
            max_tickets_per_order: i32::try_from(max).unwrap_or(10),
            max_tickets_per_account: per_account.and_then(|n| i32::try_from(n).ok()),
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

pub(super) fn check_tiers(tiers: &[TierInput], errors: &mut Errors) {
    if tiers.is_empty() {
        errors.insert("tiers", "Add at least one price tier.".to_owned());
        return;
    }
    let mut problems = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (i, t) in tiers.iter().enumerate() {
        let name = t.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            problems.push(format!(
                "tier {} needs a name of 1 to 100 characters",
                i + 1
            ));
        } else if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            problems.push(format!("two tiers are called {name}"));
        }
        names.push(name.to_owned());
        if !(0..=100_000_000).contains(&t.price_cents) {
            problems.push(format!("tier {} needs a price of 0 or more", i + 1));
        }
    }
    if !problems.is_empty() {
        errors.insert(
            "tiers",
            format!("Check the tiers: {}.", problems.join("; ")),
        );
    }
}

/// A URL slug from the title, made unique among events.
pub(super) fn unique_slug(conn: &mut DbConnection, title: &str) -> Result<String, EventAdminError> {
    let mut base = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            base.push(c);
        } else if !base.ends_with('-') && !base.is_empty() {
            base.push('-');
        }
    }
    let mut base: String = base.trim_end_matches('-').chars().take(180).collect();
    if base.is_empty() {
        base = "event".to_owned();
    }
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
