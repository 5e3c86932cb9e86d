//! Holding seats and standing places: the booking core. A buyer's held seats for an event are
//! one pending booking (their basket) with one expiry that starts at the first hold. Every hold
//! is all or nothing. See `db::holds` for how the database keeps it correct under a stampede.

mod attempt;
mod cancel;
mod expire;
mod hold;
mod lines;
mod locks;
mod release;
mod request;

pub use attempt::sale_state;
pub use cancel::{cancel, cancel_pending_in, find_for};
pub use expire::{changes_of, expire, sweep_expired};
pub use hold::{hold, hold_with};
pub(crate) use locks::is_retryable;
pub use release::{BookingError, release_places, release_seat};
pub use request::{Held, HoldError, HoldPolicy, HoldRequest, MAX_SEATS_PER_REQUEST, RELEASES_KEPT};
