//! What every instance reads once a second for its in-memory picture of the waiting rooms
//! (`services::queue::board`, WAITING_ROOM.md §3.6): the rooms that are on or were on, with
//! their event's title, sale time and venue time zone; the calls of the last two minutes; and
//! how many wait in each pre-queue. Three small queries for all rooms together, whatever the
//! number of waiting browsers.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::RoomRow;
use crate::db::DbConnection;
use crate::db::schema::{events, queue_calls, queue_tickets, venues, waiting_rooms};
use crate::domain::ids::EventId;
use crate::domain::queue::{Phase, TicketState};

/// A room as the waiting pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardRow {
    pub room: RoomRow,
    pub title: String,
    pub sales_start_at: Option<NaiveDateTime>,
    pub timezone: String,
}

/// Every room that is enabled or not off (a closed room still says so to its visitors).
pub fn rooms(conn: &mut DbConnection) -> QueryResult<Vec<BoardRow>> {
    let rows: Vec<(RoomRow, String, Option<NaiveDateTime>, String)> = waiting_rooms::table
        .inner_join(events::table.inner_join(venues::table))
        .filter(
            waiting_rooms::enabled
                .eq(true)
                .or(waiting_rooms::phase.ne(Phase::Off)),
        )
        .select((
            RoomRow::as_select(),
            events::title,
            events::sales_start_at,
            venues::timezone,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(room, title, sales_start_at, timezone)| BoardRow {
            room,
            title,
            sales_start_at,
            timezone,
        })
        .collect())
}

/// Per room, the tickets called since `since` and when the first of those calls was (at most
/// one call row per room and second: loaded and added up here, the same on both backends).
pub fn calls_since(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> QueryResult<Vec<(EventId, i64, NaiveDateTime)>> {
    let rows: Vec<(EventId, i64, i64, NaiveDateTime)> = queue_calls::table
        .filter(queue_calls::called_at.gt(since))
        .order((queue_calls::event_id, queue_calls::called_at))
        .select((
            queue_calls::event_id,
            queue_calls::from_seq,
            queue_calls::to_seq,
            queue_calls::called_at,
        ))
        .load(conn)?;
    let mut out: Vec<(EventId, i64, NaiveDateTime)> = Vec::new();
    for (event, from, to, at) in rows {
        match out.last_mut() {
            Some((e, n, _)) if *e == event => *n += to - from + 1,
            _ => out.push((event, to - from + 1, at)),
        }
    }
    Ok(out)
}

/// How many wait in the pre-queue of each of `rooms`.
pub fn prequeue_sizes(
    conn: &mut DbConnection,
    rooms: &[EventId],
) -> QueryResult<Vec<(EventId, i64)>> {
    if rooms.is_empty() {
        return Ok(Vec::new());
    }
    queue_tickets::table
        .filter(queue_tickets::event_id.eq_any(rooms))
        .filter(queue_tickets::state.eq(TicketState::Waiting))
        .group_by(queue_tickets::event_id)
        .select((queue_tickets::event_id, count_star()))
        .load(conn)
}
