//! The rules an event's details follow, checked before anything is stored: its texts, category,
//! dates and sales window, ticket limits, price tiers, the sections it sells and its URL slug.
//! No I/O: `services::event_admin` reads the venue and its sections, then asks these. Each rule
//! adds a message per bad field to the form's errors.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use super::catalogue::FieldErrors;
use super::event::Category;
use super::ids::SectionId;
use super::money::Currency;

pub const TITLE_MAX: usize = 200;
pub const SUMMARY_MAX: usize = 500;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const TIER_NAME_MAX: usize = 100;
pub const PRICE_MAX_CENTS: i64 = 100_000_000;
/// Tickets one order may hold, at most.
pub const MAX_TICKETS: i64 = 50;
/// The largest per-account limit an event may set.
pub const MAX_TICKETS_PER_ACCOUNT: i64 = 1_000;
/// Tickets per order when the form leaves it empty.
pub const DEFAULT_TICKETS_PER_ORDER: i64 = 10;

/// The title, trimmed, when it is 1 to [`TITLE_MAX`] characters; the summary and description
/// within their lengths.
pub fn check_texts(
    title: &str,
    summary: &str,
    description: &str,
    errors: &mut FieldErrors,
) -> String {
    let title = title.trim().to_owned();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        errors.insert(
            "title",
            format!("Give a title of 1 to {TITLE_MAX} characters."),
        );
    }
    if summary.chars().count() > SUMMARY_MAX {
        errors.insert(
            "summary",
            "Keep the summary under 500 characters.".to_owned(),
        );
    }
    if description.chars().count() > DESCRIPTION_MAX {
        errors.insert(
            "description",
            "Keep the description under 20,000 characters.".to_owned(),
        );
    }
    title
}

pub fn parse_category(raw: &str, errors: &mut FieldErrors) -> Option<Category> {
    let category = raw.trim().parse::<Category>().ok();
    if category.is_none() {
        let choices: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        errors.insert(
            "category",
            format!("Choose one of: {}.", choices.join(", ")),
        );
    }
    category
}

/// The currency code, trimmed, when it is three capital letters.
pub fn check_currency(raw: &str, errors: &mut FieldErrors) -> String {
    let currency = raw.trim().to_owned();
    if Currency::parse(&currency).is_err() {
        errors.insert(
            "currency",
            "Give a currency code of three capital letters, like EUR.".to_owned(),
        );
    }
    currency
}

/// When an event happens and sells, as instants (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
}

/// A start in the future (an edit may keep a start that has passed: `start_unchanged`), an
/// end after it, and a sales window that opens before it ends and closes by the start.
pub fn check_schedule(
    s: Schedule,
    now: NaiveDateTime,
    start_unchanged: Option<NaiveDateTime>,
    errors: &mut FieldErrors,
) {
    match s.starts_at {
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
    if let (Some(start), Some(end)) = (s.starts_at, s.ends_at)
        && end <= start
    {
        errors.insert("ends_at", "The end must be after the start.".to_owned());
    }
    if let (Some(open), Some(close)) = (s.sales_start_at, s.sales_end_at)
        && close <= open
    {
        errors.insert(
            "sales_end_at",
            "Sales must end after they start.".to_owned(),
        );
    }
    if let Some(start) = s.starts_at {
        if s.sales_start_at.is_some_and(|open| open >= start) {
            errors.insert(
                "sales_start_at",
                "Sales must open before the event starts.".to_owned(),
            );
        }
        if s.sales_end_at.is_some_and(|close| close > start) {
            errors
                .entry("sales_end_at")
                .or_insert_with(|| "Sales must end by the time the event starts.".to_owned());
        }
    }
}

/// Tickets per order (1 to [`MAX_TICKETS`], [`DEFAULT_TICKETS_PER_ORDER`] when not given) and
/// per account (1 to [`MAX_TICKETS_PER_ACCOUNT`], or no limit).
pub fn check_limits(
    per_order: Option<i64>,
    per_account: Option<i64>,
    errors: &mut FieldErrors,
) -> (i32, Option<i32>) {
    let max = per_order.unwrap_or(DEFAULT_TICKETS_PER_ORDER);
    if !(1..=MAX_TICKETS).contains(&max) {
        errors.insert(
            "max_tickets_per_order",
            format!("Allow 1 to {MAX_TICKETS} tickets per order."),
        );
    }
    if per_account.is_some_and(|n| !(1..=MAX_TICKETS_PER_ACCOUNT).contains(&n)) {
        errors.insert(
            "max_tickets_per_account",
            format!(
                "Allow 1 to {MAX_TICKETS_PER_ACCOUNT} tickets per account, or leave it empty for no limit."
            ),
        );
    }
    (
        i32::try_from(max).unwrap_or(10),
        per_account.and_then(|n| i32::try_from(n).ok()),
    )
}

/// At least one tier; each named (1 to [`TIER_NAME_MAX`] characters, no two alike, ignoring
/// case) and priced from 0 to [`PRICE_MAX_CENTS`]. `tiers`: (name, price in cents).
pub fn check_tiers(tiers: &[(&str, i64)], errors: &mut FieldErrors) {
    if tiers.is_empty() {
        errors.insert("tiers", "Add at least one price tier.".to_owned());
        return;
    }
    let mut problems = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (i, (name, price_cents)) in tiers.iter().enumerate() {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > TIER_NAME_MAX {
            problems.push(format!(
                "tier {} needs a name of 1 to {TIER_NAME_MAX} characters",
                i + 1
            ));
        } else if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            problems.push(format!("two tiers are called {name}"));
        }
        names.push(name);
        if !(0..=PRICE_MAX_CENTS).contains(price_cents) {
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

/// A section of the event's venue, as the choice of what to sell needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VenueSection<'a> {
    pub id: SectionId,
    pub name: &'a str,
    pub capacity: i64,
}

/// The sections put on sale (section → index of its tier among `tier_count` tiers): each must
/// be a section of the venue with places to sell, naming a tier; at least one.
pub fn check_section_tiers(
    chosen: &BTreeMap<i64, i64>,
    of_venue: &[VenueSection<'_>],
    tier_count: usize,
    errors: &mut FieldErrors,
) -> Vec<(SectionId, usize)> {
    let mut sections = Vec::new();
    let mut bad = Vec::new();
    for (section, tier) in chosen {
        let known = of_venue.iter().find(|s| s.id.0 == *section);
        match (known, usize::try_from(*tier).ok()) {
            (Some(s), Some(i)) if i < tier_count && s.capacity > 0 => sections.push((s.id, i)),
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
    sections
}

/// The URL slug a title suggests: lower-case letters and digits joined by single dashes, at
/// most 180 characters, `event` when nothing is left. (The caller makes it unique.)
pub fn slug_base(title: &str) -> String {
    let mut base = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            base.push(c);
        } else if !base.ends_with('-') && !base.is_empty() {
            base.push('-');
        }
    }
    let base: String = base.trim_end_matches('-').chars().take(180).collect();
    if base.is_empty() {
        "event".to_owned()
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 3, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .expect("a valid date")
    }

    #[test]
    fn a_schedule_starts_in_the_future_and_sells_before_it_starts() {
        let now = at(1, 12);
        let good = Schedule {
            starts_at: Some(at(10, 20)),
            ends_at: Some(at(10, 23)),
            sales_start_at: Some(at(2, 10)),
            sales_end_at: Some(at(10, 19)),
        };
        let mut errors = FieldErrors::new();
        check_schedule(good, now, None, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");

        let bad = Schedule {
            starts_at: Some(at(1, 11)),
            ends_at: Some(at(1, 10)),
            sales_start_at: Some(at(1, 11)),
            sales_end_at: Some(at(1, 9)),
        };
        check_schedule(bad, now, None, &mut errors);
        let fields: Vec<&str> = errors.keys().copied().collect();
        assert_eq!(
            fields,
            ["ends_at", "sales_end_at", "sales_start_at", "starts_at"]
        );
        // An edit may keep a start that has passed.
        let mut errors = FieldErrors::new();
        check_schedule(
            Schedule {
                starts_at: Some(at(1, 11)),
                ends_at: None,
                sales_start_at: None,
                sales_end_at: None,
            },
            now,
            Some(at(1, 11)),
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn tiers_need_distinct_names_and_prices_from_zero() {
        let mut errors = FieldErrors::new();
        check_tiers(&[("Stalls", 4500), ("Free", 0)], &mut errors);
        assert!(errors.is_empty());
        check_tiers(&[("Stalls", 4500), ("stalls", -1), ("", 10)], &mut errors);
        assert_eq!(
            errors["tiers"],
            "Check the tiers: two tiers are called stalls; tier 2 needs a price of 0 or more; \
             tier 3 needs a name of 1 to 100 characters."
        );
        let mut errors = FieldErrors::new();
        check_tiers(&[], &mut errors);
        assert_eq!(errors["tiers"], "Add at least one price tier.");
    }

    #[test]
    fn limits_default_to_ten_per_order_and_no_account_limit() {
        let mut errors = FieldErrors::new();
        assert_eq!(check_limits(None, None, &mut errors), (10, None));
        assert_eq!(check_limits(Some(4), Some(8), &mut errors), (4, Some(8)));
        assert!(errors.is_empty());
        check_limits(Some(51), Some(0), &mut errors);
        assert!(errors.contains_key("max_tickets_per_order"));
        assert!(errors.contains_key("max_tickets_per_account"));
    }

    #[test]
    fn sections_on_sale_must_be_the_venues_with_places_and_a_tier() {
        let venue = [
            VenueSection {
                id: SectionId(1),
                name: "Stalls",
                capacity: 100,
            },
            VenueSection {
                id: SectionId(2),
                name: "Closed",
                capacity: 0,
            },
        ];
        let mut errors = FieldErrors::new();
        let chosen = BTreeMap::from([(1, 0)]);
        assert_eq!(
            check_section_tiers(&chosen, &venue, 1, &mut errors),
            vec![(SectionId(1), 0)]
        );
        assert!(errors.is_empty());
        let chosen = BTreeMap::from([(1, 3), (2, 0), (9, 0)]);
        check_section_tiers(&chosen, &venue, 1, &mut errors);
        assert_eq!(
            errors["section_tiers"],
            "Check the sections: section Stalls names no tier of this event; \
             section Closed has no seats to sell; 9 is not a section of this venue."
        );
        let mut errors = FieldErrors::new();
        check_section_tiers(&BTreeMap::new(), &venue, 1, &mut errors);
        assert_eq!(errors["section_tiers"], "Put at least one section on sale.");
    }

    #[test]
    fn texts_currency_category_and_slugs() {
        let mut errors = FieldErrors::new();
        assert_eq!(check_texts("  Hamlet ", "", "", &mut errors), "Hamlet");
        assert_eq!(check_currency(" EUR ", &mut errors), "EUR");
        assert_eq!(
            parse_category("theatre", &mut errors),
            Some(Category::Theatre)
        );
        assert!(errors.is_empty());
        check_texts(" ", &"x".repeat(501), "", &mut errors);
        check_currency("eur", &mut errors);
        assert_eq!(parse_category("opera", &mut errors), None);
        let fields: Vec<&str> = errors.keys().copied().collect();
        assert_eq!(fields, ["category", "currency", "summary", "title"]);
        assert_eq!(
            slug_base("Hamlet — Live at the Globe!"),
            "hamlet-live-at-the-globe"
        );
        assert_eq!(slug_base("!!!"), "event");
    }
}
