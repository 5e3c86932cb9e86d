//! The public catalogue: search, the home page, one event, its seats, the venues.

mod cache;
mod event;
mod search;
mod seats;
mod venues;
mod views;

pub use cache::CatalogueCache;
pub use event::{event, is_public, section_counts};
pub use search::{Home, cities, home, search};
pub use seats::{EventSeats, SeatView, seats};
pub use venues::{VENUE_PAGE_EVENTS, VenueDetail, VenueList, VenueSummary, venue, venues};
pub use views::{
    CatalogueError, EventDetail, EventSummary, SearchResults, StandingAvailability,
    TierAvailability,
};
