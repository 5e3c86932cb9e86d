//! Sales figures of an event, for the box office (issue 7 shows them). Money and tickets count
//! from **paid** bookings only: a pending basket, an expired or cancelled booking and a
//! refunded one sell nothing ("estimated revenue from confirmed bookings").

mod heatmap;
mod progress;
mod report;
mod sales;

pub use heatmap::{HeatSeat, HeatSection, Heatmap, heat_class, heatmap};
pub use progress::Progress;
pub use report::{EventReport, report};
pub use sales::{
    EventSales, EventStats, TierSales, event_sales, event_stats, sales, tickets_checked_in,
    tier_sales,
};
