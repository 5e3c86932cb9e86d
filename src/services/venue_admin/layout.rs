//! A venue's layout as stored: sections and seats as rows.

use std::collections::HashMap;

use crate::db::venue_admin::{self as q, NewSeatRow, NewSectionRow, StoredSeat, StoredSection};
use crate::db::{DbConnection, DbError};
use crate::domain::ids::{SectionId, VenueId};
use crate::domain::seatmap::Rect;
use crate::domain::venue::SectionKind;
use crate::domain::venue_layout::{KeptSection, SeatLayout, SeatedParams, SectionLayout};

use super::input::VenueAdminError;

pub(super) fn rect_of(s: &StoredSection) -> Rect {
    Rect {
        x: s.map_x,
        y: s.map_y,
        width: s.map_width,
        height: s.map_height,
    }
}

pub(super) fn seat_layout(s: &StoredSeat) -> SeatLayout {
    SeatLayout {
        row_label: s.row_label.clone(),
        row_index: s.row_index,
        number: s.number,
        x: s.x,
        y: s.y,
        accessible: s.accessible,
        blocked: s.blocked,
    }
}

/// A venue's stored sections and seats.
pub(super) struct Stored {
    pub(super) sections: Vec<StoredSection>,
    pub(super) seats: HashMap<SectionId, Vec<StoredSeat>>,
}

impl Stored {
    pub(super) fn load(conn: &mut DbConnection, venue: VenueId) -> Result<Stored, DbError> {
        let sections = q::sections_of(conn, venue)?;
        let mut seats: HashMap<SectionId, Vec<StoredSeat>> = HashMap::new();
        for seat in q::seats_of(conn, venue)? {
            seats.entry(seat.section_id).or_default().push(seat);
        }
        Ok(Stored { sections, seats })
    }

    pub(super) fn by_name(&self, name: &str) -> Option<&StoredSection> {
        self.sections.iter().find(|s| s.name == name)
    }

    pub(super) fn kept(&self, name: &str) -> Option<KeptSection> {
        let s = self.by_name(name)?;
        Some(KeptSection {
            kind: s.kind,
            capacity: s.capacity,
            rect: rect_of(s),
            seats: self
                .seats
                .get(&s.id)
                .map(|v| v.iter().map(seat_layout).collect())
                .unwrap_or_default(),
        })
    }

    /// The sections as the editor shows them.
    pub(super) fn layouts(&self) -> Vec<(SectionId, SectionLayout)> {
        self.sections
            .iter()
            .map(|s| {
                let params: Option<SeatedParams> = match s.kind {
                    SectionKind::Seated => s
                        .layout
                        .as_deref()
                        .and_then(|json| serde_json::from_str(json).ok()),
                    SectionKind::Standing => None,
                };
                let layout = SectionLayout {
                    name: s.name.clone(),
                    kind: s.kind,
                    capacity: s.capacity,
                    rect: rect_of(s),
                    seats: self
                        .seats
                        .get(&s.id)
                        .map(|v| v.iter().map(seat_layout).collect())
                        .unwrap_or_default(),
                    kept: params.is_none() && s.kind == SectionKind::Seated,
                    params,
                };
                (s.id, layout)
            })
            .collect()
    }
}

pub(super) fn section_row<'a>(
    venue: VenueId,
    position: usize,
    s: &'a SectionLayout,
    layout_json: Option<&'a str>,
) -> NewSectionRow<'a> {
    NewSectionRow {
        venue_id: venue,
        name: &s.name,
        kind: s.kind,
        capacity: match s.kind {
            SectionKind::Standing => s.capacity,
            SectionKind::Seated => None,
        },
        position: i32::try_from(position).unwrap_or(i32::MAX),
        map_x: s.rect.x,
        map_y: s.rect.y,
        map_width: s.rect.width,
        map_height: s.rect.height,
        layout: layout_json,
    }
}

pub(super) fn seat_row(section: SectionId, s: &SeatLayout) -> NewSeatRow<'_> {
    NewSeatRow {
        section_id: section,
        row_label: &s.row_label,
        row_index: s.row_index,
        number: s.number,
        x: s.x,
        y: s.y,
        accessible: s.accessible,
        blocked: s.blocked,
    }
}

pub(super) fn params_json(s: &SectionLayout) -> Result<Option<String>, VenueAdminError> {
    s.params
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| {
            VenueAdminError::Db(DbError::Query(diesel::result::Error::SerializationError(
                Box::new(e),
            )))
        })
}

pub(super) fn insert_section_with_seats(
    conn: &mut DbConnection,
    venue: VenueId,
    position: usize,
    s: &SectionLayout,
) -> Result<(), VenueAdminError> {
    let json = params_json(s)?;
    let id = q::insert_section(conn, &section_row(venue, position, s, json.as_deref()))?;
    let rows: Vec<NewSeatRow<'_>> = s.seats.iter().map(|seat| seat_row(id, seat)).collect();
    q::insert_seats(conn, &rows)?;
    Ok(())
}
