//! Which of an event's buttons the caller sees: the workflow's moves their role may make from
//! the event's status (the same rule the move itself applies), duplicate and delete.

use std::collections::HashMap;

use crate::db::DbConnection;
use crate::db::organizers::{self, OrganizerRow};
use crate::domain::access::{Permissions, Right, Scope};
use crate::domain::event::EventStatus;
use crate::domain::ids::OrganizerId;
use crate::domain::workflow::move_needs;
use crate::services::event_admin::AdminEvent;
use crate::web::error::AppError;

/// A button posting to `/admin/events/{id}/{action}`.
#[derive(Debug, Clone)]
pub struct Button {
    pub action: &'static str,
    pub label: &'static str,
    pub primary: bool,
}

/// The organizers of `scope`, by id.
pub type Organizers = HashMap<OrganizerId, OrganizerRow>;

pub fn organizers_of(conn: &mut DbConnection, scope: &Scope) -> Result<Organizers, AppError> {
    Ok(organizers::list(conn, scope)
        .map_err(crate::db::DbError::from)?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

const MOVES: &[(EventStatus, &str, &str, bool)] = &[
    (EventStatus::Review, "submit", "Submit for review", true),
    (EventStatus::Approved, "approve", "Approve", true),
    (EventStatus::Published, "publish", "Publish", true),
    (EventStatus::Draft, "return", "Back to draft", false),
    (EventStatus::Completed, "close", "Close sales", false),
];

/// The workflow buttons for `event`, in the order above.
pub fn workflow(event: &AdminEvent, organizers: &Organizers, who: &Permissions) -> Vec<Button> {
    moves(event.row.status, event.row.organizer_id, organizers, who)
}

/// The workflow buttons from `status` for an event of `organizer`.
pub fn moves(
    status: EventStatus,
    organizer: OrganizerId,
    organizers: &Organizers,
    who: &Permissions,
) -> Vec<Button> {
    let requires = organizers
        .get(&organizer)
        .is_some_and(|o| o.requires_approval);
    MOVES
        .iter()
        .filter(|(to, ..)| {
            move_needs(status, *to, requires).is_some_and(|right| who.may(right, organizer).is_ok())
        })
        .map(|(_, action, label, primary)| Button {
            action,
            label,
            primary: *primary,
        })
        .collect()
}

/// Whether the caller may edit, duplicate or delete the event.
pub fn may_edit(event: &AdminEvent, who: &Permissions) -> bool {
    who.may(Right::EditCatalogue, event.row.organizer_id)
        .is_ok()
}

/// The organizer's name, for lists that mix organizers.
pub fn organizer_name(event: &AdminEvent, organizers: &Organizers) -> String {
    organizers
        .get(&event.row.organizer_id)
        .map(|o| o.name.clone())
        .unwrap_or_default()
}
