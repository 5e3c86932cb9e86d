//! Domain types and rules: no I/O here.

mod text_enum;

pub mod access;
pub mod booking;
pub mod catalogue;
pub mod email;
pub mod event;
pub mod event_rules;
pub mod ics;
pub mod ids;
pub mod inventory;
pub mod job;
pub mod local_time;
pub mod money;
pub mod payment;
pub mod qr;
pub mod queue;
pub mod redirect;
pub mod sales_chart;
pub mod seatmap;
pub mod ticket;
pub mod user;
pub mod user_input;
pub mod venue;
pub mod venue_layout;
pub mod workflow;

pub(crate) use text_enum::text_enum;

/// A stored or submitted value that is not one of an enum's spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
}
