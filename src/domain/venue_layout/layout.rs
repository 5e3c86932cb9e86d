//! What the generator answers: each section's seats (labels, numbers, map coordinates) and its
//! map rectangle, or the errors of the fields that were wrong.

use super::spec::{Numbering, SeatedParams, SectionInput, Shape};
use crate::domain::seatmap::Rect;
use crate::domain::venue::SectionKind;

/// An existing section, for `Keep` specs.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptSection {
    pub kind: SectionKind,
    pub capacity: Option<i32>,
    pub rect: Rect,
    pub seats: Vec<SeatLayout>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatLayout {
    pub row_label: String,
    /// 0 is the row nearest the stage.
    pub row_index: i32,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
    pub blocked: bool,
}

impl SeatLayout {
    /// "A-12": how accessible and blocked seats are named within their section.
    pub fn key(&self) -> String {
        seat_key(&self.row_label, self.number)
    }
}

pub fn seat_key(row_label: &str, number: i32) -> String {
    format!("{row_label}-{number}")
}

#[derive(Debug, Clone, PartialEq)]
pub struct SectionLayout {
    pub name: String,
    pub kind: SectionKind,
    /// Standing sections only.
    pub capacity: Option<i32>,
    pub rect: Rect,
    pub seats: Vec<SeatLayout>,
    /// Seated sections made by the generator; `None` for standing and kept sections.
    pub params: Option<SeatedParams>,
    pub kept: bool,
}

impl SectionLayout {
    /// Seats, or standing places.
    pub fn capacity(&self) -> i64 {
        match self.kind {
            SectionKind::Standing => i64::from(self.capacity.unwrap_or(0)),
            SectionKind::Seated => self.seats.len() as i64,
        }
    }
}

/// What is wrong with one field: `section` is the index of the section in the list, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub section: Option<usize>,
    pub field: &'static str,
    pub message: String,
}

/// The input that reproduces a stored section (what the editor and `GET` show).
pub fn input_of(section: &SectionLayout) -> SectionInput {
    let flagged = |f: fn(&SeatLayout) -> bool| {
        section
            .seats
            .iter()
            .filter(|s| f(s))
            .map(SeatLayout::key)
            .collect::<Vec<_>>()
    };
    let mut input = SectionInput {
        name: section.name.clone(),
        accessible: flagged(|s| s.accessible),
        blocked: flagged(|s| s.blocked),
        ..SectionInput::default()
    };
    match (&section.params, section.kind) {
        (Some(p), _) => {
            input.kind = "seated".to_owned();
            input.rows = Some(i64::from(p.rows));
            input.seats_per_row = Some(i64::from(p.seats_per_row));
            input.first_row = Some(p.first_row.clone());
            input.numbering = Some(
                match p.numbering {
                    Numbering::LeftToRight => "left_to_right",
                    Numbering::RightToLeft => "right_to_left",
                }
                .to_owned(),
            );
            input.shape = Some(
                match p.shape {
                    Shape::Straight => "straight",
                    Shape::Curved => "curved",
                }
                .to_owned(),
            );
            input.x = Some(i64::from(p.x));
            input.y = Some(i64::from(p.y));
        }
        (None, SectionKind::Standing) => {
            input.kind = "standing".to_owned();
            input.capacity = section.capacity.map(i64::from);
            input.x = Some(i64::from(section.rect.x));
            input.y = Some(i64::from(section.rect.y));
            input.width = Some(i64::from(section.rect.width));
            input.height = Some(i64::from(section.rect.height));
        }
        (None, SectionKind::Seated) => {
            input.kind = "keep".to_owned();
            input.kept = Some(true);
        }
    }
    input
}
