//! Hand-kept, portable diesel schema: only types both backends share (ARCHITECTURE §3).
//! It mirrors migrations/{sqlite,postgres}; the schema agreement test checks the databases agree.
//! One file per area; `joins.rs` says how tables join. Never regenerate it with
//! `diesel print-schema` (see diesel.toml): that would write backend-specific types.

mod accounts;
mod joins;
mod layout;
mod lotuspay;
mod money;
mod on_sale;
mod operations;
mod queue;
mod sales;
mod teams;

pub use accounts::{api_tokens, login_links, user_sessions, user_tokens, users};
pub use layout::{seats, sections, venues};
pub use lotuspay::{lotuspay_notifications, lotuspay_payments, lotuspay_refunds};
pub use money::{
    event_providers, gateway_events, gateway_intents, gateway_refunds, organizer_providers,
    payments, refund_tickets, refunds, webhook_events,
};
pub use on_sale::{event_seats, event_sections, events, price_tiers};
pub use operations::{audit_log, email_outbox, health_heartbeat, jobs};
pub use queue::{queue_calls, queue_exclusions, queue_tickets, waiting_rooms};
pub use sales::{booking_items, bookings, hold_releases, tickets};
pub use teams::{organizer_invitations, organizer_members, organizers};
