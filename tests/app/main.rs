//! One integration-test binary (STYLE.md): the real app on port 0, a fresh database per test,
//! SQLite by default and PostgreSQL with `TEST_DATABASE_URL`.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly where it did not get what it expected"
)]

mod account;
mod account_rights;
mod accounts;
mod admin;
mod admin_bookings;
mod admin_event;
mod admin_events;
mod admin_venues;
mod api;
mod api_doc;
mod api_doc_answers;
mod catalogue;
mod catalogue_cache;
mod cli;
mod cors;
mod database;
mod demo;
mod email;
mod health;
mod helpers;
mod hold_limits;
mod hold_round_trips;
mod holds;
mod jobs;
mod lockout;
mod metrics;
mod nul;
mod organizers;
mod payment_integrity;
mod payments;
mod providers;
mod proxies;
mod queue;
mod recovery;
mod resilience;
mod roles;
mod seatmap;
mod security;
mod shared_limits;
mod smtp;
mod stampede;
mod venues_public;
mod worker;
