//! Finding bookings: the admin's filtered, paged search and a booking by reference.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::lower;
use crate::db::bookings::BookingListRow;
use crate::db::schema::{bookings, events, users, venues};
use crate::db::{DbConnection, MultiBackend};
use crate::domain::access::Scope;
use crate::domain::booking::BookingStatus;
use crate::domain::catalogue::contains_pattern;
use crate::domain::ids::{EventId, OrganizerId, UserId};

/// What the admin's list is narrowed to. `q` is already trimmed and non-empty.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only bookings of these organizers' events (`None`: every organizer's).
    pub organizers: Option<Vec<OrganizerId>>,
    pub event: Option<EventId>,
    pub status: Option<BookingStatus>,
    pub q: Option<String>,
}

/// The buyer as the admin sees them.
#[derive(Debug, Clone, Queryable)]
pub struct Buyer {
    pub id: UserId,
    pub name: String,
    pub email: String,
}

/// A booking of the admin's list: the buyer's list row plus its buyer.
#[derive(Debug, Clone, Queryable)]
pub struct AdminBookingRow {
    pub booking: BookingListRow,
    pub buyer: Buyer,
}

type Joined = diesel::dsl::InnerJoin<
    diesel::dsl::InnerJoin<bookings::table, users::table>,
    diesel::dsl::InnerJoin<events::table, venues::table>,
>;

type Filtered<'a> = diesel::dsl::IntoBoxed<'a, Joined, MultiBackend>;

/// The bookings matching the filters (before ordering and paging). `q` matches the reference
/// exactly (references are upper case), or the buyer's email or name anywhere in it, case
/// folded (ASCII only on SQLite, whose `lower()` folds no more).
fn filtered(filters: &Filters) -> Filtered<'static> {
    let mut query = bookings::table
        .inner_join(users::table)
        .inner_join(events::table.inner_join(venues::table))
        .into_boxed();
    if let Some(ids) = &filters.organizers {
        query = query.filter(events::organizer_id.eq_any(ids.clone()));
    }
    if let Some(event) = filters.event {
        query = query.filter(bookings::event_id.eq(event));
    }
    if let Some(status) = filters.status {
        query = query.filter(bookings::status.eq(status));
    }
    if let Some(q) = &filters.q {
        let pattern = contains_pattern(&q.to_lowercase());
        query = query.filter(
            bookings::reference
                .eq(q.to_uppercase())
                .or(users::email.like(pattern.clone()).escape('\\'))
                .or(lower(users::name).like(pattern).escape('\\')),
        );
    }
    query
}

/// The columns of [`AdminBookingRow`]. A macro: the query's type differs per caller.
macro_rules! admin_row {
    () => {
        (
            crate::db::bookings::list_row!(),
            (users::id, users::name, users::email),
        )
    };
}

/// One page of matching bookings, newest first.
pub fn search(
    conn: &mut DbConnection,
    filters: &Filters,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<AdminBookingRow>> {
    filtered(filters)
        .order((bookings::created_at.desc(), bookings::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(admin_row!())
        .load(conn)
}

/// How many bookings match.
pub fn count(conn: &mut DbConnection, filters: &Filters) -> QueryResult<i64> {
    filtered(filters).count().get_result(conn)
}

/// One booking by its exact reference, with its buyer.
pub fn by_reference(
    conn: &mut DbConnection,
    reference: &str,
) -> QueryResult<Option<AdminBookingRow>> {
    bookings::table
        .inner_join(users::table)
        .inner_join(events::table.inner_join(venues::table))
        .filter(bookings::reference.eq(reference))
        .select(admin_row!())
        .first(conn)
        .optional()
}

/// The events bookings can be filtered by, newest first: `(id, title, starts_at)`.
pub fn events_for_filter(
    conn: &mut DbConnection,
    scope: &Scope,
) -> QueryResult<Vec<(EventId, String, NaiveDateTime)>> {
    let mut query = events::table
        .order((events::starts_at.desc(), events::id.desc()))
        .select((events::id, events::title, events::starts_at))
        .into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(events::organizer_id.eq_any(ids.to_vec()));
    }
    query.load(conn)
}
