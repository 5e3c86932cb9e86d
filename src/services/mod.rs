//! Use cases: each takes a `&mut DbConnection` so callers can compose them in one transaction.

pub mod accounts;
pub mod admins;
pub mod basket;
pub mod booking_admin;
pub mod bookings;
pub mod cancellation;
pub mod catalogue;
pub mod checkin;
pub mod dashboard;
pub mod demo;
pub mod email;
pub mod event_admin;
pub mod holds;
pub mod live;
pub mod login_links;
pub mod notify;
pub mod payments;
pub mod queues;
pub mod reconcile;
pub mod recovery;
pub mod seatmap;
pub mod setup;
pub mod stats;
pub mod tokens;
pub mod user_admin;
pub mod venue_admin;
