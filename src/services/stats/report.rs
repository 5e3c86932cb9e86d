//! The event report: sales, heatmap and cancellation progress on one page.

use chrono::NaiveDateTime;

use super::progress::Progress;
use crate::db::cancellation::FailedRefund;
use crate::db::stats::{self as queries, EventHeader};
use crate::db::{DbConnection, DbError};
use crate::domain::event::EventStatus;
use crate::domain::ids::EventId;
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::money::Money;
use crate::domain::sales_chart::SalesChart;

use super::heatmap::{Heatmap, heatmap};
use super::sales::{EventStats, TierSales, event_stats, sales, tier_sales};

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
        Money::new(*cents.borrow(), self.event.currency).to_string()
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
#[tracing::instrument(name = "stats.report", level = "debug", skip_all, fields(event.id = %event))]
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
