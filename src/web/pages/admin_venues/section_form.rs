//! The editor's section rows as typed: parsing, checking, and the inputs the template loops over.

use std::collections::BTreeMap;

use crate::domain::venue_layout::{FieldError, SectionInput};

/// One text input of the editor, for the templates' loops.
pub struct Input<'a> {
    pub field: &'static str,
    pub label: &'static str,
    pub value: &'a str,
    pub hint: &'static str,
    pub mode: &'static str,
    pub required: bool,
}

pub(super) fn input<'a>(
    field: &'static str,
    label: &'static str,
    value: &'a str,
    hint: &'static str,
) -> Input<'a> {
    Input {
        field,
        label,
        value,
        hint,
        mode: "numeric",
        required: false,
    }
}

/// One section of the form, as typed (so a re-rendered form keeps what was sent).
#[derive(Debug, Clone, Default)]
pub struct SectionForm {
    pub kind: String,
    pub name: String,
    pub rows: String,
    pub seats_per_row: String,
    pub first_row: String,
    pub numbering: String,
    pub shape: String,
    pub x: String,
    pub y: String,
    pub capacity: String,
    pub width: String,
    pub height: String,
    pub accessible: String,
    pub blocked: String,
    pub errors: BTreeMap<&'static str, String>,
}

impl SectionForm {
    pub(super) fn seated(name: &str) -> SectionForm {
        SectionForm {
            kind: "seated".to_owned(),
            name: name.to_owned(),
            rows: "10".to_owned(),
            seats_per_row: "20".to_owned(),
            first_row: "A".to_owned(),
            numbering: "left_to_right".to_owned(),
            shape: "straight".to_owned(),
            ..SectionForm::default()
        }
    }

    pub(super) fn standing(name: &str) -> SectionForm {
        SectionForm {
            kind: "standing".to_owned(),
            name: name.to_owned(),
            capacity: "500".to_owned(),
            numbering: "left_to_right".to_owned(),
            shape: "straight".to_owned(),
            ..SectionForm::default()
        }
    }

    pub(super) fn of(input: &SectionInput) -> SectionForm {
        let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        SectionForm {
            kind: input.kind.clone(),
            name: input.name.clone(),
            rows: n(input.rows),
            seats_per_row: n(input.seats_per_row),
            first_row: input.first_row.clone().unwrap_or_default(),
            numbering: input.numbering.clone().unwrap_or_default(),
            shape: input.shape.clone().unwrap_or_default(),
            x: n(input.x),
            y: n(input.y),
            capacity: n(input.capacity),
            width: n(input.width),
            height: n(input.height),
            accessible: input.accessible.join(" "),
            blocked: input.blocked.join(" "),
            errors: BTreeMap::new(),
        }
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn seated_inputs(&self) -> Vec<Input<'_>> {
        vec![
            input("rows", "Rows", &self.rows, "1–200"),
            input(
                "seats_per_row",
                "Seats per row",
                &self.seats_per_row,
                "1–200",
            ),
            Input {
                mode: "text",
                ..input(
                    "first_row",
                    "First row label",
                    &self.first_row,
                    "A, B … or 1, 2 …",
                )
            },
        ]
    }

    pub fn standing_inputs(&self) -> Vec<Input<'_>> {
        vec![
            input("capacity", "Capacity", &self.capacity, "places"),
            input("width", "Width", &self.width, "map units, default 200"),
            input("height", "Height", &self.height, "map units, default 100"),
        ]
    }

    pub fn place_inputs(&self) -> Vec<Input<'_>> {
        let hint = "empty: below the previous section";
        vec![
            input("x", "Map position x", &self.x, hint),
            input("y", "Map position y", &self.y, hint),
        ]
    }

    pub fn key_inputs(&self) -> Vec<Input<'_>> {
        let hint = "row-number, e.g. A-1 A-2; or click seats on the preview";
        vec![
            Input {
                mode: "text",
                ..input("accessible", "Wheelchair spaces", &self.accessible, hint)
            },
            Input {
                mode: "text",
                ..input("blocked", "Blocked seats (never sold)", &self.blocked, hint)
            },
        ]
    }

    pub fn is(&self, field: &str, value: &str) -> bool {
        match field {
            "kind" => self.kind == value,
            "numbering" => self.numbering == value,
            "shape" => self.shape == value,
            _ => false,
        }
    }

    /// The section as the service takes it; a number that isn't one is an error here.
    pub(super) fn input(&self, i: usize, errors: &mut Vec<FieldError>) -> SectionInput {
        let mut num = |field: &'static str, raw: &str| {
            let raw = raw.trim();
            if raw.is_empty() {
                return None;
            }
            match raw.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(FieldError {
                        section: Some(i),
                        field,
                        message: "Enter a whole number.".to_owned(),
                    });
                    None
                }
            }
        };
        let words = |raw: &str| -> Vec<String> {
            raw.split([' ', ',', ';', '\n', '\t'])
                .filter(|w| !w.trim().is_empty())
                .map(|w| w.trim().to_owned())
                .collect()
        };
        let mut input = SectionInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            x: num("x", &self.x),
            y: num("y", &self.y),
            ..SectionInput::default()
        };
        match self.kind.as_str() {
            "standing" => {
                input.capacity = num("capacity", &self.capacity);
                input.width = num("width", &self.width);
                input.height = num("height", &self.height);
            }
            "keep" => {
                // A kept section stays where it is.
                input.x = None;
                input.y = None;
                input.accessible = words(&self.accessible);
                input.blocked = words(&self.blocked);
            }
            _ => {
                input.rows = num("rows", &self.rows);
                input.seats_per_row = num("seats_per_row", &self.seats_per_row);
                input.first_row = Some(self.first_row.clone());
                input.numbering = Some(self.numbering.clone());
                input.shape = Some(self.shape.clone());
                input.accessible = words(&self.accessible);
                input.blocked = words(&self.blocked);
            }
        }
        input
    }
}
