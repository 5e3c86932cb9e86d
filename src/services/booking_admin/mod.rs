//! The admin's bookings (issue 7): search, one booking's record and history, a manual refund,
//! resending its emails, and an event's attendee list as CSV.
//!
//! A manual refund is one write transaction: the booking row is locked (`FOR UPDATE` on
//! PostgreSQL; SQLite's single writer does the same), `paid` → `refunded` is a guarded update,
//! the unused tickets go void, the seats and places go back on sale while the event still
//! sells, the payment's refund row is created once (one refund per payment, a unique index,
//! with the payment's own idempotency key) and its `payments.refund` job queued, and the
//! buyer's email and the audit row are written. The gateway is asked by that job, through the
//! same `payments::send_refund` as every other refund, so a double submit refunds once.

pub mod csv;
pub mod timeline;

mod attendees;
mod detail;
mod refund;
mod resend;
mod search;

pub use attendees::{CSV_HEADER, attendees_csv};
pub use detail::{Detail, detail};
pub use refund::{Refunded, parse_reason, refund};
pub use resend::resend;
pub use search::{
    BookingAdminError, Listed, PAGE_SIZE, Page, REASON_MAX, Search, SearchInput, event_choices,
    search,
};
