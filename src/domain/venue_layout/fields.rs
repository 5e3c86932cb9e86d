//! Checking one field of a section spec: counts and coordinates in range, seat keys normalised;
//! each failure is a [`FieldError`] naming the field.

use std::collections::BTreeSet;

use super::MAX_COORD;
use super::layout::FieldError;

pub(super) fn err(section: usize, field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        section: Some(section),
        field,
        message: message.into(),
    }
}

pub(super) fn coord(
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

pub(super) fn keys(list: &[String]) -> BTreeSet<String> {
    list.iter()
        .map(|k| k.trim().to_ascii_uppercase())
        .filter(|k| !k.is_empty())
        .collect()
}

pub(super) fn count(
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
