//! A seated section: its rows of seats generated from the spec, placed on the map, and matched
//! with the seats it kept from before.

use std::collections::{BTreeMap, BTreeSet};

use super::fields::{count, err, keys};
use super::layout::{FieldError, SeatLayout, SectionLayout};
use super::spec::{Numbering, RowLabels, SeatedParams, SectionInput, Shape};
use super::{ARC_SPAN, MAX_ROW_LABEL, MAX_ROWS, MAX_SEATS_PER_ROW, SEAT_MARGIN, SEAT_PITCH};
use crate::domain::seatmap::Rect;
use crate::domain::venue::SectionKind;

pub(super) fn seated(
    i: usize,
    input: &SectionInput,
    name: &str,
    x: Option<i32>,
    y: Option<i32>,
    errors: &mut Vec<FieldError>,
) -> Option<SectionLayout> {
    let before = errors.len();
    let rows = count(i, "rows", input.rows, MAX_ROWS, "rows", errors);
    let per_row = count(
        i,
        "seats_per_row",
        input.seats_per_row,
        MAX_SEATS_PER_ROW,
        "seats per row",
        errors,
    );
    let labels = match RowLabels::parse(input.first_row.as_deref().unwrap_or("A")) {
        Ok(l) => Some(l),
        Err(m) => {
            errors.push(err(i, "first_row", m));
            None
        }
    };
    let numbering = match input.numbering.as_deref().map(str::trim) {
        None | Some("") | Some("left_to_right") => Some(Numbering::LeftToRight),
        Some("right_to_left") => Some(Numbering::RightToLeft),
        Some(_) => {
            errors.push(err(
                i,
                "numbering",
                "Number seats left to right or right to left.",
            ));
            None
        }
    };
    let shape = match input.shape.as_deref().map(str::trim) {
        None | Some("") | Some("straight") => Some(Shape::Straight),
        Some("curved") => Some(Shape::Curved),
        Some(_) => {
            errors.push(err(i, "shape", "Choose straight or curved rows."));
            None
        }
    };
    for (field, v) in [("width", input.width), ("height", input.height)] {
        if v.is_some() {
            errors.push(err(
                i,
                field,
                "Only a standing section has a capacity and a size.",
            ));
        }
    }
    let (Some(rows), Some(per_row), Some(labels), Some(numbering), Some(shape)) =
        (rows, per_row, labels, numbering, shape)
    else {
        return None;
    };
    if let Some(c) = input.capacity
        && c != i64::from(rows) * i64::from(per_row)
    {
        errors.push(err(
            i,
            "capacity",
            "A seated section's capacity is its number of seats (rows × seats per row).",
        ));
    }
    let last = labels.label(rows - 1);
    if last.len() > MAX_ROW_LABEL {
        errors.push(err(
            i,
            "first_row",
            format!("Row labels have at most {MAX_ROW_LABEL} characters; the last row would be “{last}”."),
        ));
    }
    if errors.len() > before {
        return None;
    }
    let params = SeatedParams {
        rows,
        seats_per_row: per_row,
        first_row: labels.first(),
        numbering,
        shape,
        x: x.unwrap_or(0),
        y: y.unwrap_or(0),
    };
    let mut seats = generate_seats(&params, labels);
    let rect = place(&mut seats, params.x, params.y);
    let (accessible, blocked) = (keys(&input.accessible), keys(&input.blocked));
    apply_keys(i, &mut seats, &accessible, &blocked, errors);
    Some(SectionLayout {
        name: name.to_owned(),
        kind: SectionKind::Seated,
        capacity: None,
        rect,
        seats,
        params: Some(params),
        kept: false,
    })
}

/// Seats of a section in generator coordinates (not yet placed on the map).
fn generate_seats(p: &SeatedParams, labels: RowLabels) -> Vec<SeatLayout> {
    let n = p.seats_per_row;
    let pitch = f64::from(SEAT_PITCH);
    // Curved: row r lies on a circle around a point in front of the stage, radius growing by
    // one pitch per row; each row spans the same angle, so its ends bend towards the stage.
    let r0 = (f64::from(n.saturating_sub(1)) * pitch / ARC_SPAN).max(2.0 * pitch);
    let mut seats = Vec::with_capacity((p.rows * n) as usize);
    for row in 0..p.rows {
        for k in 0..n {
            // k counts from the left of the map; the number depends on the direction.
            let number = match p.numbering {
                Numbering::LeftToRight => k + 1,
                Numbering::RightToLeft => n - k,
            };
            let (x, y) = match p.shape {
                Shape::Straight => (f64::from(k) * pitch, f64::from(row) * pitch),
                Shape::Curved => {
                    let radius = r0 + f64::from(row) * pitch;
                    let angle = if n > 1 {
                        -ARC_SPAN / 2.0 + ARC_SPAN * f64::from(k) / f64::from(n - 1)
                    } else {
                        0.0
                    };
                    (radius * angle.sin(), radius * angle.cos())
                }
            };
            seats.push(SeatLayout {
                row_label: labels.label(row),
                row_index: row as i32,
                number: number as i32,
                x: x.round() as i32,
                y: y.round() as i32,
                accessible: false,
                blocked: false,
            });
        }
    }
    seats
}

/// Moves the seats so their bounding box, plus the margin, has its top-left corner at (x, y);
/// answers that rectangle.
fn place(seats: &mut [SeatLayout], x: i32, y: i32) -> Rect {
    let min_x = seats.iter().map(|s| s.x).min().unwrap_or(0);
    let min_y = seats.iter().map(|s| s.y).min().unwrap_or(0);
    let max_x = seats.iter().map(|s| s.x).max().unwrap_or(0);
    let max_y = seats.iter().map(|s| s.y).max().unwrap_or(0);
    for s in seats.iter_mut() {
        s.x += x + SEAT_MARGIN - min_x;
        s.y += y + SEAT_MARGIN - min_y;
    }
    Rect {
        x,
        y,
        width: max_x - min_x + 2 * SEAT_MARGIN,
        height: max_y - min_y + 2 * SEAT_MARGIN,
    }
}

/// Marks the seats named by the keys; a key that names no seat is an error.
pub(super) fn apply_keys(
    i: usize,
    seats: &mut [SeatLayout],
    accessible: &BTreeSet<String>,
    blocked: &BTreeSet<String>,
    errors: &mut Vec<FieldError>,
) {
    let index: BTreeMap<String, usize> = seats
        .iter()
        .enumerate()
        .map(|(n, s)| (s.key().to_ascii_uppercase(), n))
        .collect();
    for (field, set) in [("accessible", accessible), ("blocked", blocked)] {
        let unknown: Vec<&str> = set
            .iter()
            .filter(|k| !index.contains_key(k.as_str()))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            errors.push(err(
                i,
                field,
                format!(
                    "No such seat in this section: {} (write seats as row-number, e.g. A-1).",
                    unknown.join(", ")
                ),
            ));
        }
    }
    for s in seats.iter_mut() {
        let key = s.key().to_ascii_uppercase();
        s.accessible = accessible.contains(&key);
        s.blocked = blocked.contains(&key);
    }
}
