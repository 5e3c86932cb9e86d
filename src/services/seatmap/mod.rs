//! The live seat map's data: an event's sections with what is left in each, its seats with
//! their state in the venue's layout, the changed seats of a live update (with who holds them),
//! and a buyer's basket. Read here; drawn by the web layer (`web::pages::seatmap::view`).

mod basket;
mod layouts;
mod load;
mod overview;
mod scope;
mod seats;

pub use basket::{Basket, basket, basket_id, expired_basket_seats};
pub use layouts::{LayoutSeat, Layouts, VenueLayout};
pub use load::{MapData, MapSeats, MapState, load, map_state};
pub use overview::{Sections, Snapshot, default_scope, on_sale, sections, snapshot};
pub use scope::Scope;
pub use seats::{ChangedSeats, SharedSeats, raw_seats, seats};
