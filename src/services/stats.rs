//! Sales figures of an event, for the box office (issue 7 shows them). Money and tickets count
//! from **paid** bookings only: a pending basket, an expired or cancelled booking and a
//! refunded one sell nothing ("estimated revenue from confirmed bookings").

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::db::cancellation::FailedRefund;
use crate::db::stats::{self as queries, EventHeader};
use crate::db::{DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, SectionId, TierId};
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::money::Money;
use crate::domain::sales_chart::{Sale, SalesChart};
use crate::domain::seatmap::Rect;
use crate::services::cancellation::Progress;

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

/// A section of the heatmap: how much of it sold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatSection {
    pub name: String,
    pub rect: Rect,
    pub standing: bool,
    pub sold: i64,
    pub capacity: i64,
    pub percent: i64,
    /// `heat-0` (nothing sold) … `heat-5` (sold out).
    pub class: &'static str,
}

impl HeatSection {
    pub fn label_x(&self) -> i32 {
        self.rect.centre_x()
    }

    pub fn label_y(&self) -> i32 {
        self.rect.y + self.rect.height / 2
    }
}

/// A seat of the heatmap: `sold`, `held`, `available` or `blocked`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatSeat {
    pub cx: i32,
    pub cy: i32,
    pub class: &'static str,
}

/// The venue drawn with what sold: every section shaded by its sold share, and, for venues
/// small enough to read seat by seat, every seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heatmap {
    pub view_box: String,
    pub stage: Rect,
    pub font_size: i32,
    pub sections: Vec<HeatSection>,
    pub seats: Vec<HeatSeat>,
}

/// Shade of a sold share: five steps, and a sixth for sold out.
pub fn heat_class(sold: i64, capacity: i64) -> &'static str {
    if capacity <= 0 || sold <= 0 {
        return "heat-0";
    }
    if sold >= capacity {
        return "heat-5";
    }
    match sold * 100 / capacity {
        0..25 => "heat-1",
        25..50 => "heat-2",
        50..75 => "heat-3",
        _ => "heat-4",
    }
}

pub fn heatmap(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Heatmap, DbError> {
    use crate::db::seatmap as map_queries;
    use crate::domain::seatmap::{OVERVIEW_ABOVE, stage};
    use crate::domain::venue::{SeatStatus, SectionKind};
    let counters: BTreeMap<SectionId, (i64, i64)> = crate::db::catalogue::sections(conn, &[event])?
        .into_iter()
        .map(|s| {
            (
                s.section_id,
                (
                    i64::from(s.sold),
                    i64::from(s.capacity) - i64::from(s.blocked),
                ),
            )
        })
        .collect();
    let rows = map_queries::sections(conn, event)?;
    let sections: Vec<HeatSection> = rows
        .iter()
        .map(|r| {
            let (sold, capacity) = counters.get(&r.id).copied().unwrap_or((0, 0));
            HeatSection {
                name: r.name.clone(),
                rect: Rect {
                    x: r.map_x,
                    y: r.map_y,
                    width: r.map_width,
                    height: r.map_height,
                },
                standing: r.kind == SectionKind::Standing,
                sold,
                capacity,
                percent: if capacity > 0 {
                    sold * 100 / capacity
                } else {
                    0
                },
                class: heat_class(sold, capacity),
            }
        })
        .collect();
    let seat_count: i64 = rows
        .iter()
        .filter(|r| r.kind == SectionKind::Seated)
        .map(|r| i64::from(r.capacity))
        .sum();
    let seats = if seat_count <= OVERVIEW_ABOVE {
        map_queries::seats_of(conn, event, None, None)?
            .into_iter()
            .map(|s| HeatSeat {
                cx: s.x,
                cy: s.y,
                class: match s.status {
                    SeatStatus::Sold => "sold",
                    SeatStatus::Blocked => "blocked",
                    SeatStatus::Held if s.held_until.is_some_and(|until| until > now) => "held",
                    _ => "available",
                },
            })
            .collect()
    } else {
        Vec::new()
    };
    let layout = Rect::union(sections.iter().map(|s| s.rect)).unwrap_or(Rect {
        x: 0,
        y: 0,
        width: 100,
        height: 100,
    });
    let gap = (layout.height / 30).clamp(10, 40);
    let stage = stage(layout, gap);
    let view = Rect::union([layout, stage]).unwrap_or(layout).padded(gap);
    Ok(Heatmap {
        view_box: view.view_box(),
        stage,
        font_size: (layout.width / 45).clamp(9, 48),
        sections,
        seats,
    })
}

/// Everything the event's statistics page shows.
pub struct EventReport {
    pub event: EventHeader,
    pub start: LocalStart,
    pub stats: EventStats,
    pub tiers: Vec<TierSales>,
    pub chart: Option<SalesChart>,
    pub heatmap: Heatmap,
    pub checked_in: i64,
    /// A cancelled event's refunds: how far they got, and those waiting for a retry.
    pub cancellation: Option<(Progress, Vec<FailedRefund>)>,
}

impl EventReport {
    pub fn money(&self, cents: impl std::borrow::Borrow<i64>) -> String {
        Money::new(*cents.borrow(), &self.event.currency).to_string()
    }

    /// Sold share of what can be sold, 0-100.
    pub fn fill_percent(&self) -> i64 {
        if self.stats.capacity > 0 {
            self.stats.sold * 100 / self.stats.capacity
        } else {
            0
        }
    }
}

/// `None` for an unknown event.
pub fn report(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Option<EventReport>, DbError> {
    let Some(header) = queries::event_header(conn, event)? else {
        return Ok(None);
    };
    let Some(stats) = event_stats(conn, event, now)? else {
        return Ok(None);
    };
    let cancellation = if header.status == EventStatus::Cancelled {
        let failed = crate::db::cancellation::failed_refunds(conn, event)?;
        Some((
            Progress::of(&stats.sales.bookings, failed.len() as i64),
            failed,
        ))
    } else {
        None
    };
    Ok(Some(EventReport {
        start: LocalStart::new(header.starts_at, zone(&header.timezone)),
        tiers: tier_sales(conn, event)?,
        chart: SalesChart::of(&sales(conn, event)?, now.date()),
        heatmap: heatmap(conn, event, now)?,
        checked_in: queries::tickets_checked_in(conn, event)?,
        cancellation,
        stats,
        event: header,
    }))
}
