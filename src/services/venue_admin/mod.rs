//! The venue editor's use cases: create a venue with its layout, reshape it without losing the
//! seats events use, load it back into the editor, preview a layout.
//!
//! Existing events keep their inventory: an event's `event_seats` / `event_sections` rows were
//! copied when it was created. Changing a seat's `accessible` or `blocked` flag here changes
//! the venue (so events created afterwards), not events that already exist. Removing a seat or
//! section that any event's inventory references is refused, naming the events; the foreign
//! keys refuse it too, should an event be created between the check and the delete.

mod create;
mod delete;
mod editor;
mod input;
mod layout;
mod list;
mod update;

pub use create::create;
pub use delete::delete;
pub use editor::{VenueEditor, exists, load, preview};
pub use input::{Usage, VenueAdminError, VenueInput, slugify};
pub use list::{VenueListRow, list};
pub use update::{EditSummary, update};
