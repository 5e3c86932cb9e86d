//! The event form: its fields as posted (repeated tier rows `tier_id_N`, `tier_name_N`,
//! `tier_price_N`; one `section_<id>` select per section of the venue, valued with a tier index
//! or empty for "not on sale"), read into an [`EventInput`], and its values for re-rendering.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;

use crate::domain::event::Category;
use crate::domain::ids::{TierId, VenueId};
use crate::services::event_admin::{AdminEvent, Errors, EventInput, TierInput, VenueSection, When};

/// The form's fields as strings (what was typed), and the messages beside them.
#[derive(Debug, Clone, Default)]
pub struct EventForm {
    pub values: HashMap<String, String>,
    pub errors: Errors,
    pub tiers: Vec<TierRow>,
    /// Section id → chosen tier index (as typed).
    pub chosen: HashMap<i64, String>,
}

#[derive(Debug, Clone, Default)]
pub struct TierRow {
    pub index: usize,
    pub id: String,
    pub name: String,
    pub price: String,
}

/// One section's select.
pub struct SectionChoice {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub capacity: i32,
    pub chosen: String,
}

impl SectionChoice {
    /// Whether the form gave this section the tier at `index`.
    pub fn chose(&self, index: &usize) -> bool {
        self.chosen.trim().parse::<usize>().ok() == Some(*index)
    }
}

pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M";

impl EventForm {
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn is_venue(&self, id: &VenueId) -> bool {
        self.venue_id() == Some(*id)
    }

    pub fn has(&self, field: &str, value: &str) -> bool {
        self.value(field) == value
    }

    pub fn categories(&self) -> Vec<(&'static str, &'static str)> {
        Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect()
    }

    pub fn venue_id(&self) -> Option<VenueId> {
        self.value("venue_id").parse().ok().map(VenueId)
    }

    /// A new event's defaults: one tier, ten tickets per order, euros.
    pub fn blank() -> EventForm {
        let mut form = EventForm::default();
        form.values.insert("currency".into(), "EUR".into());
        form.values
            .insert("max_tickets_per_order".into(), "10".into());
        form.tiers.push(TierRow {
            index: 0,
            ..TierRow::default()
        });
        form
    }

    /// The current event's values, times at the venue.
    pub fn of(event: &AdminEvent) -> EventForm {
        let r = &event.row;
        let local = |t: Option<NaiveDateTime>| {
            t.map(|t| event.local(t).format(TIME_FORMAT).to_string())
                .unwrap_or_default()
        };
        let values = [
            ("title", r.title.clone()),
            ("summary", r.summary.clone()),
            ("description", r.description.clone()),
            ("category", r.category.as_str().to_owned()),
            ("venue_id", r.venue_id.0.to_string()),
            ("starts_at", local(Some(r.starts_at))),
            ("ends_at", local(r.ends_at)),
            ("currency", r.currency.to_string()),
            ("sales_start_at", local(r.sales_start_at)),
            ("sales_end_at", local(r.sales_end_at)),
            ("max_tickets_per_order", r.max_tickets_per_order.to_string()),
            (
                "max_tickets_per_account",
                r.max_tickets_per_account
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ),
            ("version", r.version.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let index: HashMap<TierId, usize> = event
            .tiers
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i))
            .collect();
        EventForm {
            values,
            errors: Errors::new(),
            tiers: event
                .tiers
                .iter()
                .enumerate()
                .map(|(i, t)| TierRow {
                    index: i,
                    id: t.id.0.to_string(),
                    name: t.name.clone(),
                    price: price_text(t.price_cents),
                })
                .collect(),
            chosen: event
                .section_tiers
                .iter()
                .filter_map(|(s, t)| Some((s.0, index.get(t)?.to_string())))
                .collect(),
        }
    }

    /// What was posted, kept as typed.
    pub fn posted(fields: Vec<(String, String)>) -> EventForm {
        let mut form = EventForm::default();
        let mut tiers: BTreeMap<usize, TierRow> = BTreeMap::new();
        for (key, value) in fields {
            if let Some(rest) = key.strip_prefix("tier_") {
                let Some((what, n)) = rest.rsplit_once('_') else {
                    continue;
                };
                let Ok(n) = n.parse::<usize>() else { continue };
                if n >= 100 {
                    continue;
                }
                let row = tiers.entry(n).or_default();
                match what {
                    "id" => row.id = value,
                    "name" => row.name = value,
                    "price" => row.price = value,
                    _ => {}
                }
            } else if let Some(section) = key.strip_prefix("section_") {
                if let Ok(id) = section.parse::<i64>() {
                    form.chosen.insert(id, value);
                }
            } else if key != "csrf_token" {
                form.values.insert(key, value);
            }
        }
        // Rows left entirely blank (an added row not filled in) are dropped.
        form.tiers = tiers
            .into_values()
            .filter(|t| !(t.id.is_empty() && t.name.trim().is_empty() && t.price.trim().is_empty()))
            .enumerate()
            .map(|(i, t)| TierRow { index: i, ..t })
            .collect();
        if form.tiers.is_empty() {
            form.tiers.push(TierRow::default());
        }
        form
    }

    /// The sections of the chosen venue with what the form chose for them.
    pub fn sections(&self, sections: &[VenueSection]) -> Vec<SectionChoice> {
        sections
            .iter()
            .map(|s| SectionChoice {
                id: s.id.0,
                name: s.name.clone(),
                kind: s.kind.as_str(),
                capacity: s.capacity,
                chosen: self.chosen.get(&s.id.0).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// The form read into the service's input; what can't be read is in `input.errors`.
    pub fn input(&self) -> EventInput {
        let mut errors = Errors::new();
        let mut time = |field: &'static str, required: bool| -> Option<When> {
            let text = self.value(field).trim();
            if text.is_empty() {
                if required {
                    errors.insert(field, "Give a date and time.".to_owned());
                }
                return None;
            }
            match NaiveDateTime::parse_from_str(text, TIME_FORMAT)
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
            {
                Ok(t) => Some(When::Local(t)),
                Err(_) => {
                    errors.insert(
                        field,
                        "Give a date and time like 2027-03-20T19:30.".to_owned(),
                    );
                    None
                }
            }
        };
        let starts_at = time("starts_at", true);
        let ends_at = time("ends_at", false);
        let sales_start_at = time("sales_start_at", false);
        let sales_end_at = time("sales_end_at", false);
        let max = match self.value("max_tickets_per_order").trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.insert("max_tickets_per_order", "Give a whole number.".to_owned());
                    None
                }
            },
        };
        // Empty: no per-account cap.
        let per_account = match self.value("max_tickets_per_account").trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.insert(
                        "max_tickets_per_account",
                        "Give a whole number, or leave it empty for no limit.".to_owned(),
                    );
                    None
                }
            },
        };
        let mut tiers = Vec::new();
        let mut bad_prices = Vec::new();
        for t in &self.tiers {
            let price_cents = match parse_price(&t.price) {
                Some(c) => c,
                None => {
                    bad_prices.push(t.index + 1);
                    -1
                }
            };
            tiers.push(TierInput {
                id: t.id.parse::<i64>().ok().map(TierId),
                name: t.name.clone(),
                price_cents,
            });
        }
        if !bad_prices.is_empty() {
            errors.insert(
                "tiers",
                format!(
                    "Give each tier a price like 45.00 (tier {}).",
                    bad_prices
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        let section_tiers = self
            .chosen
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(s, v)| (*s, v.trim().parse::<i64>().unwrap_or(-1)))
            .collect();
        EventInput {
            organizer_id: None,
            title: self.value("title").to_owned(),
            summary: self.value("summary").to_owned(),
            description: self.value("description").to_owned(),
            category: self.value("category").to_owned(),
            venue_id: self.venue_id(),
            starts_at,
            ends_at,
            currency: self.value("currency").trim().to_uppercase(),
            sales_start_at,
            sales_end_at,
            max_tickets_per_order: max,
            max_tickets_per_account: per_account,
            tiers,
            section_tiers,
            errors,
        }
    }
}

/// `4500` → `45.00`.
pub fn price_text(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `45`, `45.5`, `45.50` → cents; anything else (negative, three decimals, words) → `None`.
pub fn parse_price(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 9 {
        return None;
    }
    if fraction.len() > 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents = format!("{fraction:0<2}").parse::<i64>().ok()?;
    Some(whole.parse::<i64>().ok()? * 100 + cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_read_as_cents_and_nonsense_is_refused() {
        assert_eq!(parse_price("45"), Some(4500));
        assert_eq!(parse_price("45.5"), Some(4550));
        assert_eq!(parse_price(" 0.05 "), Some(5));
        assert_eq!(parse_price("-1"), None);
        assert_eq!(parse_price("1.234"), None);
        assert_eq!(parse_price("ten"), None);
        assert_eq!(parse_price(""), None);
        assert_eq!(price_text(4550), "45.50");
    }

    #[test]
    fn blank_added_tier_rows_are_dropped_and_rows_renumbered() {
        let form = EventForm::posted(vec![
            ("tier_name_0".into(), "Stalls".into()),
            ("tier_price_0".into(), "40".into()),
            ("tier_name_1".into(), "".into()),
            ("tier_price_1".into(), "".into()),
            ("tier_name_2".into(), "Circle".into()),
            ("tier_price_2".into(), "25.50".into()),
            ("section_7".into(), "1".into()),
        ]);
        let input = form.input();
        assert_eq!(input.tiers.len(), 2);
        assert_eq!(input.tiers[1].price_cents, 2550);
        assert_eq!(input.section_tiers.get(&7), Some(&1));
    }
}
