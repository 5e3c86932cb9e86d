//! An event's attendee list (the door's printout and CSV).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    booking_items, bookings, event_seats, event_sections, events, price_tiers, seats, sections,
    tickets, users,
};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::EventId;
use crate::domain::money::Money;
use crate::domain::ticket::TicketStatus;

/// One line of an event's attendee list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub reference: String,
    pub booking_status: BookingStatus,
    pub name: String,
    pub email: String,
    pub section: String,
    pub row: Option<String>,
    pub seat: Option<i32>,
    pub tier: String,
    pub price: Money,
    pub code: String,
    pub status: TicketStatus,
    pub checked_in_at: Option<NaiveDateTime>,
}

type AttendeeHead = (String, BookingStatus, String, String, String, Money);

type AttendeeTicket = (String, TicketStatus, Option<NaiveDateTime>);

/// Every ticket of the event (void ones too), seats in map order then standing places.
pub fn attendees(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<Attendee>> {
    let seated: Vec<(AttendeeHead, AttendeeTicket, (String, String, i32))> = tickets::table
        .inner_join(bookings::table.inner_join(users::table))
        .inner_join(booking_items::table.inner_join(price_tiers::table))
        .inner_join(event_seats::table.inner_join(seats::table.inner_join(sections::table)))
        .filter(tickets::event_id.eq(event))
        .order((
            sections::position,
            seats::row_index,
            seats::number,
            tickets::id,
        ))
        .select((
            (
                bookings::reference,
                bookings::status,
                users::name,
                users::email,
                price_tiers::name,
                (booking_items::unit_price_cents, bookings::currency),
            ),
            (tickets::code, tickets::status, tickets::checked_in_at),
            (sections::name, seats::row_label, seats::number),
        ))
        .load(conn)?;
    let standing: Vec<(AttendeeHead, AttendeeTicket, String)> = tickets::table
        .inner_join(bookings::table.inner_join(users::table))
        .inner_join(
            booking_items::table
                .inner_join(price_tiers::table)
                .inner_join(event_sections::table.inner_join(sections::table)),
        )
        .filter(tickets::event_id.eq(event))
        .filter(tickets::event_seat_id.is_null())
        .order((sections::position, tickets::id))
        .select((
            (
                bookings::reference,
                bookings::status,
                users::name,
                users::email,
                price_tiers::name,
                (booking_items::unit_price_cents, bookings::currency),
            ),
            (tickets::code, tickets::status, tickets::checked_in_at),
            sections::name,
        ))
        .load(conn)?;
    let line = |(reference, booking_status, name, email, tier, price): AttendeeHead,
                (code, status, checked_in_at): AttendeeTicket,
                section: String,
                row: Option<String>,
                seat: Option<i32>| Attendee {
        reference,
        booking_status,
        name,
        email,
        section,
        row,
        seat,
        tier,
        price,
        code,
        status,
        checked_in_at,
    };
    Ok(seated
        .into_iter()
        .map(|(h, t, (section, row, number))| line(h, t, section, Some(row), Some(number)))
        .chain(
            standing
                .into_iter()
                .map(|(h, t, section)| line(h, t, section, None, None)),
        )
        .collect())
}

/// The event's slug (the CSV's file name), if the event exists.
pub fn event_slug(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<String>> {
    events::table
        .filter(events::id.eq(event))
        .select(events::slug)
        .first(conn)
        .optional()
}
