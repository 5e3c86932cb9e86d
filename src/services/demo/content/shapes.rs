//! The shapes seats come in: blocks, curved rows, standing areas, and the row labels theatres
//! print. Pure geometry in map units.

use crate::domain::venue::SectionKind;
use crate::services::demo::plan::{MapRect, SeatPlan, SectionPlan};

/// Distance between neighbouring seat centres in a row, in map units.
pub(super) const SEAT_PITCH: i32 = 10;
/// Margin between a seat centre and the edge of its section's rectangle.
const SEAT_MARGIN: i32 = 5;

/// Row letters as theatres print them: `I` and `O` are skipped (they read as 1 and 0).
const ROW_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Lettered row label for a 0-based row index: "A", "B", … "Z", then "AA", "BB", ….
#[expect(clippy::expect_used, reason = "the demo's row indexes start at 0")]
pub(super) fn row_label(index: i32) -> String {
    let n = ROW_LETTERS.len();
    let i = usize::try_from(index).expect("row index is not negative");
    let letter = char::from(ROW_LETTERS[i % n]);
    std::iter::repeat_n(letter, i / n + 1).collect()
}

/// Numeric row label for a 0-based row index: "1", "2", ….
pub(super) fn row_number(index: i32) -> String {
    (index + 1).to_string()
}

/// A standing section: a capacity and a rectangle, no seats.
pub(super) fn standing(name: &str, capacity: i32, map: MapRect) -> SectionPlan {
    SectionPlan {
        name: name.to_owned(),
        kind: SectionKind::Standing,
        capacity: Some(capacity),
        map,
        seats: Vec::new(),
    }
}

/// A seated section whose map rectangle is the bounding box of its seats plus a margin, so
/// every seat lies inside it.
pub(super) fn seated(name: &str, seats: Vec<SeatPlan>) -> SectionPlan {
    let min_x = seats.iter().map(|s| s.x).min().unwrap_or(0);
    let max_x = seats.iter().map(|s| s.x).max().unwrap_or(0);
    let min_y = seats.iter().map(|s| s.y).min().unwrap_or(0);
    let max_y = seats.iter().map(|s| s.y).max().unwrap_or(0);
    SectionPlan {
        name: name.to_owned(),
        kind: SectionKind::Seated,
        capacity: None,
        map: MapRect {
            x: min_x - SEAT_MARGIN,
            y: min_y - SEAT_MARGIN,
            width: max_x - min_x + 2 * SEAT_MARGIN,
            height: max_y - min_y + 2 * SEAT_MARGIN,
        },
        seats,
    }
}

/// A rectangular block of `rows` × `per_row` seats whose top-left corner is at (`x`, `y`);
/// row 0 is the row nearest the stage (smallest `y`). With `accessible_back_ends`, the two
/// end seats of the back row are wheelchair spaces.
pub(super) fn block(
    name: &str,
    (x, y): (i32, i32),
    rows: i32,
    per_row: i32,
    label: fn(i32) -> String,
    accessible_back_ends: bool,
) -> SectionPlan {
    let mut seats = Vec::new();
    for row in 0..rows {
        for number in 1..=per_row {
            seats.push(SeatPlan {
                row_label: label(row),
                row_index: row,
                number,
                x: x + SEAT_MARGIN + (number - 1) * SEAT_PITCH,
                y: y + SEAT_MARGIN + row * SEAT_PITCH,
                accessible: accessible_back_ends
                    && row == rows - 1
                    && (number == 1 || number == per_row),
            });
        }
    }
    seated(name, seats)
}

/// Curved rows, as in a theatre or a concert hall: row `r` has `row_lengths[r]` seats centred
/// on `centre_x`, its centre line at `top_y + r * pitch`; the ends of every row bend towards the
/// stage by `dx² / curve_div` units. `accessible(row, number, row_length)` marks wheelchair
/// spaces.
pub(super) fn curved(
    name: &str,
    row_lengths: &[i32],
    (centre_x, top_y): (i32, i32),
    pitch: i32,
    curve_div: i32,
    accessible: impl Fn(i32, i32, i32) -> bool,
) -> SectionPlan {
    let mut seats = Vec::new();
    for (row, &len) in (0..).zip(row_lengths.iter()) {
        for number in 1..=len {
            let x = centre_x - SEAT_PITCH * len / 2 + SEAT_PITCH / 2 + (number - 1) * SEAT_PITCH;
            let dx = x - centre_x;
            seats.push(SeatPlan {
                row_label: row_label(row),
                row_index: row,
                number,
                x,
                y: top_y + row * pitch - dx * dx / curve_div,
                accessible: accessible(row, number, len),
            });
        }
    }
    seated(name, seats)
}

/// Row lengths growing linearly from `first` to `last` over `rows` rows.
pub(super) fn widening_rows(rows: i32, first: i32, last: i32) -> Vec<i32> {
    (0..rows)
        .map(|r| first + (last - first) * r / (rows - 1).max(1))
        .collect()
}

pub(super) fn rect(x: i32, y: i32, width: i32, height: i32) -> MapRect {
    MapRect {
        x,
        y,
        width,
        height,
    }
}
