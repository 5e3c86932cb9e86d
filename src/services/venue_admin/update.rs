//! Editing a venue (sections in use keep their seats).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::venue_admin::{self as q, NewSeatRow, StoredSeat, StoredSection, VenueFields};
use crate::domain::ids::{EventId, SeatId, SectionId, UserId, VenueId};
use crate::domain::venue_layout::SeatLayout;

use super::create::audit_row;
use super::editor::check;
use super::input::{Usage, VenueAdminError, VenueInput};
use super::layout::{Stored, insert_section_with_seats, params_json, seat_row, section_row};

/// What an edit does to the stored layout.
#[derive(Debug, Default, Serialize)]
pub struct EditSummary {
    pub sections_added: usize,
    pub sections_removed: usize,
    pub seats_added: usize,
    pub seats_removed: usize,
    pub seats_changed: usize,
}

/// Reshapes a venue: sections matched by name, seats by (section, row label, number), so
/// unchanged seats keep their ids. Refuses, changing nothing, to remove seats or sections that
/// an event's inventory uses. Run it inside one write transaction.
#[tracing::instrument(name = "venues.update", skip_all, fields(venue.id = %id, admin.id = %actor))]
pub fn update(
    conn: &mut DbConnection,
    actor: UserId,
    id: VenueId,
    input: &VenueInput,
    now: NaiveDateTime,
) -> Result<EditSummary, VenueAdminError> {
    if q::touch_venue(conn, id, now)? == 0 {
        return Err(VenueAdminError::NotFound);
    }
    let current = q::venue(conn, id)?.ok_or(VenueAdminError::NotFound)?;
    let stored = Stored::load(conn, id)?;
    let (b, layout) = check(input, Some(&stored))?;

    // Match: an existing section of the same name and kind keeps its id; one whose kind
    // changes is removed and added again.
    let mut matched: HashMap<&str, &StoredSection> = HashMap::new();
    for s in &layout {
        if let Some(old) = stored.by_name(&s.name).filter(|o| o.kind == s.kind) {
            matched.insert(s.name.as_str(), old);
        }
    }
    let matched_ids: HashSet<SectionId> = matched.values().map(|s| s.id).collect();
    let removed_sections: Vec<&StoredSection> = stored
        .sections
        .iter()
        .filter(|s| !matched_ids.contains(&s.id))
        .collect();
    let mut removed_seats: Vec<SeatId> = removed_sections
        .iter()
        .flat_map(|s| stored.seats.get(&s.id).into_iter().flatten().map(|x| x.id))
        .collect();
    // Per matched seated section: seats kept (id → new layout), added, removed.
    let mut kept_seats: Vec<(SeatId, SectionId, &SeatLayout, &StoredSeat)> = Vec::new();
    let mut added_seats: Vec<(SectionId, &SeatLayout)> = Vec::new();
    for s in &layout {
        let Some(old) = matched.get(s.name.as_str()) else {
            continue;
        };
        let old_seats: HashMap<(&str, i32), &StoredSeat> = stored
            .seats
            .get(&old.id)
            .into_iter()
            .flatten()
            .map(|x| ((x.row_label.as_str(), x.number), x))
            .collect();
        let mut seen = HashSet::new();
        for seat in &s.seats {
            let key = (seat.row_label.as_str(), seat.number);
            seen.insert(key);
            match old_seats.get(&key) {
                Some(o) => kept_seats.push((o.id, old.id, seat, o)),
                None => added_seats.push((old.id, seat)),
            }
        }
        removed_seats.extend(
            old_seats
                .iter()
                .filter(|(k, _)| !seen.contains(*k))
                .map(|(_, o)| o.id),
        );
    }

    // Refuse before writing anything if events use what would go.
    let removed_section_ids: Vec<SectionId> = removed_sections.iter().map(|s| s.id).collect();
    let mut usage: BTreeMap<EventId, Usage> = BTreeMap::new();
    for (event, title, seats) in q::seat_usage(conn, &removed_seats)? {
        usage
            .entry(event)
            .or_insert_with(|| Usage {
                event_id: event,
                title,
                seats: 0,
                sections: Vec::new(),
            })
            .seats += seats;
    }
    if !removed_section_ids.is_empty() {
        for (event, title, section) in q::section_usage(conn, &removed_section_ids)? {
            let name = removed_sections
                .iter()
                .find(|s| s.id == section)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            usage
                .entry(event)
                .or_insert_with(|| Usage {
                    event_id: event,
                    title,
                    seats: 0,
                    sections: Vec::new(),
                })
                .sections
                .push(name);
        }
    }
    if !usage.is_empty() {
        return Err(VenueAdminError::InUse(usage.into_values().collect()));
    }

    // Removals first (they free section names), then updates, then additions.
    q::delete_seats(conn, &removed_seats)?;
    q::delete_sections(conn, &removed_section_ids)?;
    let mut summary = EditSummary {
        sections_removed: removed_section_ids.len(),
        seats_removed: removed_seats.len(),
        ..EditSummary::default()
    };
    for (position, s) in layout.iter().enumerate() {
        match matched.get(s.name.as_str()) {
            Some(old) => {
                let json = if s.kept {
                    old.layout.clone()
                } else {
                    params_json(s)?
                };
                q::update_section(conn, old.id, &section_row(id, position, s, json.as_deref()))?;
            }
            None => {
                insert_section_with_seats(conn, id, position, s)?;
                summary.sections_added += 1;
                summary.seats_added += s.seats.len();
            }
        }
    }
    for (seat_id, section, new, old) in &kept_seats {
        let same = new.row_index == old.row_index
            && new.x == old.x
            && new.y == old.y
            && new.accessible == old.accessible
            && new.blocked == old.blocked;
        if !same {
            q::update_seat(conn, *seat_id, &seat_row(*section, new))?;
            summary.seats_changed += 1;
        }
    }
    let rows: Vec<NewSeatRow<'_>> = added_seats
        .iter()
        .map(|(section, seat)| seat_row(*section, seat))
        .collect();
    summary.seats_added += rows.len();
    q::insert_seats(conn, &rows)?;
    q::update_venue(
        conn,
        &VenueFields {
            id,
            name: b.name,
            slug: current.slug,
            description: b.description,
            address: b.address,
            city: b.city,
            country: b.country,
            timezone: b.timezone,
        },
        now,
    )?;
    audit_row(
        conn,
        actor,
        "venue.update",
        id,
        serde_json::to_value(&summary).unwrap_or_default(),
        now,
    )?;
    tracing::info!(venue.id = %id, "venue updated");
    Ok(summary)
}
