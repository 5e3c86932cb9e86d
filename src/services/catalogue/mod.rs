//! The public catalogue: search, the home page, one event, its seats.

mod cache;
mod event;
mod search;
mod seats;
mod views;

pub use cache::CatalogueCache;
pub use event::{event, is_public, section_counts};
pub use search::{Home, cities, home, search};
pub use seats::{EventSeats, SeatView, seats};
pub use views::{
    CatalogueError, EventDetail, EventSummary, SearchResults, StandingAvailability,
    TierAvailability,
};
