//! What an admin submits for an event, its errors, and the checked form (`Valid`).

use crate::domain::access::Right;
use crate::domain::ids::OrganizerId;
use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::db::DbError;
use crate::db::event_admin::VenueBrief;
use crate::domain::event::{Category, EventStatus};
use crate::domain::ids::{SectionId, TierId, VenueId};
use crate::domain::local_time::from_local;

use super::read::AdminEvent;

/// Field → message, as the forms and the API's 422 show them.
pub use crate::domain::catalogue::FieldErrors as Errors;
pub use crate::domain::event_rules::{MAX_TICKETS, MAX_TICKETS_PER_ACCOUNT, TITLE_MAX};

pub const LIST_LIMIT: i64 = 500;

#[derive(Debug, thiserror::Error)]
pub enum EventAdminError {
    #[error("invalid event")]
    Invalid(Errors),
    #[error("no such event")]
    NotFound,
    /// Someone else changed the event since `version`; the current event is carried along.
    #[error("the event was changed by someone else")]
    Conflict(Box<AdminEvent>),
    #[error("a {0} event can't be edited")]
    NotEditable(EventStatus),
    #[error("a {from} event can't become {to}")]
    Transition { from: EventStatus, to: EventStatus },
    #[error("the event can't be published: {0}")]
    CannotPublish(&'static str),
    /// The event has bookings (even expired holds), so it can only be cancelled.
    #[error("the event has bookings")]
    HasBookings,
    /// The caller's role lacks the right this move needs.
    #[error("the caller may not do this")]
    Denied(Right),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for EventAdminError {
    fn from(e: diesel::result::Error) -> Self {
        EventAdminError::Db(DbError::Query(e))
    }
}

pub(super) fn invalid(field: &'static str, message: impl Into<String>) -> EventAdminError {
    EventAdminError::Invalid([(field, message.into())].into_iter().collect())
}

/// A time as the caller gave it: an instant (the API, RFC 3339) or the wall-clock time at the
/// venue (the form's `datetime-local` fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Utc(NaiveDateTime),
    Local(NaiveDateTime),
}

impl When {
    pub(super) fn resolve(self, tz: chrono_tz::Tz) -> NaiveDateTime {
        match self {
            When::Utc(t) => t,
            When::Local(t) => from_local(t, tz),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierInput {
    /// An existing tier of the event (edits); `None` adds a tier.
    pub id: Option<TierId>,
    pub name: String,
    pub price_cents: i64,
}

/// An event as the form or the API describes it, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    /// The organizer the event is for; `None`: the venue's (the API may name it to be sure).
    pub organizer_id: Option<OrganizerId>,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub category: String,
    pub venue_id: Option<VenueId>,
    pub starts_at: Option<When>,
    pub ends_at: Option<When>,
    pub currency: String,
    pub sales_start_at: Option<When>,
    pub sales_end_at: Option<When>,
    pub max_tickets_per_order: Option<i64>,
    /// The most tickets one account may have for the event (held and bought); `None`: no cap.
    pub max_tickets_per_account: Option<i64>,
    pub tiers: Vec<TierInput>,
    /// Section id → index into `tiers`. Sections not named are not on sale.
    pub section_tiers: BTreeMap<i64, i64>,
    /// What the edge could not even read (a malformed time or number), by field.
    pub errors: Errors,
}

/// The checked event, times in UTC.
pub(super) struct Valid {
    pub(super) title: String,
    pub(super) summary: String,
    pub(super) description: String,
    pub(super) category: Category,
    pub(super) venue: VenueBrief,
    pub(super) starts_at: NaiveDateTime,
    pub(super) starts_local: NaiveDateTime,
    pub(super) ends_at: Option<NaiveDateTime>,
    pub(super) currency: String,
    pub(super) sales_start_at: Option<NaiveDateTime>,
    pub(super) sales_end_at: Option<NaiveDateTime>,
    pub(super) max_tickets_per_order: i32,
    pub(super) max_tickets_per_account: Option<i32>,
    pub(super) tiers: Vec<TierInput>,
    /// Section → tier index.
    pub(super) sections: Vec<(SectionId, usize)>,
}
