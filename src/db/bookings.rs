//! Booking queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    booking_items, bookings, event_seats, event_sections, events, seats, sections, tickets, venues,
};
use super::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, BookingItemId, EventId, SeatId, UserId};
use crate::domain::money::Money;
use crate::domain::ticket::TicketStatus;

/// A booking as the buyer's list shows it.
#[derive(Debug, Clone, Queryable)]
pub struct BookingListRow {
    pub id: BookingId,
    pub reference: String,
    pub status: BookingStatus,
    pub total: Money,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub event_id: EventId,
    pub event_title: String,
    pub starts_at: NaiveDateTime,
    pub venue_name: String,
    pub venue_timezone: String,
}

/// The columns of [`BookingListRow`] (bookings joined with events and venues). A macro: the
/// query's type differs per caller.
macro_rules! list_row {
    () => {
        (
            bookings::id,
            bookings::reference,
            bookings::status,
            (bookings::total_cents, bookings::currency),
            bookings::expires_at,
            bookings::created_at,
            events::id,
            events::title,
            events::starts_at,
            venues::name,
            venues::timezone,
        )
    };
}
pub(crate) use list_row;

/// A user's bookings, newest first.
pub fn for_user(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<BookingListRow>> {
    bookings::table
        .inner_join(events::table.inner_join(venues::table))
        .filter(bookings::user_id.eq(user))
        .order((bookings::created_at.desc(), bookings::id.desc()))
        .select(list_row!())
        .load(conn)
}

/// One booking, as the list shows it.
pub fn by_id(conn: &mut DbConnection, id: BookingId) -> QueryResult<Option<BookingListRow>> {
    bookings::table
        .inner_join(events::table.inner_join(venues::table))
        .filter(bookings::id.eq(id))
        .select(list_row!())
        .first(conn)
        .optional()
}

/// These bookings as the list shows them, each with its owner's id, name and email address
/// (the emails about many bookings at once); in no particular order.
pub fn with_owners(
    conn: &mut DbConnection,
    ids: &[BookingId],
) -> QueryResult<Vec<(BookingListRow, UserId, String, String)>> {
    use super::schema::users;
    bookings::table
        .inner_join(events::table.inner_join(venues::table))
        .inner_join(users::table)
        .filter(bookings::id.eq_any(ids))
        .select((list_row!(), users::id, users::name, users::email))
        .load(conn)
}

/// One line of a booking: a seat, or a number of standing places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub booking_id: BookingId,
    pub item_id: BookingItemId,
    pub seat_id: Option<SeatId>,
    pub section: String,
    pub row: Option<String>,
    pub number: Option<i32>,
    pub quantity: i32,
    pub unit_price_cents: i64,
}

/// `(booking, item, seat, section, row, number, quantity, unit price, section position, row
/// index)`: seat lines and standing lines alike (a standing line has no seat, row or number).
type ItemLine = (
    BookingId,
    BookingItemId,
    Option<SeatId>,
    String,
    Option<String>,
    Option<i32>,
    i32,
    i64,
    i32,
    Option<i32>,
);

/// The items of the given bookings, each booking's seats in map order then its standing
/// places. One query (seat lines and standing lines are a `UNION ALL`).
pub fn items_of(conn: &mut DbConnection, ids: &[BookingId]) -> QueryResult<Vec<ItemRow>> {
    use diesel::sql_types::{BigInt, Integer, Nullable, Text};
    // The NULLs of the standing half are typed binds rather than SQL text, and one booking is
    // an `=` rather than an `IN` list, so the database can keep the statement prepared.
    let no_id = None::<i64>.into_sql::<Nullable<BigInt>>();
    let no_text = None::<String>.into_sql::<Nullable<Text>>();
    let no_int = None::<i32>.into_sql::<Nullable<Integer>>();
    // A macro, not a closure: the union's type depends on the backend (MultiConnection has no
    // UNION of its own) and on the filter.
    macro_rules! query {
        ($filter:expr) => {
            booking_items::table
                .inner_join(event_seats::table.inner_join(seats::table.inner_join(sections::table)))
                .filter($filter)
                .select((
                    booking_items::booking_id,
                    booking_items::id,
                    seats::id.nullable(),
                    sections::name,
                    seats::row_label.nullable(),
                    seats::number.nullable(),
                    booking_items::quantity,
                    booking_items::unit_price_cents,
                    sections::position,
                    seats::row_index.nullable(),
                ))
                .union_all(
                    booking_items::table
                        .inner_join(event_sections::table.inner_join(sections::table))
                        .filter($filter)
                        .select((
                            booking_items::booking_id,
                            booking_items::id,
                            no_id,
                            sections::name,
                            no_text,
                            no_int,
                            booking_items::quantity,
                            booking_items::unit_price_cents,
                            sections::position,
                            no_int,
                        )),
                )
        };
    }
    let mut lines: Vec<ItemLine> = match ids {
        [one] => backend::load(conn, query!(booking_items::booking_id.eq(*one)))?,
        _ => backend::load(conn, query!(booking_items::booking_id.eq_any(ids)))?,
    };
    lines.sort_by_key(|l| (l.0, l.2.is_none(), l.8, l.9, l.5, l.1));
    Ok(lines
        .into_iter()
        .map(
            |(booking_id, item_id, seat_id, section, row, number, quantity, price, _, _)| ItemRow {
                booking_id,
                item_id,
                seat_id,
                section,
                row,
                number,
                quantity,
                unit_price_cents: price,
            },
        )
        .collect())
}

/// A ticket of a booking: its code and place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub booking_id: BookingId,
    pub code: String,
    pub seat_id: Option<SeatId>,
    pub section: String,
    pub row: Option<String>,
    pub number: Option<i32>,
}

/// The live (not void) tickets of the given bookings.
pub fn tickets_of(conn: &mut DbConnection, ids: &[BookingId]) -> QueryResult<Vec<TicketRow>> {
    let seated: Vec<(BookingId, String, SeatId, String, String, i32)> = tickets::table
        .inner_join(event_seats::table.inner_join(seats::table.inner_join(sections::table)))
        .filter(tickets::booking_id.eq_any(ids))
        .filter(tickets::status.ne(TicketStatus::Void))
        .order((
            tickets::booking_id,
            sections::position,
            seats::row_index,
            seats::number,
        ))
        .select((
            tickets::booking_id,
            tickets::code,
            seats::id,
            sections::name,
            seats::row_label,
            seats::number,
        ))
        .load(conn)?;
    let standing: Vec<(BookingId, String, String)> = tickets::table
        .inner_join(
            booking_items::table.inner_join(event_sections::table.inner_join(sections::table)),
        )
        .filter(tickets::booking_id.eq_any(ids))
        .filter(tickets::status.ne(TicketStatus::Void))
        .order((tickets::booking_id, tickets::id))
        .select((tickets::booking_id, tickets::code, sections::name))
        .load(conn)?;
    Ok(seated
        .into_iter()
        .map(|(booking_id, code, seat, section, row, number)| TicketRow {
            booking_id,
            code,
            seat_id: Some(seat),
            section,
            row: Some(row),
            number: Some(number),
        })
        .chain(
            standing
                .into_iter()
                .map(|(booking_id, code, section)| TicketRow {
                    booking_id,
                    code,
                    seat_id: None,
                    section,
                    row: None,
                    number: None,
                }),
        )
        .collect())
}
