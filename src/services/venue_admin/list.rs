//! The venues list.

use std::collections::HashMap;

use crate::db::venue_admin::{self as q};
use crate::db::{DbConnection, DbError};
use crate::domain::access::Scope;
use crate::domain::ids::VenueId;

/// One line of the venue list.
pub struct VenueListRow {
    pub id: VenueId,
    pub name: String,
    pub city: String,
    pub capacity: i64,
    pub sections: usize,
    pub events: i64,
}

/// The venues of the organizers in `scope`.
pub fn list(conn: &mut DbConnection, scope: &Scope) -> Result<Vec<VenueListRow>, DbError> {
    let counts: HashMap<VenueId, i64> = q::event_counts(conn)?.into_iter().collect();
    Ok(crate::services::dashboard::venues(conn, scope)?
        .into_iter()
        .map(|v| VenueListRow {
            id: v.venue.id,
            events: counts.get(&v.venue.id).copied().unwrap_or(0),
            name: v.venue.name,
            city: v.venue.city,
            capacity: v.capacity,
            sections: v.sections.len(),
        })
        .collect())
}
