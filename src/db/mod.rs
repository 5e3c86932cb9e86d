//! The database layer: one connection type over SQLite and PostgreSQL (ARCHITECTURE §3), the
//! pool, migrations, and the transaction helpers every write goes through. SQL lives here.
//!
//! - `connection.rs`: [`DbConnection`], [`Backend`], opening a connection, the r2d2 manager.
//! - `pool.rs`: [`Db`], the pool with checkout, reads and writes; `error.rs`: [`DbError`].
//! - `transaction.rs`: [`write_transaction`]; `migrate.rs`: [`run_migrations`].
//! - `backend.rs`: every place the SQL differs between the backends (row locks, queue claims).
//! - `schema` and `models`: the tables and shared row types; every other module holds the
//!   queries of one area.

pub mod backend;
mod connection;
mod error;
mod migrate;
mod pool;
mod transaction;

pub mod account_data;
pub mod admin;
pub mod audit;
pub mod backlog;
pub mod booking_admin;
pub mod bookings;
pub mod cancellation;
pub mod catalogue;
pub mod checkin;
pub mod event_admin;
pub mod health;
pub mod holds;
pub mod introspect;
pub mod jobs;
pub mod live;
pub mod lock_order;
pub mod login_links;
pub mod models;
pub mod organizers;
pub mod outbox;
pub mod payments;
pub mod providers;
pub mod queue;
pub mod rate_limits;
pub mod schema;
pub mod seatmap;
pub mod seed;
pub mod sessions;
pub mod stats;
pub mod tokens;
pub mod user_tokens;
pub mod users;
pub mod venue_admin;
pub mod venues;

pub use connection::{Backend, DbConnection, Manager, MultiBackend, establish};
pub use error::{ConnectError, DbError, is_unique_violation};
pub use migrate::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, run_migrations};
pub use pool::{Db, Pool, PooledConnection};
pub use transaction::write_transaction;
