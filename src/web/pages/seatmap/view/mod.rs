//! The seat map as the page draws it (view models): seats in their state's colours, sections
//! with what is left, the price legend, standing areas, row labels, and the buyer's basket.
//! Built from what `services::seatmap` reads; the page, the answers to a click and the live
//! stream all draw from here.

mod basket;
mod map;
mod seats;

use std::sync::Arc;

use crate::domain::ids::{SeatId, SectionId};
use crate::domain::money::Money;
use crate::domain::seatmap::{Rect, SeatState, seat_label};
use crate::services::catalogue::EventDetail;
use crate::services::seatmap::Scope;

pub use basket::{Basket, BasketLine, BasketView, basket};
pub use map::load;
pub use seats::{changed, overview_sections, seats, sections_of, standing, standing_of};

/// Seat radius in map units (seat centres are 10 units apart in the demo layouts).
pub const SEAT_RADIUS: i32 = 4;

/// A seat drawn on the map (and listed in the list view). The strings a section's seats share
/// are shared (a 20,000-seat map builds 20,000 of these).
#[derive(Debug, Clone, PartialEq)]
pub struct SeatView {
    pub id: SeatId,
    pub section_id: SectionId,
    pub section: Arc<str>,
    pub row: Arc<str>,
    pub number: i32,
    pub cx: i32,
    pub cy: i32,
    pub accessible: bool,
    pub state: SeatState,
    pub price: Arc<str>,
    pub tier_class: &'static str,
}

impl SeatView {
    /// What a screen reader says: "Stalls, row F, seat 12, £65.00, available". (The map's
    /// template writes the same words without building the string.)
    pub fn label(&self) -> String {
        seat_label(
            &self.section,
            &self.row,
            self.number,
            &self.price,
            self.state,
            self.accessible,
        )
    }

    pub fn status(&self) -> &'static str {
        self.state.as_str()
    }

    pub fn actionable(&self) -> bool {
        self.state.actionable()
    }

    pub fn mine(&self) -> bool {
        self.state == SeatState::Mine
    }

    /// The form field a click sends: `hold` for a free seat, `release` for one of the buyer's.
    pub fn action(&self) -> &'static str {
        if self.mine() { "release" } else { "hold" }
    }

    /// Top-left corner of a wheelchair space's square.
    pub fn corner_x(&self) -> i32 {
        self.cx - SEAT_RADIUS
    }

    pub fn corner_y(&self) -> i32 {
        self.cy - SEAT_RADIUS
    }
}

/// A section on the map.
#[derive(Debug, Clone)]
pub struct SectionView {
    pub id: SectionId,
    pub name: String,
    pub standing: bool,
    pub rect: Rect,
    pub tier_class: &'static str,
    pub price: String,
    pub capacity: i64,
    pub available: i64,
}

impl SectionView {
    pub fn label_x(&self) -> i32 {
        self.rect.centre_x()
    }

    pub fn label_y(&self) -> i32 {
        self.rect.y + self.rect.height / 2
    }

    pub fn sold_out(&self) -> bool {
        self.available <= 0
    }

    /// "Block 101: 312 left, £45.00 each" (it starts with what the shape shows, so speech
    /// input users can say what they see).
    pub fn label(&self) -> String {
        if self.sold_out() {
            format!("{}: Sold out, {} each", self.name, self.price)
        } else {
            format!(
                "{}: {} left, {} each",
                self.name, self.available, self.price
            )
        }
    }
}

/// A price tier in the legend.
#[derive(Debug, Clone)]
pub struct TierLegend {
    pub id: i64,
    pub name: String,
    pub price: Money,
    pub class: &'static str,
    pub available: i64,
}

/// A standing area and what is left of it.
#[derive(Debug, Clone)]
pub struct StandingView {
    pub section_id: SectionId,
    pub name: String,
    pub price: String,
    pub tier_class: &'static str,
    pub available: i64,
    pub capacity: i64,
}

/// A row's name drawn at its start.
#[derive(Debug, Clone)]
pub struct RowLabel {
    pub text: String,
    pub x: i32,
    pub y: i32,
}

/// Everything the seat map page draws.
pub struct SeatMap {
    pub detail: EventDetail,
    /// Text size on the map, in map units (big venues need bigger letters).
    pub font_size: i32,
    pub scope: Scope,
    /// The venue is big enough to open on the overview.
    pub big: bool,
    pub seat_count: i64,
    pub view_box: String,
    pub stage: Rect,
    pub sections: Vec<SectionView>,
    pub seats: Vec<SeatView>,
    /// Row letters beside the first seat of each row (a section's close-up only).
    pub row_labels: Vec<RowLabel>,
    pub tiers: Vec<TierLegend>,
    pub standing: Vec<StandingView>,
    /// Holds are possible now.
    pub on_sale: bool,
}

impl SeatMap {
    /// The section being shown, if one is.
    pub fn section(&self) -> Option<&SectionView> {
        let id = self.scope.section()?;
        self.sections.iter().find(|s| s.id == id)
    }

    pub fn seated_sections(&self) -> Vec<&SectionView> {
        self.sections.iter().filter(|s| !s.standing).collect()
    }

    pub fn has_seats(&self) -> bool {
        self.seat_count > 0
    }
}
