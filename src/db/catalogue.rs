//! Catalogue queries: the public event list, one event, its tiers and its inventory.

use std::collections::HashMap;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::dsl::{count_star, min, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};

use super::models::{EventRow, EventSeatRow, SectionRow, TierRow};
use super::schema::{
    booking_items, bookings, event_seats, event_sections, events, price_tiers, seats, sections,
    venues,
};
use super::{DbConnection, MultiBackend};
use crate::domain::booking::BookingStatus;
use crate::domain::catalogue::{CatalogueQuery, Sort, contains_pattern};
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, EventSectionId, SectionId};
use crate::domain::venue::SeatStatus;

diesel::define_sql_function!(
    /// SQL `lower()`: ASCII case folding on SQLite, full Unicode on PostgreSQL.
    fn lower(x: Text) -> Text
);

type Listing<'a> =
    diesel::dsl::IntoBoxed<'a, diesel::dsl::InnerJoin<events::table, venues::table>, MultiBackend>;

/// The cheapest tier of the outer `events` row.
const MIN_PRICE: &str =
    "(SELECT MIN(pt.price_cents) FROM price_tiers pt WHERE pt.event_id = events.id)";

/// Published events still to come that match the query (before ordering and paging).
fn filtered<'a>(q: &'a CatalogueQuery, now: NaiveDateTime) -> Listing<'a> {
    let mut query = events::table
        .inner_join(venues::table)
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::starts_at.gt(now))
        .into_boxed();
    for word in &q.words {
        let pattern = contains_pattern(word);
        query = query.filter(
            lower(events::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(events::description)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(lower(venues::name).like(pattern.clone()).escape('\\'))
                .or(lower(venues::city).like(pattern).escape('\\')),
        );
    }
    if let Some(city) = &q.city {
        query = query.filter(lower(venues::city).eq(city.to_lowercase()));
    }
    if let Some(category) = q.category {
        query = query.filter(events::category.eq(category));
    }
    if let Some(from) = q.from {
        query = query.filter(events::starts_local.ge(from.and_time(chrono::NaiveTime::MIN)));
    }
    if let Some(to) = q.to {
        let end = to.and_time(chrono::NaiveTime::MIN) + TimeDelta::days(1);
        query = query.filter(events::starts_local.lt(end));
    }
    if q.available_only {
        // Anything left to sell: a section with free room by its counters, or with holds that
        // have expired (an expired hold is free before the sweeper releases it).
        query = query.filter(
            sql::<Bool>(
                "EXISTS (SELECT 1 FROM event_sections es WHERE es.event_id = events.id \
                   AND (es.held + es.sold + es.blocked < es.capacity OR (es.held > 0 AND (\
                     EXISTS (SELECT 1 FROM event_seats s WHERE s.event_id = es.event_id \
                       AND s.status = 'held' AND s.held_until < ",
            )
            .bind::<Timestamp, _>(now)
            .sql(
                " AND s.section_id = es.section_id) \
                     OR EXISTS (SELECT 1 FROM booking_items bi JOIN bookings b ON b.id = bi.booking_id \
                       WHERE bi.event_section_id = es.id AND bi.active = TRUE \
                         AND b.status = 'pending' AND b.expires_at < ",
            )
            .bind::<Timestamp, _>(now)
            .sql(")))))"),
        );
    }
    query
}

/// One page of the catalogue and the number of matches.
pub fn search(
    conn: &mut DbConnection,
    q: &CatalogueQuery,
    now: NaiveDateTime,
) -> QueryResult<(Vec<EventRow>, i64)> {
    let total: i64 = filtered(q, now).count().get_result(conn)?;
    if total <= q.offset() {
        return Ok((Vec::new(), total));
    }
    let page = filtered(q, now).select(EventRow::as_select());
    let page = match q.sort {
        Sort::Date => page.order((events::starts_at.asc(), events::id.asc())),
        Sort::Title => page.order((lower(events::title).asc(), events::id.asc())),
        Sort::Price => page.order((
            sql::<Nullable<BigInt>>(MIN_PRICE).asc(),
            events::starts_at.asc(),
            events::id.asc(),
        )),
        Sort::PriceDesc => page.order((
            sql::<Nullable<BigInt>>(MIN_PRICE).desc(),
            events::starts_at.asc(),
            events::id.asc(),
        )),
    };
    let rows = page
        .limit(i64::from(q.per_page))
        .offset(q.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// Upcoming published events marked as featured, soonest first.
pub fn featured(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    events::table
        .inner_join(venues::table)
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::featured.eq(true))
        .filter(events::starts_at.gt(now))
        .order((events::starts_at.asc(), events::id.asc()))
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}

/// Cities with upcoming published events, for the city filter.
pub fn cities(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<String>> {
    venues::table
        .inner_join(events::table)
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::starts_at.gt(now))
        .select(venues::city)
        .distinct()
        .order(venues::city.asc())
        .load(conn)
}

/// One event unless it is unpublished (a draft, or in review or approved: never public).
pub fn public_event(conn: &mut DbConnection, id: EventId) -> QueryResult<Option<EventRow>> {
    events::table
        .inner_join(venues::table)
        .filter(events::id.eq(id))
        .filter(events::status.ne_all(EventStatus::UNPUBLISHED.to_vec()))
        .select(EventRow::as_select())
        .first(conn)
        .optional()
}

pub fn tiers(conn: &mut DbConnection, ids: &[EventId]) -> QueryResult<Vec<TierRow>> {
    price_tiers::table
        .filter(price_tiers::event_id.eq_any(ids))
        .order((
            price_tiers::event_id,
            price_tiers::position,
            price_tiers::price_cents.desc(),
        ))
        .select(TierRow::as_select())
        .load(conn)
}

pub fn min_prices(conn: &mut DbConnection, ids: &[EventId]) -> QueryResult<HashMap<EventId, i64>> {
    let rows: Vec<(EventId, Option<i64>)> = price_tiers::table
        .filter(price_tiers::event_id.eq_any(ids))
        .group_by(price_tiers::event_id)
        .select((price_tiers::event_id, min(price_tiers::price_cents)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, p)| Some((id, p?)))
        .collect())
}

/// The sections on sale at the given events, with tier price and counters, in map order.
pub fn sections(conn: &mut DbConnection, ids: &[EventId]) -> QueryResult<Vec<SectionRow>> {
    event_sections::table
        .inner_join(sections::table)
        .inner_join(price_tiers::table)
        .filter(event_sections::event_id.eq_any(ids))
        .order((event_sections::event_id, sections::position, sections::id))
        .select((
            event_sections::id,
            event_sections::event_id,
            event_sections::section_id,
            sections::name,
            sections::kind,
            event_sections::tier_id,
            price_tiers::price_cents,
            event_sections::capacity,
            event_sections::held,
            event_sections::sold,
            event_sections::blocked,
        ))
        .load(conn)
}

/// Per event section (by `event_sections.id`), how much of its `held` counter belongs to holds
/// that have expired: those seats and places are free already; the sweeper will release them.
pub fn expired_holds(
    conn: &mut DbConnection,
    sections: &[SectionRow],
    now: NaiveDateTime,
) -> QueryResult<HashMap<EventSectionId, i64>> {
    let with_holds: Vec<&SectionRow> = sections.iter().filter(|s| s.held > 0).collect();
    let mut expired = HashMap::new();
    if with_holds.is_empty() {
        return Ok(expired);
    }
    let events: Vec<EventId> = with_holds.iter().map(|s| s.event_id).collect();
    let seats: Vec<(EventId, SectionId, i64)> = event_seats::table
        .filter(event_seats::event_id.eq_any(&events))
        .filter(event_seats::status.eq(SeatStatus::Held))
        .filter(event_seats::held_until.lt(now))
        .group_by((event_seats::event_id, event_seats::section_id))
        .select((event_seats::event_id, event_seats::section_id, count_star()))
        .load(conn)?;
    for (event, section, n) in seats {
        if let Some(row) = with_holds
            .iter()
            .find(|s| s.event_id == event && s.section_id == section)
        {
            expired.insert(row.id, n);
        }
    }
    let ids: Vec<EventSectionId> = with_holds.iter().map(|s| s.id).collect();
    let places: Vec<(Option<EventSectionId>, Option<i64>)> = booking_items::table
        .inner_join(bookings::table)
        .filter(booking_items::event_section_id.eq_any(&ids))
        .filter(booking_items::active.eq(true))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .filter(bookings::expires_at.lt(now))
        .group_by(booking_items::event_section_id)
        .select((
            booking_items::event_section_id,
            diesel::dsl::sum(booking_items::quantity),
        ))
        .load(conn)?;
    for (id, n) in places {
        if let (Some(id), Some(n)) = (id, n) {
            *expired.entry(id).or_default() += n;
        }
    }
    Ok(expired)
}

pub fn event_title(conn: &mut DbConnection, event: EventId) -> QueryResult<String> {
    events::table
        .filter(events::id.eq(event))
        .select(events::title)
        .first(conn)
}

/// Every seat of an event with its section, tier price and status, in map order.
pub fn event_seats(conn: &mut DbConnection, id: EventId) -> QueryResult<Vec<EventSeatRow>> {
    event_seats::table
        .inner_join(seats::table.inner_join(sections::table))
        .inner_join(
            event_sections::table.on(event_sections::event_id
                .eq(event_seats::event_id)
                .and(event_sections::section_id.eq(event_seats::section_id))),
        )
        .inner_join(price_tiers::table.on(price_tiers::id.eq(event_sections::tier_id)))
        .filter(event_seats::event_id.eq(id))
        .order((
            sections::position,
            sections::id,
            seats::row_index,
            seats::number,
        ))
        .select((
            seats::id,
            sections::id,
            sections::name,
            seats::row_label,
            seats::number,
            seats::x,
            seats::y,
            seats::accessible,
            event_sections::tier_id,
            price_tiers::price_cents,
            event_seats::status,
            event_seats::held_until,
        ))
        .load(conn)
}
