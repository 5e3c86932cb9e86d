//! The public catalogue's search: raw query-string values parsed into a [`CatalogueQuery`].

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use super::event::Category;

pub const MAX_WORDS: usize = 8;
pub const MAX_WORD_LEN: usize = 60;
pub const MAX_PER_PAGE: u32 = 100;
pub const MAX_PAGE: u32 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Soonest first.
    #[default]
    Date,
    /// Cheapest ticket first.
    Price,
    /// Dearest ticket first.
    PriceDesc,
    Title,
}

impl Sort {
    pub const ALL: &'static [Sort] = &[Sort::Date, Sort::Price, Sort::PriceDesc, Sort::Title];

    pub const fn as_str(self) -> &'static str {
        match self {
            Sort::Date => "date",
            Sort::Price => "price",
            Sort::PriceDesc => "price_desc",
            Sort::Title => "title",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Sort::Date => "Soonest first",
            Sort::Price => "Lowest price",
            Sort::PriceDesc => "Highest price",
            Sort::Title => "Title A–Z",
        }
    }

    fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.iter().copied().find(|sort| sort.as_str() == s)
    }
}

/// The query string as submitted: every field a string so that a bad value is reported, not
/// rejected wholesale by the extractor.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RawCatalogueQuery {
    /// Words, each in the title, summary, description or venue.
    pub q: Option<String>,
    pub city: Option<String>,
    /// One of the categories.
    pub category: Option<String>,
    /// A date (`YYYY-MM-DD`): events starting on or after it.
    pub from: Option<String>,
    /// A date (`YYYY-MM-DD`): events starting on or before it.
    pub to: Option<String>,
    /// `1`, `true`, `on` or `yes`: only events with tickets left.
    pub available: Option<String>,
    /// `date` (the default), `price`, `price_desc` or `title`.
    pub sort: Option<String>,
    /// From 1.
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// A valid catalogue search.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CatalogueQuery {
    /// Lower-cased words; an event matches when every word appears in its title, description,
    /// venue name or city.
    pub words: Vec<String>,
    pub city: Option<String>,
    pub category: Option<Category>,
    /// Inclusive dates, in each venue's local time.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub available_only: bool,
    pub sort: Sort,
    pub page: u32,
    pub per_page: u32,
}

/// Field → message, for the form and for the 422 problem document.
pub type FieldErrors = BTreeMap<&'static str, String>;

impl CatalogueQuery {
    /// Parses the raw values. Every bad field gets a message; the returned query leaves the bad
    /// fields at their defaults so a page can still show results next to the messages.
    pub fn parse(raw: &RawCatalogueQuery, default_per_page: u32) -> (CatalogueQuery, FieldErrors) {
        let mut errors = FieldErrors::new();

        let words: Vec<String> = text(&raw.q)
            .map(|q| {
                printable(q)
                    .split_whitespace()
                    .map(|w| {
                        w.chars()
                            .take(MAX_WORD_LEN)
                            .collect::<String>()
                            .to_lowercase()
                    })
                    .take(MAX_WORDS)
                    .collect()
            })
            .unwrap_or_default();

        let city = city_filter(&raw.city);

        let category = match text(&raw.category) {
            None => None,
            Some(c) => match c.to_ascii_lowercase().parse::<Category>() {
                Ok(category) => Some(category),
                Err(_) => {
                    errors.insert("category", format!("Unknown category “{}”.", clip(c)));
                    None
                }
            },
        };

        let mut date = |field: &'static str, v: &Option<String>| match text(v) {
            None => None,
            Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(date) => Some(date),
                Err(_) => {
                    errors.insert(field, "Use a date like 2027-03-20.".to_owned());
                    None
                }
            },
        };
        let mut from = date("from", &raw.from);
        let mut to = date("to", &raw.to);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.insert("to", "The end date is before the start date.".to_owned());
            (from, to) = (None, None);
        }

        let available_only = matches!(
            text(&raw.available).map(str::to_ascii_lowercase).as_deref(),
            Some("1" | "true" | "on" | "yes")
        );

        let sort = match text(&raw.sort) {
            None => Sort::default(),
            Some(s) => Sort::parse(s).unwrap_or_else(|| {
                errors.insert("sort", format!("Unknown sort order “{}”.", clip(s)));
                Sort::default()
            }),
        };

        let (page, per_page) = paging(&raw.page, &raw.per_page, default_per_page, &mut errors);

        let query = CatalogueQuery {
            words,
            city,
            category,
            from,
            to,
            available_only,
            sort,
            page,
            per_page,
        };
        (query, errors)
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    /// Whether the visitor narrowed the catalogue at all (for the empty-state wording).
    pub fn is_filtered(&self) -> bool {
        !self.words.is_empty()
            || self.city.is_some()
            || self.category.is_some()
            || self.from.is_some()
            || self.to.is_some()
            || self.available_only
    }
}

/// `page` (from 1, at most [`MAX_PAGE`]) and `per_page` (1 to [`MAX_PER_PAGE`]) as submitted;
/// a bad value gets a message in `errors` and is left at its default. Every paged list of the
/// public catalogue (events, venues) reads its pages with this.
pub fn paging(
    page: &Option<String>,
    per_page: &Option<String>,
    default_per_page: u32,
    errors: &mut FieldErrors,
) -> (u32, u32) {
    let mut number = |field: &'static str, v: &Option<String>, default: u32, max: u32| match text(v)
    {
        None => default,
        Some(n) => match n.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.insert(field, format!("Use a whole number from 1 to {max}."));
                default
            }
        },
    };
    (
        number("page", page, 1, MAX_PAGE),
        number("per_page", per_page, default_per_page, MAX_PER_PAGE),
    )
}

/// A city to filter on as submitted: printable, trimmed, at most 100 characters; `None` when
/// blank (compared without case by the queries).
pub fn city_filter(city: &Option<String>) -> Option<String> {
    text(city)
        .map(|c| printable(c).trim().chars().take(100).collect::<String>())
        .filter(|c| !c.is_empty())
}

/// A submitted value, trimmed; `None` when absent or blank.
fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Control characters (a NUL that PostgreSQL refuses in text, say) become spaces.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern, and wraps it in `%…%`.
pub fn contains_pattern(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Page numbers to show: first, last, and a window around the current page; `None` is a gap.
pub fn page_window(current: u32, last: u32) -> Vec<Option<u32>> {
    let mut pages = Vec::new();
    let mut previous = 0;
    for p in 1..=last {
        if p == 1 || p == last || p.abs_diff(current) <= 2 {
            if p > previous + 1 {
                pages.push(None);
            }
            pages.push(Some(p));
            previous = p;
        }
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawCatalogueQuery {
        let encoded = serde_urlencoded::to_string(pairs).unwrap();
        serde_urlencoded::from_str(&encoded).unwrap()
    }

    #[test]
    fn an_empty_query_is_the_whole_catalogue() {
        let (q, errors) = CatalogueQuery::parse(&raw(&[]), 12);
        assert!(errors.is_empty());
        assert_eq!(q.page, 1);
        assert_eq!(q.per_page, 12);
        assert_eq!(q.sort, Sort::Date);
        assert!(!q.is_filtered());
    }

    #[test]
    fn words_are_lower_cased_and_bounded() {
        let (q, _) = CatalogueQuery::parse(&raw(&[("q", "  Jazz   LONDON  ")]), 12);
        assert_eq!(q.words, vec!["jazz", "london"]);
        let many = "a ".repeat(50);
        let (q, _) = CatalogueQuery::parse(&raw(&[("q", &many)]), 12);
        assert_eq!(q.words.len(), MAX_WORDS);
    }

    #[test]
    fn bad_values_are_reported_per_field_and_left_at_defaults() {
        let (q, errors) = CatalogueQuery::parse(
            &raw(&[
                ("category", "opera"),
                ("from", "tomorrow"),
                ("page", "-3"),
                ("per_page", "100000"),
                ("sort", "random"),
            ]),
            12,
        );
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            vec!["category", "from", "page", "per_page", "sort"]
        );
        assert_eq!(q.category, None);
        assert_eq!(q.from, None);
        assert_eq!(q.page, 1);
        assert_eq!(q.per_page, 12);
    }

    #[test]
    fn a_reversed_date_range_is_an_error() {
        let (q, errors) =
            CatalogueQuery::parse(&raw(&[("from", "2027-05-01"), ("to", "2027-04-01")]), 12);
        assert!(errors.contains_key("to"));
        assert_eq!((q.from, q.to), (None, None));
    }

    #[test]
    fn control_characters_never_reach_a_query() {
        let (q, _) = CatalogueQuery::parse(&raw(&[("q", "jazz\0club"), ("city", "\u{7}")]), 12);
        assert_eq!(q.words, vec!["jazz", "club"]);
        assert_eq!(q.city, None);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn the_page_window_keeps_ends_and_neighbours() {
        assert_eq!(page_window(1, 1), vec![Some(1)]);
        assert_eq!(
            page_window(6, 12),
            vec![
                Some(1),
                None,
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                Some(8),
                None,
                Some(12)
            ]
        );
    }
}
