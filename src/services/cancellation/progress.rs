//! How far an event's cancellation has got, and what cancelling would do (the preview).

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::cancellation::{self as queries, FailedRefund};
use crate::db::stats::EventHeader;
use crate::db::{DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::EventId;
pub use crate::services::stats::Progress;

/// Paid bookings left to refund, bookings refunded, and refunds waiting for a retry.
pub fn progress(c: &mut DbConnection, event: EventId) -> QueryResult<Progress> {
    Ok(Progress {
        to_refund: queries::count_in(c, event, BookingStatus::Paid)?,
        refunded: queries::count_in(c, event, BookingStatus::Refunded)?,
        failed: queries::count_failed_refunds(c, event)?,
    })
}

/// What cancelling would do now, for the confirmation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// Paid bookings to refund, and the money that goes back (their totals).
    pub paid_bookings: i64,
    pub refund_cents: i64,
    /// Baskets released at once, and the seats or places they hold now.
    pub pending_bookings: i64,
    pub held_places: i64,
    pub tickets: i64,
}

/// Everything the box office's cancel page shows: the event, what cancelling would do, the
/// refunds' progress and the refunds the gateway refused.
pub struct CancelOverview {
    pub event: EventHeader,
    pub preview: Preview,
    pub progress: Progress,
    pub failed: Vec<FailedRefund>,
}

/// The cancel page's figures; `None` for an unknown event.
#[tracing::instrument(name = "events.cancel_overview", level = "debug", skip_all, fields(event.id = %event))]
pub fn overview(
    c: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Option<CancelOverview>, DbError> {
    let Some(header) = crate::db::stats::event_header(c, event)? else {
        return Ok(None);
    };
    let Some((preview, progress)) = preview(c, event, now)? else {
        return Ok(None);
    };
    let failed = queries::failed_refunds(c, event)?;
    Ok(Some(CancelOverview {
        event: header,
        preview,
        progress,
        failed,
    }))
}

/// `None` for an unknown event.
pub fn preview(
    c: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Option<(Preview, Progress)>, DbError> {
    let Some(stats) = crate::services::stats::event_stats(c, event, now)? else {
        return Ok(None);
    };
    let count = |status| stats.sales.bookings.get(&status).copied().unwrap_or(0);
    let preview = Preview {
        paid_bookings: count(BookingStatus::Paid),
        refund_cents: stats.sales.revenue_cents,
        pending_bookings: count(BookingStatus::Pending),
        held_places: stats.held,
        tickets: stats.sales.tickets_sold,
    };
    let progress = Progress::of(
        &stats.sales.bookings,
        queries::count_failed_refunds(c, event)?,
    );
    Ok(Some((preview, progress)))
}
