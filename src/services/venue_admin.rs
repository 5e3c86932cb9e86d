//! The venue editor's use cases: create a venue with its layout, reshape it without losing the
//! seats events use, load it back into the editor, preview a layout.
//!
//! Existing events keep their inventory: an event's `event_seats` / `event_sections` rows were
//! copied when it was created. Changing a seat's `accessible` or `blocked` flag here changes
//! the venue (so events created afterwards), not events that already exist. Removing a seat or
//! section that any event's inventory references is refused, naming the events; the foreign
//! keys refuse it too, should an event be created between the check and the delete.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::audit::{self, NewAuditEntry};
use crate::db::models::NewVenue;
use crate::db::venue_admin::{
    self as q, NewSeatRow, NewSectionRow, StoredSeat, StoredSection, VenueFields,
};
use crate::db::{DbConnection, DbError};
use crate::domain::ids::{EventId, SeatId, SectionId, UserId, VenueId};
use crate::domain::seatmap::Rect;
use crate::domain::venue::SectionKind;
use crate::domain::venue_layout::{
    self, FieldError, KeptSection, SeatLayout, SeatedParams, SectionInput, SectionLayout,
};

/// A venue as the API and the form send it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueInput {
    /// Read-only fields of `GET /api/v1/admin/venues/{id}`, accepted so that what `GET`
    /// answers can be sent back; ignored.
    #[serde(default, skip_serializing)]
    pub id: Option<i64>,
    #[serde(default, skip_serializing)]
    pub slug: Option<String>,
    #[serde(default, skip_serializing)]
    pub capacity: Option<i64>,
    pub name: String,
    pub city: String,
    pub country: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub description: String,
    pub timezone: String,
    #[serde(default)]
    pub sections: Vec<SectionInput>,
}

/// Events whose inventory uses seats or sections an edit would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub event_id: EventId,
    pub title: String,
    /// Seats of this event's inventory the edit would remove.
    pub seats: i64,
    /// Sections the edit would remove that this event sells.
    pub sections: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum VenueAdminError {
    #[error("invalid venue")]
    Invalid(Vec<FieldError>),
    #[error("venue not found")]
    NotFound,
    /// Seats or sections that events use would be removed; empty when the database refused it
    /// (an event created at the same moment).
    #[error("seats in use")]
    InUse(Vec<Usage>),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for VenueAdminError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                VenueAdminError::InUse(Vec::new())
            }
            e => VenueAdminError::Db(DbError::Query(e)),
        }
    }
}

impl VenueAdminError {
    /// "12 seats of “Hamlet” (event 4)…": what the refusal says.
    pub fn in_use_message(usage: &[Usage]) -> String {
        if usage.is_empty() {
            return "An event started using these seats just now; nothing was changed. \
                    Reload and try again."
                .to_owned();
        }
        let parts: Vec<String> = usage
            .iter()
            .map(|u| {
                let mut s = format!(
                    "“{}” (event {}) uses {} of them",
                    u.title, u.event_id, u.seats
                );
                if !u.sections.is_empty() {
                    s.push_str(&format!(" and sells {}", u.sections.join(", ")));
                }
                s
            })
            .collect();
        format!(
            "A venue with sold seats cannot lose those seats: this change removes seats or \
             sections that events use. {}. Nothing was changed.",
            parts.join("; ")
        )
    }
}

/// Checked venue fields.
struct Basics {
    name: String,
    city: String,
    country: String,
    address: String,
    description: String,
    timezone: String,
}

fn text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
    what: &str,
) -> String {
    let v = raw.trim().to_owned();
    let n = v.chars().count();
    let message = if n < min {
        Some(format!("Enter the {what}."))
    } else if n > max {
        Some(format!("Use at most {max} characters."))
    } else if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        Some("Use letters, digits and punctuation only.".to_owned())
    } else {
        None
    };
    if let Some(message) = message {
        errors.push(FieldError {
            section: None,
            field,
            message,
        });
    }
    v
}

fn basics(input: &VenueInput, errors: &mut Vec<FieldError>) -> Basics {
    let name = text(errors, "name", &input.name, 1, 200, "venue's name");
    let city = text(errors, "city", &input.city, 1, 100, "city");
    let address = text(errors, "address", &input.address, 0, 300, "address");
    let description = text(
        errors,
        "description",
        &input.description,
        0,
        5000,
        "description",
    );
    let country = input.country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.push(FieldError {
            section: None,
            field: "country",
            message: "Use the two-letter country code (GB, DE, PT …).".to_owned(),
        });
    }
    let timezone = input.timezone.trim().to_owned();
    if timezone.parse::<chrono_tz::Tz>().is_err() {
        errors.push(FieldError {
            section: None,
            field: "timezone",
            message: "Use an IANA time zone such as Europe/London.".to_owned(),
        });
    }
    Basics {
        name,
        city,
        country,
        address,
        description,
        timezone,
    }
}

/// A venue's slug from its name: lower-case ASCII letters and digits joined by dashes.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 60 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "venue".to_owned()
    } else {
        slug.to_owned()
    }
}

fn unique_slug(conn: &mut DbConnection, name: &str) -> Result<String, DbError> {
    let base = slugify(name);
    let mut candidate = base.clone();
    let mut n = 2;
    while q::slug_taken(conn, &candidate)? {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    Ok(candidate)
}

fn rect_of(s: &StoredSection) -> Rect {
    Rect {
        x: s.map_x,
        y: s.map_y,
        width: s.map_width,
        height: s.map_height,
    }
}

fn seat_layout(s: &StoredSeat) -> SeatLayout {
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
struct Stored {
    sections: Vec<StoredSection>,
    seats: HashMap<SectionId, Vec<StoredSeat>>,
}

impl Stored {
    fn load(conn: &mut DbConnection, venue: VenueId) -> Result<Stored, DbError> {
        let sections = q::sections_of(conn, venue)?;
        let mut seats: HashMap<SectionId, Vec<StoredSeat>> = HashMap::new();
        for seat in q::seats_of(conn, venue)? {
            seats.entry(seat.section_id).or_default().push(seat);
        }
        Ok(Stored { sections, seats })
    }

    fn by_name(&self, name: &str) -> Option<&StoredSection> {
        self.sections.iter().find(|s| s.name == name)
    }

    fn kept(&self, name: &str) -> Option<KeptSection> {
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
    fn layouts(&self) -> Vec<(SectionId, SectionLayout)> {
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

fn section_row<'a>(
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

fn seat_row(section: SectionId, s: &SeatLayout) -> NewSeatRow<'_> {
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

fn params_json(s: &SectionLayout) -> Result<Option<String>, VenueAdminError> {
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

fn insert_section_with_seats(
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

fn check(
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

fn audit_row(
    conn: &mut DbConnection,
    actor: UserId,
    action: &str,
    venue: VenueId,
    detail: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), VenueAdminError> {
    audit::record(
        conn,
        &NewAuditEntry {
            actor_user_id: Some(actor),
            action,
            subject_type: "venue",
            subject_id: Some(venue.0),
            detail: &detail.to_string(),
            created_at: now,
        },
    )?;
    Ok(())
}

/// Creates a venue with its sections and seats. Run it inside one write transaction.
pub fn create(
    conn: &mut DbConnection,
    actor: UserId,
    input: &VenueInput,
    now: NaiveDateTime,
) -> Result<VenueId, VenueAdminError> {
    let (b, layout) = check(input, None)?;
    let slug = unique_slug(conn, &b.name)?;
    let id = crate::db::seed::insert_venue(
        conn,
        &NewVenue {
            name: &b.name,
            slug: &slug,
            description: &b.description,
            address: &b.address,
            city: &b.city,
            country: &b.country,
            timezone: &b.timezone,
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            // Another venue took this slug at the same moment.
            VenueAdminError::Invalid(vec![FieldError {
                section: None,
                field: "name",
                message: "A venue of this name was created at the same moment; save again."
                    .to_owned(),
            }])
        } else {
            e.into()
        }
    })?;
    for (position, s) in layout.iter().enumerate() {
        insert_section_with_seats(conn, id, position, s)?;
    }
    let seats: usize = layout.iter().map(|s| s.seats.len()).sum();
    audit_row(
        conn,
        actor,
        "venue.create",
        id,
        serde_json::json!({"sections": layout.len(), "seats": seats}),
        now,
    )?;
    tracing::info!(venue.id = %id, seats, "venue created");
    Ok(id)
}

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

/// One line of the venue list.
pub struct VenueListRow {
    pub id: VenueId,
    pub name: String,
    pub city: String,
    pub capacity: i64,
    pub sections: usize,
    pub events: i64,
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<VenueListRow>, DbError> {
    let counts: HashMap<VenueId, i64> = q::event_counts(conn)?.into_iter().collect();
    Ok(crate::services::dashboard::venues(conn)?
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
