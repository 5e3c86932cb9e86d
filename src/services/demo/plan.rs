//! The shape of the demo catalogue: plain data, no I/O. `content/` fills it in from
//! `venues.json` and `events.json`; `seed.rs` writes it to the database.

use chrono::NaiveTime;
use serde::Deserialize;

use crate::domain::event::{Category, EventStatus};
use crate::domain::venue::SectionKind;

/// A rectangle on a venue's overview map, in the venue's own map units (the seat map's SVG
/// `viewBox` is derived from the union of these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapRect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

#[derive(Debug, Clone)]
pub struct VenuePlan {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub address: String,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// IANA time zone name, e.g. `Europe/London`.
    pub timezone: String,
    pub sections: Vec<SectionPlan>,
}

#[derive(Debug, Clone)]
pub struct SectionPlan {
    pub name: String,
    pub kind: SectionKind,
    /// Standing sections only; a seated section's capacity is its number of seats.
    pub capacity: Option<i32>,
    pub map: MapRect,
    /// Seated sections only; empty for standing.
    pub seats: Vec<SeatPlan>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatPlan {
    pub row_label: String,
    /// 0 is the row nearest the stage.
    pub row_index: i32,
    pub number: i32,
    /// Seat centre on the venue map, same units as [`MapRect`].
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TierPlan {
    pub name: String,
    pub price_cents: i64,
}

#[derive(Debug, Clone)]
pub struct EventPlan {
    pub venue_slug: String,
    pub title: String,
    pub slug: String,
    /// One line for cards.
    pub summary: String,
    /// A few paragraphs separated by blank lines.
    pub description: String,
    pub category: Category,
    pub status: EventStatus,
    pub featured: bool,
    /// Days from the seeding day (negative: in the past).
    pub day_offset: i32,
    /// Start time, local to the venue's time zone.
    pub local_start: NaiveTime,
    pub duration_minutes: i32,
    pub currency: String,
    pub max_tickets_per_order: i32,
    /// Days before the start that sales open (None: already open when seeded).
    pub sales_open_days_before: Option<i32>,
    pub tiers: Vec<TierPlan>,
    /// Section name → index into `tiers`. Every section of the venue that is on sale for this
    /// event appears once; sections left out are not sold for this event.
    pub section_tiers: Vec<(String, usize)>,
    /// Share of the inventory already sold when seeded, in per mille (0..=1000), so the demo
    /// shows on-sale, few-left and sold-out events.
    pub sold_per_mille: u32,
    pub cancellation_reason: Option<String>,
}
