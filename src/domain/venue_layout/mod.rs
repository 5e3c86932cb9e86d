//! The venue editor's layout generator: section specs (rows × seats, labels, numbering, shape,
//! position; or a standing area) → seats with labels, numbers and map coordinates, plus each
//! section's map rectangle. Pure: no I/O.
//!
//! Map conventions are the demo's (`services::demo::content`): the stage is at the top of the
//! map, row 0 is the row nearest the stage (smallest `y`), seats sit `SEAT_PITCH` apart and
//! `SEAT_MARGIN` inside their section's rectangle.

mod fields;
mod layout;
mod plan;
mod seated;
mod spec;
mod standing;

pub use layout::{FieldError, KeptSection, SeatLayout, SectionLayout, input_of, seat_key};
pub use plan::plan;
pub use spec::{Numbering, RowLabels, SeatedParams, SectionInput, SectionSpec, Shape};

pub const SEAT_PITCH: i32 = 10;
pub const SEAT_MARGIN: i32 = 5;
pub const MAX_ROWS: i64 = 200;
pub const MAX_SEATS_PER_ROW: i64 = 200;
pub const MAX_VENUE_SEATS: usize = 30_000;
pub const MAX_SECTIONS: usize = 100;
pub const MAX_STANDING: i64 = 100_000;
pub const MAX_ROW_LABEL: usize = 10;
pub const MAX_SECTION_NAME: usize = 100;
/// Map coordinates stay within ±this.
pub const MAX_COORD: i64 = 100_000;
/// A standing area's default rectangle.
pub const STANDING_WIDTH: i32 = 200;
pub const STANDING_HEIGHT: i32 = 100;
/// Vertical gap between sections placed automatically (no `x`/`y` given).
pub const AUTO_GAP: i32 = 20;
/// How far (in radians) a curved row's arc spans, end seat to end seat.
pub(super) const ARC_SPAN: f64 = std::f64::consts::FRAC_PI_3;

#[cfg(test)]
mod tests;
