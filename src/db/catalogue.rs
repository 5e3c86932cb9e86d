//! Catalogue queries: the public event list, one event, its tiers and its inventory.

use std::collections::HashMap;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::dsl::{count_star, min, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};

use super::models::{EventRow, EventSeatRow, StandingRow, TierRow};
use super::schema::{event_seats, event_standing, events, price_tiers, seats, sections, venues};
use super::{DbConnection, MultiBackend};
use crate::domain::catalogue::{CatalogueQuery, Sort, contains_pattern};
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, TierId};
use crate::domain::venue::SeatStatus;

diesel::define_sql_function!(fn lower(x: Text) -> Text);

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
        // Anything left to sell: a free seat (an expired hold is free) or standing room
        // (places under expired holds are free too).
        query = query.filter(
            sql::<Bool>(
                "(EXISTS (SELECT 1 FROM event_seats es WHERE es.event_id = events.id \
                   AND (es.status = 'available' OR (es.status = 'held' AND es.held_until < ",
            )
            .bind::<Timestamp, _>(now)
            .sql(
                "))) OR EXISTS (SELECT 1 FROM event_standing st WHERE st.event_id = events.id \
                   AND (st.held + st.sold < st.capacity OR EXISTS (SELECT 1 FROM booking_items bi \
                     JOIN bookings b ON b.id = bi.booking_id WHERE bi.event_standing_id = st.id \
                     AND bi.active = TRUE AND b.status = 'pending' AND b.expires_at < ",
            )
            .bind::<Timestamp, _>(now)
            .sql("))))"),
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

/// One event unless it is a draft (drafts are never public).
pub fn public_event(conn: &mut DbConnection, id: EventId) -> QueryResult<Option<EventRow>> {
    events::table
        .inner_join(venues::table)
        .filter(events::id.eq(id))
        .filter(events::status.ne(EventStatus::Draft))
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

/// Seats per (event, tier): how many can be sold at all (not blocked) and how many are free now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub capacity: i64,
    pub available: i64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.capacity += other.capacity;
        self.available += other.available;
    }
}

/// Seat counts per event and tier, for the given events.
pub fn seat_counts(
    conn: &mut DbConnection,
    ids: &[EventId],
    now: NaiveDateTime,
) -> QueryResult<HashMap<(EventId, TierId), Counts>> {
    let sellable: Vec<(EventId, TierId, i64)> = event_seats::table
        .filter(event_seats::event_id.eq_any(ids))
        .filter(event_seats::status.ne(SeatStatus::Blocked))
        .group_by((event_seats::event_id, event_seats::tier_id))
        .select((event_seats::event_id, event_seats::tier_id, count_star()))
        .load(conn)?;
    let free: Vec<(EventId, TierId, i64)> = event_seats::table
        .filter(event_seats::event_id.eq_any(ids))
        .filter(
            event_seats::status
                .eq(SeatStatus::Available)
                .or(event_seats::status
                    .eq(SeatStatus::Held)
                    .and(event_seats::held_until.lt(now))),
        )
        .group_by((event_seats::event_id, event_seats::tier_id))
        .select((event_seats::event_id, event_seats::tier_id, count_star()))
        .load(conn)?;
    let mut counts: HashMap<(EventId, TierId), Counts> = HashMap::new();
    for (event, tier, n) in sellable {
        counts.entry((event, tier)).or_default().capacity += n;
    }
    for (event, tier, n) in free {
        counts.entry((event, tier)).or_default().available += n;
    }
    Ok(counts)
}

/// Standing areas of the given events, with price and counters.
pub fn standing(conn: &mut DbConnection, ids: &[EventId]) -> QueryResult<Vec<StandingRow>> {
    event_standing::table
        .inner_join(sections::table)
        .inner_join(price_tiers::table)
        .filter(event_standing::event_id.eq_any(ids))
        .order((event_standing::event_id, sections::position, sections::id))
        .select((
            event_standing::id,
            event_standing::event_id,
            event_standing::section_id,
            sections::name,
            event_standing::tier_id,
            price_tiers::price_cents,
            event_standing::capacity,
            event_standing::held,
            event_standing::sold,
        ))
        .load(conn)
}

/// Places in standing areas still counted as held by holds that have expired (they are free
/// already; the sweeper will bring the counters down).
pub fn expired_standing_holds(
    conn: &mut DbConnection,
    standing_ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<HashMap<i64, i64>> {
    use super::schema::{booking_items, bookings};
    if standing_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Option<i64>, Option<i64>)> = booking_items::table
        .inner_join(bookings::table)
        .filter(booking_items::event_standing_id.eq_any(standing_ids))
        .filter(booking_items::active.eq(true))
        .filter(bookings::status.eq("pending"))
        .filter(bookings::expires_at.lt(now))
        .group_by(booking_items::event_standing_id)
        .select((
            booking_items::event_standing_id,
            diesel::dsl::sum(booking_items::quantity),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| Some((id?, n?)))
        .collect())
}

/// Every seat of an event with its section, tier price and status, in map order.
pub fn event_seats(conn: &mut DbConnection, id: EventId) -> QueryResult<Vec<EventSeatRow>> {
    event_seats::table
        .inner_join(seats::table.inner_join(sections::table))
        .inner_join(price_tiers::table)
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
            event_seats::tier_id,
            price_tiers::price_cents,
            event_seats::status,
            event_seats::held_until,
        ))
        .load(conn)
}
