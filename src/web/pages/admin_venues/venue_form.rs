//! The whole venue editor form as typed, read from the posted fields and turned into a venue.

use std::collections::BTreeMap;

use crate::domain::venue_layout::FieldError;
use crate::services::venue_admin::VenueInput;

use super::section_form::{Input, SectionForm};

/// The whole editor form, as typed.
#[derive(Debug, Clone, Default)]
pub struct VenueForm {
    pub name: String,
    pub city: String,
    pub country: String,
    pub address: String,
    pub description: String,
    pub timezone: String,
    /// A new venue's organizer (a select when the caller edits for several).
    pub organizer_id: String,
    pub sections: Vec<SectionForm>,
    pub action: String,
    pub errors: BTreeMap<&'static str, String>,
}

impl VenueForm {
    pub(super) fn parse(body: &[u8]) -> VenueForm {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        let mut form = VenueForm::default();
        let mut sections: BTreeMap<usize, SectionForm> = BTreeMap::new();
        for (key, value) in pairs {
            if let Some((index, field)) = key
                .strip_prefix('s')
                .and_then(|rest| rest.split_once('.'))
                .and_then(|(i, f)| Some((i.parse::<usize>().ok()?, f)))
            {
                if index >= 200 {
                    continue;
                }
                let s = sections.entry(index).or_default();
                let slot = match field {
                    "kind" => &mut s.kind,
                    "name" => &mut s.name,
                    "rows" => &mut s.rows,
                    "seats_per_row" => &mut s.seats_per_row,
                    "first_row" => &mut s.first_row,
                    "numbering" => &mut s.numbering,
                    "shape" => &mut s.shape,
                    "x" => &mut s.x,
                    "y" => &mut s.y,
                    "capacity" => &mut s.capacity,
                    "width" => &mut s.width,
                    "height" => &mut s.height,
                    "accessible" => &mut s.accessible,
                    "blocked" => &mut s.blocked,
                    _ => continue,
                };
                *slot = value;
                continue;
            }
            let slot = match key.as_str() {
                "name" => &mut form.name,
                "city" => &mut form.city,
                "country" => &mut form.country,
                "address" => &mut form.address,
                "description" => &mut form.description,
                "timezone" => &mut form.timezone,
                "organizer_id" => &mut form.organizer_id,
                "action" => &mut form.action,
                _ => continue,
            };
            *slot = value;
        }
        form.sections = sections.into_values().collect();
        form
    }

    pub(super) fn of(input: &VenueInput) -> VenueForm {
        VenueForm {
            name: input.name.clone(),
            city: input.city.clone(),
            country: input.country.clone(),
            address: input.address.clone(),
            description: input.description.clone(),
            timezone: input.timezone.clone(),
            sections: input.sections.iter().map(SectionForm::of).collect(),
            ..VenueForm::default()
        }
    }

    pub(super) fn input(&self) -> (VenueInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let sections = self
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| s.input(i, &mut errors))
            .collect();
        (
            VenueInput {
                name: self.name.clone(),
                city: self.city.clone(),
                country: self.country.clone(),
                address: self.address.clone(),
                description: self.description.clone(),
                timezone: self.timezone.clone(),
                sections,
                organizer_id: self.organizer_id.trim().parse().ok(),
                ..VenueInput::default()
            },
            errors,
        )
    }

    /// Puts each error next to its field.
    pub(super) fn set_errors(&mut self, errors: &[FieldError]) {
        for e in errors {
            let map = match e.section {
                Some(i) => match self.sections.get_mut(i) {
                    Some(s) => &mut s.errors,
                    None => &mut self.errors,
                },
                None => &mut self.errors,
            };
            map.entry(e.field).or_insert_with(|| e.message.clone());
        }
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn venue_inputs(&self) -> Vec<Input<'_>> {
        let text = |field, label, value, required| Input {
            field,
            label,
            value,
            hint: "",
            mode: "text",
            required,
        };
        vec![
            text("name", "Name", self.name.as_str(), true),
            text("city", "City", self.city.as_str(), true),
            text(
                "country",
                "Country code (GB, DE …)",
                self.country.as_str(),
                true,
            ),
            text(
                "timezone",
                "Time zone (IANA, e.g. Europe/London)",
                self.timezone.as_str(),
                true,
            ),
            text("address", "Address", self.address.as_str(), false),
        ]
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.sections.iter().any(|s| !s.errors.is_empty())
    }
}
