//! Venues and their sections.

use super::text_enum;

text_enum! {
    /// A seated section has numbered seats on a map; a standing one has a capacity.
    pub enum SectionKind {
        Seated => "seated",
        Standing => "standing",
    }
}

text_enum! {
    /// Per event, the state of one seat. A seat under an expired hold reads as `available`.
    pub enum SeatStatus {
        Available => "available",
        Held => "held",
        Sold => "sold",
        Blocked => "blocked",
    }
}

/// The public venue list's query string as submitted (`GET /venues`, `GET /api/v1/venues`):
/// strings, so that a bad value is reported rather than refused wholesale by the extractor.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RawVenueQuery {
    /// Only venues in this city (case ignored).
    pub city: Option<String>,
    /// From 1.
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// A valid venue list query: venues by name, optionally in one city, a page of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VenueQuery {
    pub city: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

impl VenueQuery {
    /// Reads the raw values as the event list does (`catalogue::paging`, `catalogue::city_filter`);
    /// bad fields get a message and are left at their defaults.
    pub fn parse(
        raw: &RawVenueQuery,
        default_per_page: u32,
    ) -> (VenueQuery, super::catalogue::FieldErrors) {
        use super::catalogue::{FieldErrors, city_filter, paging};
        let mut errors = FieldErrors::new();
        let (page, per_page) = paging(&raw.page, &raw.per_page, default_per_page, &mut errors);
        let query = VenueQuery {
            city: city_filter(&raw.city),
            page,
            per_page,
        };
        (query, errors)
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(city: Option<&str>, page: Option<&str>, per_page: Option<&str>) -> RawVenueQuery {
        RawVenueQuery {
            city: city.map(str::to_owned),
            page: page.map(str::to_owned),
            per_page: per_page.map(str::to_owned),
        }
    }

    #[test]
    fn a_venue_query_reads_its_pages_as_the_event_list_does() {
        let (q, errors) = VenueQuery::parse(&raw(Some("  Berlin "), Some("2"), Some("5")), 20);
        assert!(errors.is_empty());
        assert_eq!(
            q,
            VenueQuery {
                city: Some("Berlin".to_owned()),
                page: 2,
                per_page: 5
            }
        );
        assert_eq!(q.offset(), 5);
        let (q, errors) = VenueQuery::parse(&raw(Some(" "), Some("0"), Some("101")), 20);
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            vec!["page", "per_page"]
        );
        assert_eq!((q.city, q.page, q.per_page), (None, 1, 20));
    }
}
