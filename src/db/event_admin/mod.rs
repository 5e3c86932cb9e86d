//! The event editor's SQL (issue 7): the admin's view of events of every status, their
//! inventory, and the guarded writes (`WHERE version = ?`, `WHERE status = ?`, "nothing held or
//! sold") whose affected-row counts the service checks.

mod read;
mod write;

pub use read::{
    AdminEventRow, OnSale, TierLine, VenueBrief, VenueSection, all_venues, event, has_bookings,
    list, on_sale, slug_taken, status_counts, tiers, venue, venue_sections, venues_of,
};
pub use write::{
    EventChanges, clear_inventory, close, delete_unbooked, move_status, publish, remove_section,
    retier_section, seat_rows, section_seats, update_guarded, update_tier,
};

diesel::define_sql_function!(
    /// SQL `lower()`.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);
