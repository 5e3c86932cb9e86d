//! What every handler shares, and the one doorway from the web layer to the database.
//!
//! Handlers never take a connection themselves: `read` runs a query on a pooled connection,
//! `write` runs a use case inside one write transaction (ARCHITECTURE §3), and `run` hands a
//! use case that manages its own transactions (retries, a gateway call between two of them)
//! the pool. All three run off the async workers (diesel is synchronous) and give the closure
//! the clock's "now", read on the blocking thread.

use std::sync::Arc;

use actix_web::web;
use chrono::NaiveDateTime;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{Db, DbConnection, DbError};
use crate::web::error::AppError;
use crate::web::rate_limit::RateLimits;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    /// Sessions, CSRF, signatures (see `secret.rs`).
    pub secret: Arc<Vec<u8>>,
    pub limits: Arc<RateLimits>,
    /// A bcrypt hash of nothing anyone can type, checked when an email is unknown so that it
    /// costs as much as a wrong password.
    pub dummy_hash: Arc<String>,
    /// Live seat-map updates (see `services::live`).
    pub live: Arc<crate::services::live::LiveHub>,
    /// Venue layouts the seat map has read (see `services::seatmap::Layouts`).
    pub layouts: Arc<crate::services::seatmap::Layouts>,
    /// The catalogue's answers kept for a few seconds (see `services::catalogue::CatalogueCache`).
    pub catalogue: Arc<crate::services::catalogue::CatalogueCache>,
    /// Seat maps drawn for everyone and kept (see `web::pages::seatmap::MapCache`).
    pub maps: Arc<crate::web::pages::seatmap::MapCache>,
    /// The simulated payment gateway (see `gateway`): SimPay's own pages use it.
    pub gateway: crate::gateway::Gateway,
    /// The payment providers, behind one interface (see `providers`).
    pub providers: crate::providers::Providers,
    /// The secret webhooks are signed with (derived from `secret`).
    pub webhook_secret: Arc<Vec<u8>>,
    /// The waiting rooms as this instance last read them (`services::queue::board`).
    pub queue: Arc<crate::services::queue::board::Board>,
    /// The key waiting-room tokens are signed with (derived from `secret`).
    pub queue_key: Arc<Vec<u8>>,
}

impl AppState {
    /// A read on a pooled connection, outside any transaction (one statement, or reads that
    /// need no common snapshot).
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection, NaiveDateTime) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (db, clock) = (self.db.clone(), self.clock.clone());
        web::block(move || db.read(|c| f(c, clock.now()))).await?
    }

    /// A use case in one write transaction: committed when `f` returns `Ok`, rolled back when
    /// it returns `Err`. The outer error is the app's (no thread, no connection); the inner one
    /// is the use case's own, for the handler to render (a form with its messages).
    pub async fn write<T, E, F>(&self, f: F) -> Result<Result<T, E>, AppError>
    where
        F: FnOnce(&mut DbConnection, NaiveDateTime) -> Result<T, E> + Send + 'static,
        E: From<DbError> + Send + 'static,
        T: Send + 'static,
    {
        let (db, clock) = (self.db.clone(), self.clock.clone());
        Ok(web::block(move || db.write(|c| f(c, clock.now()))).await?)
    }

    /// [`Self::write`] for a change to the catalogue (an event or a venue): once it committed,
    /// every instance forgets the catalogue answers it keeps (`services::catalogue`).
    pub async fn write_catalogue<T, E, F>(&self, f: F) -> Result<Result<T, E>, AppError>
    where
        F: FnOnce(&mut DbConnection, NaiveDateTime) -> Result<T, E> + Send + 'static,
        E: From<DbError> + Send + 'static,
        T: Send + 'static,
    {
        let done = self.write(f).await?;
        if done.is_ok() {
            self.live.catalogue_changed();
        }
        Ok(done)
    }

    /// A use case that opens its own transactions (it retries, or calls the gateway between
    /// two of them), given the pool and the clock's "now". Errors nest as in [`Self::write`].
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&Db, NaiveDateTime) -> T + Send + 'static,
        T: Send + 'static,
    {
        let (db, clock) = (self.db.clone(), self.clock.clone());
        Ok(web::block(move || f(&db, clock.now())).await?)
    }

    /// Reads the waiting rooms again for this instance's waiting pages (after a change made
    /// here; otherwise once a second in the background).
    pub async fn refresh_queue(&self) -> Result<(), AppError> {
        let board = self.queue.clone();
        self.run(move |db, now| board.refresh(db, now)).await??;
        Ok(())
    }

    /// The event's waiting room as this instance knows it, read again first when the event is
    /// not in the snapshot (a room turned on a moment ago on another instance). For joins and
    /// page loads, never the poll path.
    pub async fn queue_room(
        &self,
        event: crate::domain::ids::EventId,
    ) -> Result<Option<Arc<crate::services::queue::board::Snapshot>>, AppError> {
        if self.queue.get(event).is_none() {
            self.refresh_queue().await?;
        }
        Ok(self.queue.get(event))
    }

    /// A rate-limit check (`web::rate_limit`): on PostgreSQL the deployment's counts are a
    /// round trip, made on the blocking pool like every other statement; on SQLite the limits
    /// are in process and the check runs here at once.
    pub async fn limit<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&RateLimits) -> T + Send + 'static,
        T: Send + 'static,
    {
        if !self.limits.is_shared() {
            return Ok(f(&self.limits));
        }
        let limits = self.limits.clone();
        Ok(web::block(move || f(&limits)).await?)
    }
}
