//! The waiting room's SQL (issue 20, shared/WAITING_ROOM.md §3.3–§3.8): rooms and their
//! settings (`rooms`), tickets (`tickets`), and what the admission tick reads and writes
//! (`tick`). Every time is the app's clock, bound from Rust.
//!
//! Where the backends differ it goes through `db::backend`: the tick's room lock
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the immediate transaction on SQLite) and the live
//! join (one statement on PostgreSQL, so the room row is locked only for that statement).

pub mod admin;
pub mod board;
pub mod rooms;
pub mod tick;
pub mod tickets;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{queue_tickets, waiting_rooms};
use super::{DbConnection, backend};
use crate::domain::ids::{EventId, QueueTicketId, UserId};
use crate::domain::queue::{OrderMode, Phase, TicketState};

/// A room as the service reads it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = waiting_rooms)]
pub struct RoomRow {
    pub event_id: EventId,
    pub enabled: bool,
    pub phase: Phase,
    pub prequeue_opens_at: Option<NaiveDateTime>,
    pub order_mode: OrderMode,
    pub rate_per_minute: Option<i32>,
    pub max_active: Option<i32>,
    pub admission_minutes: i32,
    pub claim_seconds: i32,
    pub grace_minutes: i32,
    pub require_account: bool,
    pub auto_close: bool,
    pub paused: bool,
    pub message: Option<String>,
    pub issued: i64,
    pub cursor: i64,
    pub allowance: f64,
    pub last_tick_at: Option<NaiveDateTime>,
    pub drawn_at: Option<NaiveDateTime>,
    pub prequeue_count: i64,
    pub stats_active: i64,
    pub stats_called_unclaimed: i64,
    pub stats_seats_left: Option<i64>,
    pub version: i64,
}

/// A ticket in a room.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = queue_tickets)]
pub struct TicketRow {
    pub id: QueueTicketId,
    pub event_id: EventId,
    pub user_id: Option<UserId>,
    pub draw_key: Option<i64>,
    pub seq: Option<i64>,
    pub state: TicketState,
    pub joined_at: NaiveDateTime,
    pub claimed_at: Option<NaiveDateTime>,
    pub active_until: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
}

/// SQL written with PostgreSQL's numbered binds (`$1`, `$2`…), which SQLite reads as `?1`,
/// `?2`…: the same statement for both backends.
pub(crate) fn numbered(conn: &mut DbConnection, sql: &str) -> String {
    backend::per_backend(conn, |_| sql.to_owned(), |_| sql.replace('$', "?"))
}
