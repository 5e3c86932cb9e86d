//! A demo venue written out: the venue, its sections and their seats.

use chrono::NaiveDateTime;
use std::collections::HashMap;

use crate::db::models::*;
use crate::db::{DbConnection, DbError, seed as rows};
use crate::domain::ids::*;
use crate::services::demo::plan::VenuePlan;

pub(super) fn insert_venue(
    conn: &mut DbConnection,
    plan: &VenuePlan,
    organizer_id: OrganizerId,
    now: NaiveDateTime,
) -> Result<(VenueId, HashMap<String, SectionId>, usize), DbError> {
    let venue_id = rows::insert_venue(
        conn,
        &NewVenue {
            organizer_id,
            name: &plan.name,
            slug: &plan.slug,
            description: &plan.description,
            address: &plan.address,
            city: &plan.city,
            country: &plan.country,
            timezone: &plan.timezone,
            created_at: now,
            updated_at: now,
        },
    )?;
    let mut sections = HashMap::new();
    let mut seat_count = 0;
    for (position, section) in plan.sections.iter().enumerate() {
        let section_id = rows::insert_section(
            conn,
            &NewSection {
                venue_id,
                name: &section.name,
                kind: section.kind,
                capacity: section.capacity,
                position: i32::try_from(position).unwrap_or(i32::MAX),
                map_x: section.map.x,
                map_y: section.map.y,
                map_width: section.map.width,
                map_height: section.map.height,
            },
        )?;
        let seats: Vec<NewSeat<'_>> = section
            .seats
            .iter()
            .map(|s| NewSeat {
                section_id,
                row_label: &s.row_label,
                row_index: s.row_index,
                number: s.number,
                x: s.x,
                y: s.y,
                accessible: s.accessible,
            })
            .collect();
        seat_count += seats.len();
        rows::insert_seats(conn, &seats)?;
        sections.insert(section.name.clone(), section_id);
    }
    Ok((venue_id, sections, seat_count))
}
