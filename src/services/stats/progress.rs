//! Where an event's cancellation stands, as its report shows it (computed by
//! `services::cancellation`, re-exported there).

use crate::domain::booking::BookingStatus;

/// Where a cancellation stands (API.md: `POST /api/v1/admin/events/{id}/cancel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Paid bookings still to refund.
    pub to_refund: i64,
    /// Bookings refunded.
    pub refunded: i64,
    /// Paid bookings whose refund the gateway kept refusing: they wait for an admin's retry
    /// (and are counted in `to_refund`).
    pub failed: i64,
}

impl Progress {
    /// `cancelling` while refunds are left, then `cancelled`.
    pub fn status(&self) -> &'static str {
        if self.to_refund > 0 {
            "cancelling"
        } else {
            "cancelled"
        }
    }

    /// From the event's bookings by status (`stats::EventSales::bookings`) and the refunds
    /// waiting for a retry.
    pub fn of(bookings: &std::collections::BTreeMap<BookingStatus, i64>, failed: i64) -> Self {
        let count = |status| bookings.get(&status).copied().unwrap_or(0);
        Progress {
            to_refund: count(BookingStatus::Paid),
            refunded: count(BookingStatus::Refunded),
            failed,
        }
    }

    /// Bookings to refund in all: refunded so far plus those left.
    pub fn total(&self) -> i64 {
        self.refunded + self.to_refund
    }

    /// Refunded share, 0-100 (100 when there was nothing to refund).
    pub fn percent(&self) -> i64 {
        match self.total() {
            0 => 100,
            total => self.refunded * 100 / total,
        }
    }
}
