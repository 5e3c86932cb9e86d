//! What templates show of the catalogue: cards, filter state, pagination links.

use crate::domain::catalogue::{CatalogueQuery, FieldErrors, RawCatalogueQuery, Sort, page_window};
use crate::domain::event::Category;
use crate::services::catalogue::{EventSummary, SearchResults};

/// The filter form as submitted, for re-rendering (including invalid values and messages).
#[derive(Debug, Clone, Default)]
pub struct FilterForm {
    pub q: String,
    pub city: String,
    pub category: String,
    pub from: String,
    pub to: String,
    pub available: bool,
    pub sort: String,
    pub errors: FieldErrors,
}

impl FilterForm {
    /// The form as the visitor sent it, with the sort and checkbox as they were read.
    pub fn new(raw: RawCatalogueQuery, query: &CatalogueQuery, errors: FieldErrors) -> Self {
        FilterForm {
            q: raw.q.unwrap_or_default(),
            city: raw.city.unwrap_or_default(),
            category: raw.category.unwrap_or_default(),
            from: raw.from.unwrap_or_default(),
            to: raw.to.unwrap_or_default(),
            available: query.available_only,
            sort: query.sort.as_str().to_owned(),
            errors,
        }
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

pub struct CategoryOption {
    pub value: &'static str,
    pub label: &'static str,
}

pub fn categories() -> Vec<CategoryOption> {
    Category::ALL
        .iter()
        .map(|c| CategoryOption {
            value: c.as_str(),
            label: c.label(),
        })
        .collect()
}

pub struct SortOption {
    pub value: &'static str,
    pub label: &'static str,
}

pub fn sorts() -> Vec<SortOption> {
    Sort::ALL
        .iter()
        .map(|s| SortOption {
            value: s.as_str(),
            label: s.label(),
        })
        .collect()
}

/// One link of the pager; `href` keeps every filter.
pub struct PageLink {
    pub number: Option<u32>,
    pub href: String,
    pub current: bool,
}

pub struct Pager {
    pub previous: Option<String>,
    pub next: Option<String>,
    pub links: Vec<PageLink>,
}

impl Pager {
    pub fn new(q: &CatalogueQuery, results: &SearchResults) -> Option<Pager> {
        let last = results.last_page();
        if last <= 1 {
            return None;
        }
        let current = q.page.min(last);
        Some(Pager {
            previous: (current > 1).then(|| events_href(q, current - 1)),
            next: (current < last).then(|| events_href(q, current + 1)),
            links: page_window(current, last)
                .into_iter()
                .map(|n| PageLink {
                    number: n,
                    href: n.map(|n| events_href(q, n)).unwrap_or_default(),
                    current: n == Some(current),
                })
                .collect(),
        })
    }
}

/// `/events?…` for this query at `page`, with only the parameters that differ from defaults.
pub fn events_href(q: &CatalogueQuery, page: u32) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if !q.words.is_empty() {
        pairs.push(("q", q.words.join(" ")));
    }
    if let Some(city) = &q.city {
        pairs.push(("city", city.clone()));
    }
    if let Some(category) = q.category {
        pairs.push(("category", category.as_str().to_owned()));
    }
    if let Some(from) = q.from {
        pairs.push(("from", from.to_string()));
    }
    if let Some(to) = q.to {
        pairs.push(("to", to.to_string()));
    }
    if q.available_only {
        pairs.push(("available", "1".to_owned()));
    }
    if q.sort != Sort::default() {
        pairs.push(("sort", q.sort.as_str().to_owned()));
    }
    if page > 1 {
        pairs.push(("page", page.to_string()));
    }
    match serde_urlencoded::to_string(&pairs) {
        Ok(qs) if !qs.is_empty() => format!("/events?{qs}"),
        _ => "/events".to_owned(),
    }
}

/// What cards call on an event.
pub trait CardView {
    fn note(&self) -> Option<String>;
}

impl CardView for EventSummary {
    /// A card's sentence about availability, beyond what its badge says.
    fn note(&self) -> Option<String> {
        match self.sale {
            crate::domain::event::SaleState::FewLeft => {
                Some(format!("Only {} left", self.available))
            }
            _ => None,
        }
    }
}
