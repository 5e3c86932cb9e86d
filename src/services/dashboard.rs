//! What the box-office dashboard shows.

use chrono::NaiveDateTime;

use crate::db::admin::{self, Overview, SectionSummary, VenueRow};
use crate::db::{DbConnection, DbError};

pub fn overview(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Overview, DbError> {
    Ok(admin::overview(conn, now)?)
}

/// A venue with its sections and total capacity.
pub struct VenueWithSections {
    pub venue: VenueRow,
    pub capacity: i64,
    pub sections: Vec<SectionSummary>,
}

pub fn venues(conn: &mut DbConnection) -> Result<Vec<VenueWithSections>, DbError> {
    let (venues, sections) = admin::venues(conn)?;
    Ok(venues
        .into_iter()
        .map(|venue| {
            let sections: Vec<SectionSummary> = sections
                .iter()
                .filter(|s| s.venue_id == venue.id)
                .cloned()
                .collect();
            VenueWithSections {
                capacity: sections.iter().map(|s| s.capacity).sum(),
                venue,
                sections,
            }
        })
        .collect())
}
