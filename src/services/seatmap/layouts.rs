//! Venue layouts: each venue's seats with their positions, read once per version of the venue.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::seatmap::{self as queries};
use crate::domain::ids::{SeatId, SectionId, VenueId};
use crate::services::catalogue::CatalogueError;

/// Each venue's layout (its seats: section, row, number, position), read once per version of
/// the venue and kept: it changes only when the venue is edited (which moves its
/// `updated_at`), so a map reads only the event's seat states.
#[derive(Default)]
pub struct Layouts {
    venues: Mutex<HashMap<VenueId, Arc<VenueLayout>>>,
}

/// A venue's seats in map order, at one version of the venue.
pub struct VenueLayout {
    version: NaiveDateTime,
    /// The seats in map order.
    pub seats: Vec<LayoutSeat>,
}

/// A seat of a venue's layout: where it is and what it is called (rows share their label).
pub struct LayoutSeat {
    pub seat_id: SeatId,
    pub section_id: SectionId,
    pub row: Arc<str>,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
}

impl Layouts {
    pub fn new() -> Self {
        Layouts::default()
    }

    /// The venue's layout, read again only when the venue changed.
    pub fn venue(
        &self,
        conn: &mut DbConnection,
        venue: VenueId,
    ) -> Result<Arc<VenueLayout>, CatalogueError> {
        let version = queries::venue_version(conn, venue)?;
        let cached = self
            .venues
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&venue)
            .filter(|l| l.version == version)
            .cloned();
        if let Some(layout) = cached {
            return Ok(layout);
        }
        // Rows repeat along a row: one shared string per row of a section.
        let mut rows: HashMap<(SectionId, String), Arc<str>> = HashMap::new();
        let seats = queries::venue_seats(conn, venue)?
            .into_iter()
            .map(|r| {
                let row = rows
                    .entry((r.section_id, r.row_label))
                    .or_insert_with_key(|(_, label)| Arc::from(label.as_str()))
                    .clone();
                LayoutSeat {
                    seat_id: r.seat_id,
                    section_id: r.section_id,
                    row,
                    number: r.number,
                    x: r.x,
                    y: r.y,
                    accessible: r.accessible,
                }
            })
            .collect();
        let layout = Arc::new(VenueLayout { version, seats });
        self.venues
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(venue, layout.clone());
        Ok(layout)
    }
}
