//! What an admin submits for a venue, its errors, and the checked basics.

use serde::{Deserialize, Serialize};

use crate::db::venue_admin::{self as q};
use crate::db::{DbConnection, DbError};
use crate::domain::ids::EventId;
use crate::domain::venue_layout::{FieldError, SectionInput};

/// A venue as the API and the form send it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// The organizer a new venue belongs to; `None`: the caller's own (when they edit for
    /// one), the house organizer for a platform admin. Ignored when a venue is reshaped.
    #[serde(default)]
    pub organizer_id: Option<i64>,
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
    /// Events (of any status) use the venue, so it can't be deleted.
    #[error("events use the venue")]
    HasEvents,
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
pub(super) struct Basics {
    pub(super) name: String,
    pub(super) city: String,
    pub(super) country: String,
    pub(super) address: String,
    pub(super) description: String,
    pub(super) timezone: String,
}

pub(super) fn text(
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

pub(super) fn basics(input: &VenueInput, errors: &mut Vec<FieldError>) -> Basics {
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

pub(super) fn unique_slug(conn: &mut DbConnection, name: &str) -> Result<String, DbError> {
    let base = slugify(name);
    let mut candidate = base.clone();
    let mut n = 2;
    while q::slug_taken(conn, &candidate)? {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    Ok(candidate)
}
