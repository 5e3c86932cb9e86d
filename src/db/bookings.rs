//! Booking queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{bookings, events, venues};
use crate::domain::ids::{EventId, UserId};

/// A booking as the buyer's list shows it.
#[derive(Debug, Clone, Queryable)]
pub struct BookingListRow {
    pub reference: String,
    pub status: String,
    pub total_cents: i64,
    pub currency: String,
    pub created_at: NaiveDateTime,
    pub event_id: EventId,
    pub event_title: String,
    pub starts_at: NaiveDateTime,
    pub venue_name: String,
    pub venue_timezone: String,
}

/// A user's bookings, newest first.
pub fn for_user(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<BookingListRow>> {
    bookings::table
        .inner_join(events::table.inner_join(venues::table))
        .filter(bookings::user_id.eq(user))
        .order((bookings::created_at.desc(), bookings::id.desc()))
        .select((
            bookings::reference,
            bookings::status,
            bookings::total_cents,
            bookings::currency,
            bookings::created_at,
            events::id,
            events::title,
            events::starts_at,
            venues::name,
            venues::timezone,
        ))
        .load(conn)
}
