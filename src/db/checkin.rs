//! The SQL of door check-in (services::checkin).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{bookings, events, tickets, users, venues};
use crate::domain::access::Scope;
use crate::domain::booking::BookingStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{BookingId, EventId, TicketId, UserId};
use crate::domain::ticket::TicketStatus;

/// A ticket as the door looks it up, with its booking's state and holder.
#[derive(Debug, Clone, Queryable)]
pub struct DoorTicket {
    pub id: TicketId,
    pub booking_id: BookingId,
    pub event_id: EventId,
    pub status: TicketStatus,
    pub checked_in_at: Option<NaiveDateTime>,
    pub booking_status: BookingStatus,
    pub holder: String,
}

pub fn ticket_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<DoorTicket>> {
    tickets::table
        .inner_join(bookings::table.inner_join(users::table))
        .filter(tickets::code.eq(code))
        .select((
            tickets::id,
            tickets::booking_id,
            tickets::event_id,
            tickets::status,
            tickets::checked_in_at,
            bookings::status,
            users::name,
        ))
        .first(conn)
        .optional()
}

/// `valid` → `checked_in` (guarded); `true` when this call admitted it.
pub fn admit(
    conn: &mut DbConnection,
    ticket: TicketId,
    by: UserId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        tickets::table
            .filter(tickets::id.eq(ticket))
            .filter(tickets::status.eq(TicketStatus::Valid)),
    )
    .set((
        tickets::status.eq(TicketStatus::CheckedIn),
        tickets::checked_in_at.eq(Some(now)),
        tickets::checked_in_by.eq(Some(by)),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn venue_timezone(conn: &mut DbConnection, event: EventId) -> QueryResult<String> {
    events::table
        .inner_join(venues::table)
        .filter(events::id.eq(event))
        .select(venues::timezone)
        .first(conn)
}

/// An event the door can be checking in: published (or finished), from yesterday on.
#[derive(Debug, Clone, Queryable)]
pub struct DoorEvent {
    pub id: EventId,
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub venue: String,
    pub timezone: String,
}

/// The events a door can choose from, soonest first.
pub fn door_events(
    conn: &mut DbConnection,
    scope: &Scope,
    now: NaiveDateTime,
) -> QueryResult<Vec<DoorEvent>> {
    let mut query = events::table.inner_join(venues::table).into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(events::organizer_id.eq_any(ids.to_vec()));
    }
    query
        .filter(events::status.eq_any([EventStatus::Published, EventStatus::Completed]))
        .filter(events::starts_at.ge(now - TimeDelta::days(1)))
        .order((events::starts_at, events::id))
        .limit(100)
        .select((
            events::id,
            events::title,
            events::starts_at,
            venues::name,
            venues::timezone,
        ))
        .load(conn)
}
