//! Events: category, status, and what a buyer is told about availability.

use chrono::NaiveDateTime;

use super::text_enum;

text_enum! {
    /// What kind of event it is; the catalogue filters on it.
    pub enum Category {
        Concert => "concert",
        Theatre => "theatre",
        Sports => "sports",
        Comedy => "comedy",
        Conference => "conference",
        Family => "family",
    }
}

impl Category {
    pub const fn label(self) -> &'static str {
        match self {
            Category::Concert => "Concert",
            Category::Theatre => "Theatre",
            Category::Sports => "Sports",
            Category::Comedy => "Comedy",
            Category::Conference => "Conference",
            Category::Family => "Family",
        }
    }
}

text_enum! {
    /// The workflow (issue 22): `draft` → `review` → `approved` → `published` → `completed`;
    /// any → `cancelled`. An organizer that does not require approval may publish a draft
    /// directly. Only published and completed events (and cancelled ones) are ever public.
    pub enum EventStatus {
        Draft => "draft",
        Review => "review",
        Approved => "approved",
        Published => "published",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}

impl EventStatus {
    /// Statuses whose events the public never sees.
    pub const UNPUBLISHED: &'static [EventStatus] = &[
        EventStatus::Draft,
        EventStatus::Review,
        EventStatus::Approved,
    ];

    pub fn is_unpublished(self) -> bool {
        Self::UNPUBLISHED.contains(&self)
    }

    pub const fn label(self) -> &'static str {
        match self {
            EventStatus::Draft => "Draft",
            EventStatus::Review => "Waiting for review",
            EventStatus::Approved => "Approved",
            EventStatus::Published => "Published",
            EventStatus::Completed => "Sales closed",
            EventStatus::Cancelled => "Cancelled",
        }
    }

    /// Whether the workflow has a move from `self` to `next` (cancelling included), for any
    /// organizer; [`crate::domain::workflow::move_needs`] says who may make it.
    pub fn can_become(self, next: EventStatus) -> bool {
        use EventStatus::*;
        matches!(
            (self, next),
            (Draft, Review | Published)
                | (Review, Draft | Approved | Published)
                | (Approved, Draft | Published)
                | (Published, Completed)
                | (Draft | Review | Approved | Published | Completed, Cancelled)
        )
    }
}

/// What a buyer can do about an event right now; drives the badge and the buy button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SaleState {
    OnSale,
    FewLeft,
    SoldOut,
    NotYetOnSale,
    SalesEnded,
    Cancelled,
    Past,
    Draft,
}

/// At or below this share of capacity left (and at most this many), an event shows "few left".
const FEW_LEFT_PERCENT: i64 = 10;
const FEW_LEFT_MAX: i64 = 50;

/// The inputs of [`SaleState::of`], read from an event row and its inventory.
#[derive(Debug, Clone, Copy)]
pub struct SaleFacts {
    pub status: EventStatus,
    pub starts_at: NaiveDateTime,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
    pub capacity: i64,
    pub available: i64,
}

impl SaleState {
    pub fn of(facts: &SaleFacts, now: NaiveDateTime) -> SaleState {
        match facts.status {
            EventStatus::Draft | EventStatus::Review | EventStatus::Approved => {
                return SaleState::Draft;
            }
            EventStatus::Cancelled => return SaleState::Cancelled,
            EventStatus::Completed => return SaleState::Past,
            EventStatus::Published => {}
        }
        if facts.starts_at <= now {
            return SaleState::Past;
        }
        if facts.sales_start_at.is_some_and(|t| now < t) {
            return SaleState::NotYetOnSale;
        }
        // Without an explicit end, sales close when the event starts.
        if facts.sales_end_at.is_some_and(|t| now >= t) {
            return SaleState::SalesEnded;
        }
        if facts.available <= 0 {
            return SaleState::SoldOut;
        }
        if facts.available <= FEW_LEFT_MAX
            && facts.available * 100 <= facts.capacity * FEW_LEFT_PERCENT
        {
            return SaleState::FewLeft;
        }
        SaleState::OnSale
    }

    pub const fn label(self) -> &'static str {
        match self {
            SaleState::OnSale => "On sale",
            SaleState::FewLeft => "Few left",
            SaleState::SoldOut => "Sold out",
            SaleState::NotYetOnSale => "Sales open soon",
            SaleState::SalesEnded => "Sales ended",
            SaleState::Cancelled => "Cancelled",
            SaleState::Past => "Past event",
            SaleState::Draft => "Draft",
        }
    }

    /// A stable token for CSS classes and test selectors.
    pub const fn as_str(self) -> &'static str {
        match self {
            SaleState::OnSale => "on-sale",
            SaleState::FewLeft => "few-left",
            SaleState::SoldOut => "sold-out",
            SaleState::NotYetOnSale => "not-yet-on-sale",
            SaleState::SalesEnded => "sales-ended",
            SaleState::Cancelled => "cancelled",
            SaleState::Past => "past",
            SaleState::Draft => "draft",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 3, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    fn facts(available: i64) -> SaleFacts {
        SaleFacts {
            status: EventStatus::Published,
            starts_at: at(20, 19),
            sales_start_at: Some(at(1, 10)),
            sales_end_at: None,
            capacity: 900,
            available,
        }
    }

    #[test]
    fn status_round_trips_through_its_text() {
        for status in EventStatus::ALL {
            assert_eq!(status.as_str().parse::<EventStatus>().unwrap(), *status);
        }
        assert!("archived".parse::<EventStatus>().is_err());
    }

    #[test]
    fn only_the_documented_event_transitions_are_allowed() {
        use EventStatus::*;
        assert!(Draft.can_become(Published));
        assert!(Published.can_become(Completed));
        assert!(Published.can_become(Cancelled));
        assert!(!Completed.can_become(Published));
        assert!(!Cancelled.can_become(Published));
        assert!(!Draft.can_become(Completed));
        assert!(!Draft.can_become(Approved));
        assert!(Review.can_become(Approved));
        assert!(!Published.can_become(Draft));
        // ARCHITECTURE §3: any state can be cancelled (a completed event too: its buyers are
        // refunded), but only once.
        for from in [Draft, Review, Approved, Published, Completed] {
            assert!(from.can_become(Cancelled), "{from}");
        }
        assert!(!Cancelled.can_become(Cancelled));
    }

    #[test]
    fn sale_state_follows_time_and_inventory() {
        assert_eq!(SaleState::of(&facts(500), at(10, 12)), SaleState::OnSale);
        assert_eq!(SaleState::of(&facts(40), at(10, 12)), SaleState::FewLeft);
        assert_eq!(SaleState::of(&facts(0), at(10, 12)), SaleState::SoldOut);
        assert_eq!(
            SaleState::of(&facts(500), at(1, 9)),
            SaleState::NotYetOnSale
        );
        assert_eq!(SaleState::of(&facts(500), at(20, 19)), SaleState::Past);
        let cancelled = SaleFacts {
            status: EventStatus::Cancelled,
            ..facts(500)
        };
        assert_eq!(SaleState::of(&cancelled, at(10, 12)), SaleState::Cancelled);
        let ended = SaleFacts {
            sales_end_at: Some(at(15, 0)),
            ..facts(500)
        };
        assert_eq!(SaleState::of(&ended, at(16, 0)), SaleState::SalesEnded);
    }

    #[test]
    fn a_small_venue_is_few_left_only_below_ten_percent() {
        let small = SaleFacts {
            capacity: 60,
            ..facts(7)
        };
        assert_eq!(SaleState::of(&small, at(10, 12)), SaleState::OnSale);
        let smaller = SaleFacts {
            capacity: 60,
            ..facts(6)
        };
        assert_eq!(SaleState::of(&smaller, at(10, 12)), SaleState::FewLeft);
    }
}
