//! The live seat map as one viewer sees it: sections, seats in that viewer's colours (theirs,
//! someone else's, free, sold), the legend, standing areas, and the viewer's basket. The page,
//! the htmx answers to a click and the live stream all draw from here.

mod basket;
mod layouts;
mod load;
mod overview;
mod seats;
mod views;

pub use basket::{Basket, BasketLine, BasketView, basket, basket_id, expired_basket_seats};
pub use layouts::{Layouts, VenueLayout};
pub use load::{MapState, load, map_state};
pub use overview::{Snapshot, default_scope, on_sale, overview_sections, snapshot};
pub use seats::{SharedSeats, raw_seats, seats, standing};
pub use views::{
    RowLabel, SEAT_RADIUS, Scope, SeatMap, SeatView, SectionView, StandingView, TierLegend,
};
