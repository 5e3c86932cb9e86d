//! The venue editor: loading a venue, previewing a layout, checking it.

use crate::db::DbConnection;
use crate::db::venue_admin::{self as q, VenueFields};
use crate::domain::ids::{SectionId, VenueId};
use crate::domain::venue_layout::{self, SectionInput, SectionLayout};

use super::input::{Basics, VenueAdminError, VenueInput, basics};
use super::layout::Stored;

/// A venue loaded for the editor and `GET /api/v1/admin/venues/{id}`.
pub struct VenueEditor {
    pub venue: VenueFields,
    pub sections: Vec<(SectionId, SectionLayout)>,
}

impl VenueEditor {
    pub fn capacity(&self) -> i64 {
        self.sections.iter().map(|(_, s)| s.capacity()).sum()
    }

    /// The input that reproduces this venue (what the form is filled with).
    pub fn input(&self) -> VenueInput {
        VenueInput {
            name: self.venue.name.clone(),
            city: self.venue.city.clone(),
            country: self.venue.country.clone(),
            address: self.venue.address.clone(),
            description: self.venue.description.clone(),
            timezone: self.venue.timezone.clone(),
            sections: self
                .sections
                .iter()
                .map(|(_, s)| venue_layout::input_of(s))
                .collect(),
            ..VenueInput::default()
        }
    }
}

pub fn load(conn: &mut DbConnection, id: VenueId) -> Result<VenueEditor, VenueAdminError> {
    let venue = q::venue(conn, id)?.ok_or(VenueAdminError::NotFound)?;
    let sections = Stored::load(conn, id)?.layouts();
    Ok(VenueEditor { venue, sections })
}

/// Whether the venue exists (an edit of an unknown venue is a 404, not a form).
pub fn exists(conn: &mut DbConnection, id: VenueId) -> Result<bool, VenueAdminError> {
    Ok(q::venue(conn, id)?.is_some())
}

/// The layout the editor's preview draws; `venue` names the venue being edited (for sections
/// kept as they are).
pub fn preview(
    conn: &mut DbConnection,
    venue: Option<VenueId>,
    sections: &[SectionInput],
) -> Result<Vec<SectionLayout>, VenueAdminError> {
    let stored = match venue {
        Some(id) => Some(Stored::load(conn, id)?),
        None => None,
    };
    venue_layout::plan(sections, |name| stored.as_ref().and_then(|s| s.kept(name)))
        .map_err(VenueAdminError::Invalid)
}

pub(super) fn check(
    input: &VenueInput,
    stored: Option<&Stored>,
) -> Result<(Basics, Vec<SectionLayout>), VenueAdminError> {
    let mut errors = Vec::new();
    let basics = basics(input, &mut errors);
    let layout = venue_layout::plan(&input.sections, |name| stored.and_then(|s| s.kept(name)));
    match layout {
        Ok(layout) if errors.is_empty() => Ok((basics, layout)),
        Ok(_) => Err(VenueAdminError::Invalid(errors)),
        Err(more) => {
            errors.extend(more);
            Err(VenueAdminError::Invalid(errors))
        }
    }
}
