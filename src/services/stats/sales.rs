//! An event's sales figures: totals, by tier, and over time.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::db::stats::{self as queries};
use crate::db::{DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{EventId, TierId};
use crate::domain::sales_chart::Sale;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSales {
    /// Live tickets of paid bookings (one per seat or standing place).
    pub tickets_sold: i64,
    /// The totals of paid bookings, in the event's currency's minor units.
    pub revenue_cents: i64,
    /// Money given back (succeeded refunds) for the event's bookings.
    pub refunded_cents: i64,
    /// Bookings by status, every status present (zero when none).
    pub bookings: BTreeMap<BookingStatus, i64>,
}

/// An event's inventory and sales, as `GET /api/v1/admin/events/{id}/stats` gives them.
/// `capacity` is what can be sold (blocked seats left out); `available + held + sold =
/// capacity`, where a hold that ran out counts as available (the sweeper may not have come by).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventStats {
    pub capacity: i64,
    pub available: i64,
    pub held: i64,
    pub sold: i64,
    pub sales: EventSales,
}

/// `None` for an unknown event.
pub fn event_stats(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Option<EventStats>, DbError> {
    use crate::db::catalogue as catalogue_queries;
    use crate::domain::inventory::SectionCounters;
    if !queries::event_exists(conn, event)? {
        return Ok(None);
    }
    let sections = catalogue_queries::sections(conn, &[event])?;
    let expired = catalogue_queries::expired_holds(conn, &sections, now)?;
    let mut stats = EventStats::default();
    for s in &sections {
        let expired = expired.get(&s.id).copied().unwrap_or(0);
        let counters = SectionCounters {
            capacity: i64::from(s.capacity),
            held: i64::from(s.held),
            sold: i64::from(s.sold),
            blocked: i64::from(s.blocked),
            expired,
        };
        let counts = counters.counts();
        stats.capacity += counts.capacity;
        stats.available += counts.available;
        stats.sold += counters.sold;
    }
    stats.held = stats.capacity - stats.available - stats.sold;
    stats.sales = event_sales(conn, event)?;
    Ok(Some(stats))
}

/// The event's sales: three aggregate queries.
pub fn event_sales(conn: &mut DbConnection, event: EventId) -> Result<EventSales, DbError> {
    let by_status = queries::bookings_by_status(conn, event)?;
    let tickets_sold = queries::tickets_sold(conn, event)?;
    let refunded_cents = queries::refunded_cents(conn, event)?;
    let mut bookings: BTreeMap<BookingStatus, i64> =
        BookingStatus::ALL.iter().map(|s| (*s, 0)).collect();
    let mut revenue_cents = 0;
    for (status, count, total) in by_status {
        bookings.insert(status, count);
        if status == BookingStatus::Paid {
            revenue_cents = total.unwrap_or(0);
        }
    }
    Ok(EventSales {
        tickets_sold,
        revenue_cents,
        refunded_cents,
        bookings,
    })
}

/// A price tier's sales (paid bookings only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierSales {
    pub id: TierId,
    pub name: String,
    pub price_cents: i64,
    pub tickets: i64,
    pub revenue_cents: i64,
}

/// Tickets of the event used at the door.
pub fn tickets_checked_in(conn: &mut DbConnection, event: EventId) -> Result<i64, DbError> {
    Ok(queries::tickets_checked_in(conn, event)?)
}

/// Every tier of the event, in its order, with what it sold (zero when nothing).
pub fn tier_sales(conn: &mut DbConnection, event: EventId) -> Result<Vec<TierSales>, DbError> {
    let sold: BTreeMap<TierId, (i64, i64)> = queries::sales_by_tier(conn, event)?
        .into_iter()
        .map(|(tier, tickets, revenue)| (tier, (tickets.unwrap_or(0), revenue.unwrap_or(0))))
        .collect();
    Ok(crate::db::catalogue::tiers(conn, &[event])?
        .into_iter()
        .map(|t| {
            let (tickets, revenue_cents) = sold.get(&t.id).copied().unwrap_or((0, 0));
            TierSales {
                id: t.id,
                name: t.name,
                price_cents: t.price_cents,
                tickets,
                revenue_cents,
            }
        })
        .collect())
}

/// The paid bookings as chart input (a paid booking always has its `paid_at`; a CHECK says
/// so).
pub fn sales(conn: &mut DbConnection, event: EventId) -> Result<Vec<Sale>, DbError> {
    Ok(queries::paid_bookings(conn, event)?
        .into_iter()
        .filter_map(|(at, tickets, total)| {
            Some(Sale {
                at: at?,
                tickets: tickets.unwrap_or(0),
                revenue_cents: total,
            })
        })
        .collect())
}
