//! What the venue editor sends for each section: a seated block's rows, labels, numbering and
//! shape, or a standing area; and the form input a saved section reads back as.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::domain::seatmap::Rect;

/// One section as the API and the form send it: loosely typed so every mistake gets a message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
