//! The seat map as one viewer sees it: each seat's state from that viewer's point of view, the
//! words a screen reader says for it, and the map's geometry. No I/O.

use chrono::NaiveDateTime;

use crate::domain::ids::BookingId;
use crate::domain::venue::SeatStatus;

/// Venues with more seats than this open on a section overview, and the buyer zooms into a
/// section (or asks for every seat at once).
pub const OVERVIEW_ABOVE: i64 = 2_500;

/// How many price tiers have colours of their own; further tiers reuse them in turn.
pub const TIER_COLOURS: usize = 6;

/// A seat's state for one viewer. A hold that has run out is `Available` at once, whether or
/// not the sweeper has been by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeatState {
    Available,
    /// Held by someone else.
    Held,
    /// In this viewer's basket.
    Mine,
    Sold,
    Blocked,
}

impl SeatState {
    /// `booking`: the booking holding the seat; `basket`: the viewer's own pending booking.
    pub fn of(
        status: SeatStatus,
        held_until: Option<NaiveDateTime>,
        booking: Option<BookingId>,
        basket: Option<BookingId>,
        now: NaiveDateTime,
    ) -> SeatState {
        match status {
            SeatStatus::Available => SeatState::Available,
            SeatStatus::Held if held_until.is_none_or(|t| t <= now) => SeatState::Available,
            SeatStatus::Held if booking.is_some() && booking == basket => SeatState::Mine,
            SeatStatus::Held => SeatState::Held,
            SeatStatus::Sold => SeatState::Sold,
            SeatStatus::Blocked => SeatState::Blocked,
        }
    }

    /// The `data-status` value and CSS hook.
    pub fn as_str(self) -> &'static str {
        match self {
            SeatState::Available => "available",
            SeatState::Held => "held",
            SeatState::Mine => "mine",
            SeatState::Sold => "sold",
            SeatState::Blocked => "blocked",
        }
    }

    /// What a person is told about the seat.
    pub fn label(self) -> &'static str {
        match self {
            SeatState::Available => "available",
            SeatState::Held => "held by another buyer",
            SeatState::Mine => "in your basket",
            SeatState::Sold => "sold",
            SeatState::Blocked => "not on sale",
        }
    }

    /// Whether clicking the seat does something: holds it, or gives it back.
    pub fn actionable(self) -> bool {
        matches!(self, SeatState::Available | SeatState::Mine)
    }
}

/// "Stalls, row F, seat 12, £45.00, available" (plus ", wheelchair space").
pub fn seat_label(
    section: &str,
    row: &str,
    number: i32,
    price: &str,
    state: SeatState,
    accessible: bool,
) -> String {
    let access = if accessible { ", wheelchair space" } else { "" };
    format!(
        "{section}, row {row}, seat {number}, {price}, {}{access}",
        state.label()
    )
}

/// Where a booking line or a ticket is: "Stalls, row F, seat 12", or "Floor, standing" for a
/// place in a standing area (no row or number).
pub fn place_label(section: &str, row: Option<&str>, number: Option<i32>) -> String {
    match (row, number) {
        (Some(row), Some(number)) => format!("{section}, row {row}, seat {number}"),
        _ => format!("{section}, standing"),
    }
}

/// The colour class of a tier from its position in the event's price list.
pub fn tier_class(position: usize) -> &'static str {
    const CLASSES: [&str; TIER_COLOURS] =
        ["tier-0", "tier-1", "tier-2", "tier-3", "tier-4", "tier-5"];
    CLASSES[position % TIER_COLOURS]
}

/// A rectangle in the venue's map units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

impl Rect {
    /// The smallest rectangle holding all of them; `None` for none.
    pub fn union(rects: impl IntoIterator<Item = Rect>) -> Option<Rect> {
        rects.into_iter().reduce(|a, b| {
            let x = a.x.min(b.x);
            let y = a.y.min(b.y);
            let right = (a.x + a.width).max(b.x + b.width);
            let bottom = (a.y + a.height).max(b.y + b.height);
            Rect {
                x,
                y,
                width: right - x,
                height: bottom - y,
            }
        })
    }

    pub fn padded(self, by: i32) -> Rect {
        Rect {
            x: self.x - by,
            y: self.y - by,
            width: self.width + 2 * by,
            height: self.height + 2 * by,
        }
    }

    /// The SVG `viewBox` showing this rectangle.
    pub fn view_box(self) -> String {
        format!("{} {} {} {}", self.x, self.y, self.width, self.height)
    }

    pub fn centre_x(self) -> i32 {
        self.x + self.width / 2
    }

    pub fn bottom(self) -> i32 {
        self.y + self.height
    }
}

/// Where the stage is drawn: a band above everything else, as wide as the middle half of the
/// map, `gap` units above the top of the layout. The layouts put the stage at the top.
pub fn stage(layout: Rect, gap: i32) -> Rect {
    let height = (layout.height / 14).clamp(12, 60);
    let width = (layout.width / 2).max(40);
    Rect {
        x: layout.centre_x() - width / 2,
        y: layout.y - gap - height,
        width,
        height,
    }
}

/// Minutes and seconds left, as a countdown shows them ("14:59"); "0:00" once past.
pub fn countdown(expires_at: NaiveDateTime, now: NaiveDateTime) -> String {
    let left = (expires_at - now).num_seconds().max(0);
    format!("{}:{:02}", left / 60, left % 60)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_place_is_a_seat_or_a_standing_area() {
        assert_eq!(
            place_label("Stalls", Some("F"), Some(12)),
            "Stalls, row F, seat 12"
        );
        assert_eq!(place_label("Floor", None, None), "Floor, standing");
    }
    use super::*;
    use chrono::{NaiveDate, TimeDelta};

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 2, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    #[test]
    fn a_seat_held_by_the_viewer_is_theirs_and_by_anyone_else_is_held() {
        let until = Some(now() + TimeDelta::minutes(5));
        let me = Some(BookingId(1));
        let other = Some(BookingId(2));
        let of = |holder, viewer| SeatState::of(SeatStatus::Held, until, holder, viewer, now());
        assert_eq!(of(me, me), SeatState::Mine);
        assert_eq!(of(other, me), SeatState::Held);
        assert_eq!(
            of(me, None),
            SeatState::Held,
            "a signed-out viewer owns nothing"
        );
        assert_eq!(of(None, None), SeatState::Held);
    }

    #[test]
    fn a_hold_that_ran_out_is_available_to_everyone_including_its_holder() {
        let me = Some(BookingId(1));
        for until in [Some(now()), Some(now() - TimeDelta::seconds(1)), None] {
            assert_eq!(
                SeatState::of(SeatStatus::Held, until, me, me, now()),
                SeatState::Available
            );
        }
    }

    #[test]
    fn sold_and_blocked_seats_are_never_actionable() {
        for (status, state) in [
            (SeatStatus::Sold, SeatState::Sold),
            (SeatStatus::Blocked, SeatState::Blocked),
            (SeatStatus::Available, SeatState::Available),
        ] {
            let s = SeatState::of(status, None, Some(BookingId(1)), Some(BookingId(1)), now());
            assert_eq!(s, state);
        }
        assert!(!SeatState::Sold.actionable());
        assert!(!SeatState::Blocked.actionable());
        assert!(!SeatState::Held.actionable());
        assert!(SeatState::Available.actionable());
        assert!(SeatState::Mine.actionable());
    }

    #[test]
    fn the_label_names_section_row_seat_price_and_state() {
        assert_eq!(
            seat_label("Stalls", "F", 12, "€45.00", SeatState::Available, false),
            "Stalls, row F, seat 12, €45.00, available"
        );
        assert_eq!(
            seat_label("Block 101", "V", 1, "£30.00", SeatState::Mine, true),
            "Block 101, row V, seat 1, £30.00, in your basket, wheelchair space"
        );
    }

    #[test]
    fn tiers_beyond_the_palette_reuse_its_colours() {
        assert_eq!(tier_class(0), "tier-0");
        assert_eq!(tier_class(5), "tier-5");
        assert_eq!(tier_class(6), "tier-0");
    }

    #[test]
    fn the_union_of_rectangles_holds_them_all() {
        let a = Rect {
            x: 10,
            y: 20,
            width: 30,
            height: 40,
        };
        let b = Rect {
            x: -5,
            y: 50,
            width: 10,
            height: 100,
        };
        let u = Rect::union([a, b]).unwrap();
        assert_eq!(
            u,
            Rect {
                x: -5,
                y: 20,
                width: 45,
                height: 130
            }
        );
        assert_eq!(Rect::union([]), None);
        assert_eq!(u.padded(5).view_box(), "-10 15 55 140");
    }

    #[test]
    fn the_stage_sits_above_the_layout_and_centred() {
        let layout = Rect {
            x: 0,
            y: 40,
            width: 600,
            height: 560,
        };
        let s = stage(layout, 10);
        assert!(s.bottom() <= layout.y - 10);
        assert_eq!(s.centre_x(), layout.centre_x());
        assert!(s.width < layout.width);
    }

    #[test]
    fn the_countdown_shows_minutes_and_seconds_and_stops_at_zero() {
        assert_eq!(countdown(now() + TimeDelta::seconds(899), now()), "14:59");
        assert_eq!(countdown(now() + TimeDelta::seconds(5), now()), "0:05");
        assert_eq!(countdown(now() - TimeDelta::seconds(5), now()), "0:00");
    }
}
