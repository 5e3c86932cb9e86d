//! The venue editor's layout generator: section specs (rows × seats, labels, numbering, shape,
//! position; or a standing area) → seats with labels, numbers and map coordinates, plus each
//! section's map rectangle. Pure: no I/O.
//!
//! Map conventions are the demo's (`services::demo::content`): the stage is at the top of the
//! map, row 0 is the row nearest the stage (smallest `y`), seats sit `SEAT_PITCH` apart and
//! `SEAT_MARGIN` inside their section's rectangle.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::domain::seatmap::Rect;
use crate::domain::venue::SectionKind;

pub const SEAT_PITCH: i32 = 10;
pub const SEAT_MARGIN: i32 = 5;
pub const MAX_ROWS: i64 = 200;
pub const MAX_SEATS_PER_ROW: i64 = 200;
pub const MAX_VENUE_SEATS: usize = 30_000;
pub const MAX_SECTIONS: usize = 100;
pub const MAX_STANDING: i64 = 100_000;
pub const MAX_ROW_LABEL: usize = 10;
pub const MAX_SECTION_NAME: usize = 100;
/// Map coordinates stay within ±this.
pub const MAX_COORD: i64 = 100_000;
/// A standing area's default rectangle.
pub const STANDING_WIDTH: i32 = 200;
pub const STANDING_HEIGHT: i32 = 100;
/// Vertical gap between sections placed automatically (no `x`/`y` given).
pub const AUTO_GAP: i32 = 20;
/// How far (in radians) a curved row's arc spans, end seat to end seat.
const ARC_SPAN: f64 = std::f64::consts::FRAC_PI_3;

/// One section as the API and the form send it: loosely typed so every mistake gets a message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionInput {
    /// Read-only in `GET`; sections are matched by name, so it is accepted and ignored.
    #[serde(default, skip_serializing)]
    pub id: Option<i64>,
    /// Read-only in `GET` (a section the editor didn't draw); accepted and ignored.
    #[serde(default, skip_serializing)]
    pub kept: Option<bool>,
    pub name: String,
    /// `seated`, `standing`, or `keep` (an existing section whose seats stay as they are).
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats_per_row: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_row: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbering: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    #[serde(default)]
    pub accessible: Vec<String>,
    #[serde(default)]
    pub blocked: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Numbering {
    LeftToRight,
    RightToLeft,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Straight,
    Curved,
}

/// How rows are labelled, and the label of the row nearest the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLabels {
    /// A, B, … Z, AA, BB, … ZZ, AAA …: the 0-based start index.
    Letters(u32),
    /// 1, 2, 3 …: the first number.
    Numbers(u32),
}

impl RowLabels {
    pub fn parse(raw: &str) -> Result<RowLabels, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(RowLabels::Letters(0));
        }
        if raw.bytes().all(|b| b.is_ascii_digit()) {
            return match raw.parse::<u32>() {
                Ok(n) if (1..=100_000).contains(&n) => Ok(RowLabels::Numbers(n)),
                _ => Err("A numbered first row is between 1 and 100000.".to_owned()),
            };
        }
        let upper = raw.to_ascii_uppercase();
        let first = upper.as_bytes()[0];
        if first.is_ascii_uppercase() && upper.bytes().all(|b| b == first) && upper.len() <= 10 {
            let repeat = u32::try_from(upper.len()).unwrap_or(1) - 1;
            return Ok(RowLabels::Letters(repeat * 26 + u32::from(first - b'A')));
        }
        Err("Start rows at a letter label (A, B, … Z, AA …) or a number (1, 2, …).".to_owned())
    }

    /// The label of the row `index` rows behind the first.
    pub fn label(self, index: u32) -> String {
        match self {
            RowLabels::Letters(start) => {
                let i = start + index;
                let letter = char::from(b'A' + u8::try_from(i % 26).unwrap_or(0));
                std::iter::repeat_n(letter, (i / 26 + 1) as usize).collect()
            }
            RowLabels::Numbers(start) => (start + index).to_string(),
        }
    }

    /// How the first row is written in a spec ("A", "C", "1", "5").
    pub fn first(self) -> String {
        self.label(0)
    }
}

/// The generator parameters of a seated section: what the editor reopens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatedParams {
    pub rows: u32,
    pub seats_per_row: u32,
    pub first_row: String,
    pub numbering: Numbering,
    pub shape: Shape,
    pub x: i32,
    pub y: i32,
}

/// A section's spec after parsing: ready to generate.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionSpec {
    Seated {
        name: String,
        params: SeatedParams,
        labels: RowLabels,
        accessible: BTreeSet<String>,
        blocked: BTreeSet<String>,
    },
    Standing {
        name: String,
        capacity: i32,
        rect: Rect,
    },
    /// An existing section kept as it is (its seats come from the database).
    Keep {
        name: String,
        accessible: BTreeSet<String>,
        blocked: BTreeSet<String>,
    },
}

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

fn err(section: usize, field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        section: Some(section),
        field,
        message: message.into(),
    }
}

fn coord(
    i: usize,
    field: &'static str,
    v: Option<i64>,
    errors: &mut Vec<FieldError>,
) -> Option<i32> {
    match v {
        Some(v) if (-MAX_COORD..=MAX_COORD).contains(&v) => i32::try_from(v).ok(),
        Some(_) => {
            errors.push(err(
                i,
                field,
                format!("Keep map positions between -{MAX_COORD} and {MAX_COORD}."),
            ));
            None
        }
        None => None,
    }
}

fn keys(list: &[String]) -> BTreeSet<String> {
    list.iter()
        .map(|k| k.trim().to_ascii_uppercase())
        .filter(|k| !k.is_empty())
        .collect()
}

/// Parses the sections and generates every seat. `kept` answers, for a `keep` section's name,
/// the existing section (the editor of an existing venue); new venues pass `|_| None`.
pub fn plan(
    inputs: &[SectionInput],
    kept: impl Fn(&str) -> Option<KeptSection>,
) -> Result<Vec<SectionLayout>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if inputs.is_empty() {
        errors.push(FieldError {
            section: None,
            field: "sections",
            message: "Add at least one section.".to_owned(),
        });
    }
    if inputs.len() > MAX_SECTIONS {
        errors.push(FieldError {
            section: None,
            field: "sections",
            message: format!("A venue has at most {MAX_SECTIONS} sections."),
        });
        return Err(errors);
    }
    let mut names = HashSet::new();
    let mut out: Vec<SectionLayout> = Vec::new();
    // Where the next automatically placed section goes: below everything so far.
    let mut next_y = 0;
    for (i, input) in inputs.iter().enumerate() {
        let name = input.name.trim().to_owned();
        if name.is_empty() {
            errors.push(err(i, "name", "Name the section."));
        } else if name.chars().count() > MAX_SECTION_NAME {
            errors.push(err(
                i,
                "name",
                format!("Use at most {MAX_SECTION_NAME} characters."),
            ));
        } else if name.chars().any(char::is_control) {
            errors.push(err(i, "name", "Use letters, digits and punctuation only."));
        } else if !names.insert(name.to_lowercase()) {
            errors.push(err(
                i,
                "name",
                format!("Another section is already named “{name}”."),
            ));
        }
        let x = coord(i, "x", input.x, &mut errors);
        let y = coord(i, "y", input.y, &mut errors);
        // A seated section sent without its rows is an existing one kept as it is (what `GET`
        // answers for a section the editor didn't draw).
        let keep_existing = input.kind.trim() == "seated"
            && input.rows.is_none()
            && input.seats_per_row.is_none()
            && kept(&name).is_some();
        let kind = if keep_existing {
            "keep"
        } else {
            input.kind.trim()
        };
        let layout = match kind {
            "seated" => seated(i, input, &name, x, y.or(Some(next_y)), &mut errors),
            "standing" => standing(i, input, &name, x, y.or(Some(next_y)), &mut errors),
            "keep" => match kept(&name) {
                Some(k) => Some(keep(i, input, &name, k, &mut errors)),
                None => {
                    errors.push(err(
                        i,
                        "kind",
                        "Only an existing section can be kept as it is; choose seated or standing.",
                    ));
                    None
                }
            },
            _ => {
                errors.push(err(i, "kind", "Choose seated or standing."));
                None
            }
        };
        if let Some(layout) = layout {
            next_y = next_y.max(layout.rect.bottom() + AUTO_GAP);
            out.push(layout);
        }
    }
    let total: usize = out.iter().map(|s| s.seats.len()).sum();
    if total > MAX_VENUE_SEATS {
        errors.push(FieldError {
            section: None,
            field: "sections",
            message: format!("That is {total} seats; a venue has at most {MAX_VENUE_SEATS} seats."),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn count(
    i: usize,
    field: &'static str,
    v: Option<i64>,
    max: i64,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> Option<u32> {
    match v {
        None => {
            errors.push(err(i, field, format!("Enter the number of {what}.")));
            None
        }
        Some(n) if (1..=max).contains(&n) => u32::try_from(n).ok(),
        Some(_) => {
            errors.push(err(i, field, format!("Use between 1 and {max} {what}.")));
            None
        }
    }
}

fn seated(
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
fn apply_keys(
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

fn standing(
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

fn keep(
    i: usize,
    input: &SectionInput,
    name: &str,
    kept: KeptSection,
    errors: &mut Vec<FieldError>,
) -> SectionLayout {
    if let Some(c) = input.capacity {
        let current = match kept.kind {
            SectionKind::Seated => kept.seats.len() as i64,
            SectionKind::Standing => i64::from(kept.capacity.unwrap_or(0)),
        };
        if c != current {
            errors.push(err(
                i,
                "capacity",
                "A section kept as it is keeps its capacity; describe its new rows instead.",
            ));
        }
    }
    let mut seats = kept.seats;
    if kept.kind == SectionKind::Seated {
        apply_keys(
            i,
            &mut seats,
            &keys(&input.accessible),
            &keys(&input.blocked),
            errors,
        );
    }
    SectionLayout {
        name: name.to_owned(),
        kind: kept.kind,
        capacity: kept.capacity,
        rect: kept.rect,
        seats,
        params: None,
        kept: true,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn seated_input(name: &str, rows: i64, per_row: i64) -> SectionInput {
        SectionInput {
            name: name.to_owned(),
            kind: "seated".to_owned(),
            rows: Some(rows),
            seats_per_row: Some(per_row),
            ..SectionInput::default()
        }
    }

    fn one(input: SectionInput) -> SectionLayout {
        plan(&[input], |_| None).expect("a valid layout").remove(0)
    }

    fn fields(e: Vec<FieldError>) -> Vec<&'static str> {
        e.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn rows_are_lettered_then_doubled_or_numbered_from_the_first_label() {
        let l = RowLabels::parse("A").unwrap();
        let labels: Vec<String> = [0, 1, 25, 26, 27, 52].map(|i| l.label(i)).to_vec();
        assert_eq!(labels, ["A", "B", "Z", "AA", "BB", "AAA"]);
        assert_eq!(RowLabels::parse("c").unwrap().label(0), "C");
        assert_eq!(RowLabels::parse("BB").unwrap().label(1), "CC");
        assert_eq!(RowLabels::parse("1").unwrap().label(9), "10");
        assert_eq!(RowLabels::parse("5").unwrap().label(0), "5");
        assert!(RowLabels::parse("AB").is_err());
        assert!(RowLabels::parse("0").is_err());
        assert!(RowLabels::parse("A1").is_err());

        let s = one(SectionInput {
            first_row: Some("1".to_owned()),
            ..seated_input("Stalls", 3, 2)
        });
        let rows: BTreeSet<(i32, String)> = s
            .seats
            .iter()
            .map(|s| (s.row_index, s.row_label.clone()))
            .collect();
        assert_eq!(
            rows.into_iter().collect::<Vec<_>>(),
            [
                (0, "1".to_owned()),
                (1, "2".to_owned()),
                (2, "3".to_owned())
            ]
        );
    }

    #[test]
    fn seats_are_numbered_in_either_direction() {
        let ltr = one(seated_input("A", 1, 5));
        let rtl = one(SectionInput {
            numbering: Some("right_to_left".to_owned()),
            ..seated_input("A", 1, 5)
        });
        let leftmost = |s: &SectionLayout| s.seats.iter().min_by_key(|s| s.x).unwrap().number;
        assert_eq!(leftmost(&ltr), 1);
        assert_eq!(leftmost(&rtl), 5);
        let numbers = |s: &SectionLayout| {
            let mut n: Vec<i32> = s.seats.iter().map(|s| s.number).collect();
            n.sort_unstable();
            n
        };
        assert_eq!(numbers(&ltr), [1, 2, 3, 4, 5]);
        assert_eq!(numbers(&rtl), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn straight_and_curved_rows_differ_and_stay_inside_the_rectangle() {
        let straight = one(SectionInput {
            x: Some(100),
            y: Some(50),
            ..seated_input("S", 6, 12)
        });
        let curved = one(SectionInput {
            x: Some(100),
            y: Some(50),
            shape: Some("curved".to_owned()),
            ..seated_input("S", 6, 12)
        });
        assert_ne!(
            straight
                .seats
                .iter()
                .map(|s| (s.x, s.y))
                .collect::<Vec<_>>(),
            curved.seats.iter().map(|s| (s.x, s.y)).collect::<Vec<_>>()
        );
        for s in [&straight, &curved] {
            assert_eq!((s.rect.x, s.rect.y), (100, 50));
            assert_eq!(s.seats.len(), 72);
            for seat in &s.seats {
                assert!(seat.x > s.rect.x && seat.x < s.rect.x + s.rect.width);
                assert!(seat.y > s.rect.y && seat.y < s.rect.bottom());
            }
            let positions: BTreeSet<(i32, i32)> = s.seats.iter().map(|s| (s.x, s.y)).collect();
            assert_eq!(positions.len(), 72, "no two seats on one spot");
        }
        // Straight: a row is level. Curved: its ends bend towards the stage (smaller y).
        let row_a = |s: &SectionLayout| {
            let mut r: Vec<(i32, i32)> = s
                .seats
                .iter()
                .filter(|s| s.row_index == 0)
                .map(|s| (s.x, s.y))
                .collect();
            r.sort_unstable();
            r
        };
        let flat = row_a(&straight);
        assert!(flat.iter().all(|p| p.1 == flat[0].1));
        let arc = row_a(&curved);
        let middle = arc[arc.len() / 2].1;
        assert!(arc[0].1 < middle && arc[arc.len() - 1].1 < middle);
        // Rows further back are further from the stage in both shapes.
        for s in [&straight, &curved] {
            let centre = |row: i32| {
                s.seats
                    .iter()
                    .filter(|x| x.row_index == row)
                    .map(|x| x.y)
                    .max()
                    .unwrap()
            };
            assert!((1..6).all(|r| centre(r) > centre(r - 1)));
        }
    }

    #[test]
    fn accessible_and_blocked_keys_mark_their_seats_and_unknown_keys_are_refused() {
        let s = one(SectionInput {
            accessible: vec!["a-1".to_owned(), "B-4".to_owned()],
            blocked: vec!["B-2".to_owned()],
            ..seated_input("Stalls", 2, 4)
        });
        let marked = |f: fn(&SeatLayout) -> bool| {
            s.seats
                .iter()
                .filter(|x| f(x))
                .map(SeatLayout::key)
                .collect::<Vec<_>>()
        };
        assert_eq!(marked(|x| x.accessible), ["A-1", "B-4"]);
        assert_eq!(marked(|x| x.blocked), ["B-2"]);
        let bad = plan(
            &[SectionInput {
                blocked: vec!["C-1".to_owned()],
                ..seated_input("Stalls", 2, 4)
            }],
            |_| None,
        )
        .unwrap_err();
        assert_eq!(fields(bad.clone()), ["blocked"]);
        assert!(bad[0].message.contains("C-1"));
    }

    #[test]
    fn limits_have_clear_errors() {
        let e = plan(&[seated_input("Big", 201, 10)], |_| None).unwrap_err();
        assert_eq!(fields(e), ["rows"]);
        let e = plan(&[seated_input("Wide", 10, 201)], |_| None).unwrap_err();
        assert_eq!(fields(e), ["seats_per_row"]);
        let e = plan(&[seated_input("Zero", 0, 10)], |_| None).unwrap_err();
        assert_eq!(fields(e), ["rows"]);
        let e = plan(
            &[seated_input("One", 200, 100), seated_input("Two", 200, 100)],
            |_| None,
        )
        .unwrap_err();
        assert_eq!(fields(e.clone()), ["sections"]);
        assert!(e[0].message.contains("40000"));
        let e = plan(
            &[seated_input("Same", 1, 1), seated_input("same", 1, 1)],
            |_| None,
        )
        .unwrap_err();
        assert_eq!((e[0].section, e[0].field), (Some(1), "name"));
        let e = plan(
            &[SectionInput {
                first_row: Some("ZZZZZZZZZ".to_owned()),
                ..seated_input("Long", 30, 1)
            }],
            |_| None,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["first_row"]);
        let e = plan(
            &[SectionInput {
                name: "Floor".to_owned(),
                kind: "standing".to_owned(),
                capacity: Some(0),
                ..SectionInput::default()
            }],
            |_| None,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["capacity"]);
        assert_eq!(fields(plan(&[], |_| None).unwrap_err()), ["sections"]);
        let e = plan(
            &[SectionInput {
                kind: "keep".to_owned(),
                ..seated_input("New", 1, 1)
            }],
            |_| None,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["kind"]);
    }

    #[test]
    fn sections_without_a_position_go_below_the_previous_one_and_specs_round_trip() {
        let standing = SectionInput {
            name: "Floor".to_owned(),
            kind: "standing".to_owned(),
            capacity: Some(500),
            ..SectionInput::default()
        };
        let curved = SectionInput {
            shape: Some("curved".to_owned()),
            numbering: Some("right_to_left".to_owned()),
            first_row: Some("3".to_owned()),
            accessible: vec!["3-1".to_owned()],
            ..seated_input("Circle", 4, 9)
        };
        let layout = plan(&[standing, curved], |_| None).unwrap();
        assert_eq!(layout[0].rect.y, 0);
        assert_eq!(layout[1].rect.y, layout[0].rect.bottom() + AUTO_GAP);
        assert_eq!(layout[0].capacity(), 500);
        assert_eq!(layout[1].capacity(), 36);
        let again = plan(&[input_of(&layout[0]), input_of(&layout[1])], |_| None).unwrap();
        assert_eq!(again, layout);
    }
}
