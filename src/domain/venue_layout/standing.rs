//! A standing section: a capacity and a rectangle.

use super::fields::{count, err};
use super::layout::{FieldError, SectionLayout};
use super::spec::SectionInput;
use super::{MAX_STANDING, STANDING_HEIGHT, STANDING_WIDTH};
use crate::domain::seatmap::Rect;
use crate::domain::venue::SectionKind;

pub(super) fn standing(
    i: usize,
    input: &SectionInput,
    name: &str,
    x: Option<i32>,
    y: Option<i32>,
    errors: &mut Vec<FieldError>,
) -> Option<SectionLayout> {
    let before = errors.len();
    let capacity = count(
        i,
        "capacity",
        input.capacity,
        MAX_STANDING,
        "places",
        errors,
    );
    let mut size = |field, v: Option<i64>, default: i32| match v {
        None => Some(default),
        Some(v) if (20..=20_000).contains(&v) => i32::try_from(v).ok(),
        Some(_) => {
            errors.push(err(i, field, "Use a size between 20 and 20000 map units."));
            None
        }
    };
    let width = size("width", input.width, STANDING_WIDTH);
    let height = size("height", input.height, STANDING_HEIGHT);
    for (field, present) in [
        ("rows", input.rows.is_some()),
        ("seats_per_row", input.seats_per_row.is_some()),
        ("accessible", !input.accessible.is_empty()),
        ("blocked", !input.blocked.is_empty()),
    ] {
        if present {
            errors.push(err(i, field, "A standing section has no seats."));
        }
    }
    if errors.len() > before {
        return None;
    }
    let (Some(capacity), Some(width), Some(height)) = (capacity, width, height) else {
        return None;
    };
    Some(SectionLayout {
        name: name.to_owned(),
        kind: SectionKind::Standing,
        capacity: i32::try_from(capacity).ok(),
        rect: Rect {
            x: x.unwrap_or(0),
            y: y.unwrap_or(0),
            width,
            height,
        },
        seats: Vec::new(),
        params: None,
        kept: false,
    })
}
