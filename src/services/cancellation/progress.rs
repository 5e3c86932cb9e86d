//! How far an event's cancellation has got, and what cancelling would do (the preview).

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::cancellation as queries;
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
