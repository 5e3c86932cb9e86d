//! Queries for the box-office dashboard.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::{DbConnection, MultiBackend};
use diesel::dsl::sql;
use diesel::sql_types::{BigInt, Nullable};

use super::schema::{
    audit_log, booking_items, bookings, email_outbox, event_sections, events, jobs, organizers,
    seats, sections, users, venues,
};
use crate::domain::access::Scope;
use crate::domain::booking::BookingStatus;
use crate::domain::email::EmailStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, SectionId, UserId, VenueId};
use crate::domain::money::Currency;
use crate::domain::venue::SectionKind;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    pub upcoming: i64,
    pub drafts: i64,
    pub review: i64,
    pub cancelled: i64,
    pub paid_bookings: i64,
    pub users: i64,
}

/// The events of the organizers in `scope` (all of them for `Scope::All`).
fn events_in(scope: &Scope) -> events::BoxedQuery<'static, MultiBackend> {
    let mut query = events::table.into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(events::organizer_id.eq_any(ids.to_vec()));
    }
    query
}

/// The bookings of the events of `scope` (the events joined, for the filter).
fn bookings_in(
    scope: &Scope,
) -> diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<bookings::table, events::table>,
    MultiBackend,
> {
    let mut query = bookings::table.inner_join(events::table).into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(events::organizer_id.eq_any(ids.to_vec()));
    }
    query
}

/// The booking items of the bookings of `scope`.
fn items_in(
    scope: &Scope,
) -> diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<
        booking_items::table,
        diesel::dsl::InnerJoin<bookings::table, events::table>,
    >,
    MultiBackend,
> {
    let mut query = booking_items::table
        .inner_join(bookings::table.inner_join(events::table))
        .into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(events::organizer_id.eq_any(ids.to_vec()));
    }
    query
}

pub fn overview(
    conn: &mut DbConnection,
    scope: &Scope,
    now: NaiveDateTime,
) -> QueryResult<Overview> {
    let by_status = |conn: &mut DbConnection, status: EventStatus| -> QueryResult<i64> {
        events_in(scope)
            .filter(events::status.eq(status))
            .count()
            .get_result(conn)
    };
    Ok(Overview {
        upcoming: events_in(scope)
            .filter(events::status.eq(EventStatus::Published))
            .filter(events::starts_at.gt(now))
            .count()
            .get_result(conn)?,
        drafts: by_status(conn, EventStatus::Draft)?,
        review: by_status(conn, EventStatus::Review)?,
        cancelled: by_status(conn, EventStatus::Cancelled)?,
        paid_bookings: bookings_in(scope)
            .filter(bookings::status.eq(BookingStatus::Paid))
            .count()
            .get_result(conn)?,
        users: users::table.count().get_result(conn)?,
    })
}

/// Events waiting for review, oldest change first: `(id, title, organizer, when submitted)`.
pub fn waiting_for_review(
    conn: &mut DbConnection,
    scope: &Scope,
) -> QueryResult<Vec<(EventId, String, String, NaiveDateTime)>> {
    let mut query = events::table
        .inner_join(organizers::table)
        .filter(events::status.eq(EventStatus::Review))
        .order((events::updated_at, events::id))
        .select((
            events::id,
            events::title,
            organizers::name,
            events::updated_at,
        ))
        .into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(events::organizer_id.eq_any(ids.to_vec()));
    }
    query.load(conn)
}

/// `(currency, paid bookings, their totals)` of bookings paid since `since`.
pub fn paid_since(
    conn: &mut DbConnection,
    scope: &Scope,
    since: NaiveDateTime,
) -> QueryResult<Vec<(Currency, i64, Option<i64>)>> {
    let mut query = bookings::table
        .inner_join(events::table)
        .filter(bookings::status.eq(BookingStatus::Paid))
        .filter(bookings::paid_at.ge(since))
        .group_by(bookings::currency)
        .select((
            bookings::currency,
            count_star(),
            sql::<Nullable<BigInt>>("CAST(SUM(bookings.total_cents) AS BIGINT)"),
        ))
        .order(bookings::currency)
        .into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(events::organizer_id.eq_any(ids.to_vec()));
    }
    query.load(conn)
}

/// Tickets (seats and standing places) of bookings paid since `since`.
pub fn tickets_paid_since(
    conn: &mut DbConnection,
    scope: &Scope,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    let sum: Option<i64> = items_in(scope)
        .filter(bookings::status.eq(BookingStatus::Paid))
        .filter(bookings::paid_at.ge(since))
        .filter(booking_items::active.eq(true))
        .select(sql::<Nullable<BigInt>>(
            "CAST(SUM(booking_items.quantity) AS BIGINT)",
        ))
        .first(conn)?;
    Ok(sum.unwrap_or(0))
}

/// Baskets still holding seats (pending, not run out) and the seats and places they hold.
pub fn active_holds(
    conn: &mut DbConnection,
    scope: &Scope,
    now: NaiveDateTime,
) -> QueryResult<(i64, i64)> {
    let baskets = bookings_in(scope)
        .filter(bookings::status.eq(BookingStatus::Pending))
        .filter(bookings::expires_at.gt(now))
        .count()
        .get_result(conn)?;
    let places: Option<i64> = items_in(scope)
        .filter(bookings::status.eq(BookingStatus::Pending))
        .filter(booking_items::active.eq(true))
        .select(sql::<Nullable<BigInt>>(
            "CAST(SUM(booking_items.quantity) AS BIGINT)",
        ))
        .first(conn)?;
    Ok((baskets, places.unwrap_or(0)))
}

/// A published event still to come, with its inventory's totals.
#[derive(Debug, Clone)]
pub struct UpcomingEvent {
    pub id: EventId,
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub venue: String,
    pub timezone: String,
    /// What can be sold (blocked seats left out), and what sold.
    pub capacity: i64,
    pub sold: i64,
}

/// The next `limit` published events, soonest first.
pub fn upcoming(
    conn: &mut DbConnection,
    scope: &Scope,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<UpcomingEvent>> {
    let mut query = events::table.inner_join(venues::table).into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(events::organizer_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<(EventId, String, NaiveDateTime, String, String)> = query
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::starts_at.gt(now))
        .order((events::starts_at, events::id))
        .limit(limit)
        .select((
            events::id,
            events::title,
            events::starts_at,
            venues::name,
            venues::timezone,
        ))
        .load(conn)?;
    let ids: Vec<EventId> = rows.iter().map(|r| r.0).collect();
    let totals: HashMap<EventId, (Option<i64>, Option<i64>)> = event_sections::table
        .filter(event_sections::event_id.eq_any(&ids))
        .group_by(event_sections::event_id)
        .select((
            event_sections::event_id,
            sql::<Nullable<BigInt>>(
                "CAST(SUM(event_sections.capacity - event_sections.blocked) AS BIGINT)",
            ),
            sql::<Nullable<BigInt>>("CAST(SUM(event_sections.sold) AS BIGINT)"),
        ))
        .load::<(EventId, Option<i64>, Option<i64>)>(conn)?
        .into_iter()
        .map(|(id, capacity, sold)| (id, (capacity, sold)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|(id, title, starts_at, venue, timezone)| {
            let (capacity, sold) = totals.get(&id).copied().unwrap_or((None, None));
            UpcomingEvent {
                id,
                title,
                starts_at,
                venue,
                timezone,
                capacity: capacity.unwrap_or(0),
                sold: sold.unwrap_or(0),
            }
        })
        .collect())
}

/// When the oldest email still waiting to go out was queued.
pub fn oldest_pending_email(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    email_outbox::table
        .filter(email_outbox::status.eq(EmailStatus::Pending))
        .select(diesel::dsl::min(email_outbox::created_at))
        .first(conn)
}

/// When the oldest job still waiting to run was queued.
pub fn oldest_queued_job(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    jobs::table
        .filter(jobs::status.eq("queued"))
        .select(diesel::dsl::min(jobs::created_at))
        .first(conn)
}

/// An audit-log row with its actor's name.
#[derive(Debug, Clone, Queryable)]
pub struct Activity {
    pub created_at: NaiveDateTime,
    pub actor_id: Option<UserId>,
    pub actor: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<i64>,
}

/// The newest `limit` rows of the audit log.
pub fn recent_activity(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Activity>> {
    audit_log::table
        .left_join(users::table)
        .order((audit_log::created_at.desc(), audit_log::id.desc()))
        .limit(limit)
        .select((
            audit_log::created_at,
            audit_log::actor_user_id,
            users::name.nullable(),
            audit_log::action,
            audit_log::subject_type,
            audit_log::subject_id,
        ))
        .load(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct VenueRow {
    pub id: VenueId,
    pub name: String,
    pub city: String,
}

#[derive(Debug, Clone)]
pub struct SectionSummary {
    pub id: SectionId,
    pub venue_id: VenueId,
    pub name: String,
    pub kind: SectionKind,
    /// Standing capacity, or the number of seats.
    pub capacity: i64,
}

pub fn venues(
    conn: &mut DbConnection,
    scope: &Scope,
) -> QueryResult<(Vec<VenueRow>, Vec<SectionSummary>)> {
    let mut query = venues::table
        .order((venues::name, venues::id))
        .select((venues::id, venues::name, venues::city))
        .into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(venues::organizer_id.eq_any(ids.to_vec()));
    }
    let venue_rows = query.load(conn)?;
    let seat_counts: HashMap<SectionId, i64> = seats::table
        .group_by(seats::section_id)
        .select((seats::section_id, count_star()))
        .load::<(SectionId, i64)>(conn)?
        .into_iter()
        .collect();
    let section_rows: Vec<(SectionId, VenueId, String, SectionKind, Option<i32>)> = sections::table
        .order((sections::venue_id, sections::position, sections::id))
        .select((
            sections::id,
            sections::venue_id,
            sections::name,
            sections::kind,
            sections::capacity,
        ))
        .load(conn)?;
    let summaries = section_rows
        .into_iter()
        .map(|(id, venue_id, name, kind, capacity)| SectionSummary {
            capacity: match kind {
                SectionKind::Standing => i64::from(capacity.unwrap_or(0)),
                SectionKind::Seated => seat_counts.get(&id).copied().unwrap_or(0),
            },
            id,
            venue_id,
            name,
            kind,
        })
        .collect();
    Ok((venue_rows, summaries))
}
