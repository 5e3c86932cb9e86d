//! Queries for the box-office dashboard.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{bookings, events, seats, sections, users, venues};
use crate::domain::event::EventStatus;
use crate::domain::ids::{SectionId, VenueId};
use crate::domain::venue::SectionKind;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    pub upcoming: i64,
    pub drafts: i64,
    pub cancelled: i64,
    pub paid_bookings: i64,
    pub users: i64,
}

pub fn overview(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Overview> {
    let by_status = |conn: &mut DbConnection, status: EventStatus| -> QueryResult<i64> {
        events::table
            .filter(events::status.eq(status))
            .count()
            .get_result(conn)
    };
    Ok(Overview {
        upcoming: events::table
            .filter(events::status.eq(EventStatus::Published))
            .filter(events::starts_at.gt(now))
            .count()
            .get_result(conn)?,
        drafts: by_status(conn, EventStatus::Draft)?,
        cancelled: by_status(conn, EventStatus::Cancelled)?,
        paid_bookings: bookings::table
            .filter(bookings::status.eq("paid"))
            .count()
            .get_result(conn)?,
        users: users::table.count().get_result(conn)?,
    })
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

pub fn venues(conn: &mut DbConnection) -> QueryResult<(Vec<VenueRow>, Vec<SectionSummary>)> {
    let venue_rows = venues::table
        .order((venues::name, venues::id))
        .select((venues::id, venues::name, venues::city))
        .load(conn)?;
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
