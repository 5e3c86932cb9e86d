//! The event editor (issue 7): create, edit, publish, close and duplicate events.
//!
//! Every write runs inside the caller's write transaction (`Db::write`). Edits name the version
//! they started from; the one `UPDATE events … WHERE id = ? AND version = ?` that bumps it decides
//! whether they land ([`EventAdminError::Conflict`] otherwise). Inventory changes are guarded in
//! SQL too: a section changes tier or leaves sale only while nothing in it is held or sold.
//! Cancelling is not here: see `services::cancellation`.

mod create;
mod delete;
mod duplicate;
mod input;
mod read;
mod transition;
mod update;
mod validate;

pub use crate::db::event_admin::VenueSection;
pub use create::create;
pub use delete::delete;
pub use duplicate::duplicate;
pub use input::{
    Errors, EventAdminError, EventInput, LIST_LIMIT, MAX_TICKETS, MAX_TICKETS_PER_ACCOUNT,
    TITLE_MAX, TierInput, When,
};
pub use read::{AdminEvent, get, list, status_counts, venue_sections, venues};
pub use transition::transition;
pub use update::update;
