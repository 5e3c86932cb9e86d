//! The generator: checks every section's spec against the limits, then lays the sections out.

use std::collections::HashSet;

use super::fields::{coord, err, keys};
use super::layout::{FieldError, KeptSection, SectionLayout};
use super::seated::{apply_keys, seated};
use super::spec::SectionInput;
use super::standing::standing;
use super::{AUTO_GAP, MAX_SECTION_NAME, MAX_SECTIONS, MAX_VENUE_SEATS};
use crate::domain::venue::SectionKind;

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
