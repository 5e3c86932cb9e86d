//! Organizers and their teams (issue 22): creating and renaming organizers (platform admins),
//! adding people by email, changing roles, removing members, and invitations for addresses
//! without an account. Every grant, change, removal, invitation and acceptance writes an audit
//! entry (ids only, never an address); emails go through the outbox in the same transaction.

mod accept;
mod team;

use chrono::NaiveDateTime;

use crate::db::audit::{self, NewAuditEntry};
use crate::db::organizers::{self as db_organizers, OrganizerRow};
use crate::db::{DbConnection, DbError};
use crate::domain::access::{Permissions, Scope, TeamRole};
use crate::domain::catalogue::FieldErrors;
use crate::domain::ids::{OrganizerId, UserId};
use crate::services::accounts::AccountError;

pub use accept::{Invitation, accept, invitation, register_and_accept};
pub use team::{
    Added, INVITATION_TTL, TeamView, add_by_email, change_role, remove_member, revoke_invitation,
    team,
};

/// What went wrong in a team or organizer change.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    /// The account is not in the team.
    #[error("not a member of this team")]
    NotAMember,
    /// The change would leave the team without an owner.
    #[error("the team must keep an owner")]
    LastOwner,
    /// The invitation is unknown, expired, revoked or already used.
    #[error("this invitation is no longer valid")]
    InvitationGone,
    /// The invitation was sent to another address than the signed-in account's.
    #[error("this invitation was sent to another address")]
    WrongAccount,
    /// Registering through an invitation for an address that has an account meanwhile.
    #[error("that email address already has an account")]
    EmailTaken,
    #[error(transparent)]
    Account(AccountError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for TeamError {
    fn from(e: diesel::result::Error) -> Self {
        TeamError::Db(DbError::Query(e))
    }
}

impl From<AccountError> for TeamError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::EmailTaken => TeamError::EmailTaken,
            AccountError::Invalid(errors) => TeamError::Invalid(errors),
            AccountError::Db(e) => TeamError::Db(e),
            other => TeamError::Account(other),
        }
    }
}

impl TeamError {
    /// One field's message.
    pub fn invalid(field: &'static str, message: &str) -> Self {
        TeamError::Invalid(FieldErrors::from([(field, message.to_owned())]))
    }
}

/// An organizer's name and approval rule, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizerInput {
    pub name: String,
    pub requires_approval: bool,
}

impl OrganizerInput {
    pub fn parse(name: &str, requires_approval: bool) -> Result<Self, TeamError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(TeamError::invalid("name", "Enter the organizer's name."));
        }
        if name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(TeamError::invalid(
                "name",
                "Use at most 200 characters, on one line.",
            ));
        }
        Ok(OrganizerInput {
            name: name.to_owned(),
            requires_approval,
        })
    }
}

/// A role from a form or a body: 422 naming `role` for anything else.
pub fn parse_role(raw: &str) -> Result<TeamRole, TeamError> {
    raw.trim().parse().map_err(|_| {
        TeamError::invalid(
            "role",
            "Choose one of owner, editor, box_office, door or viewer.",
        )
    })
}

const NAME_TAKEN: &str = "Another organizer has that name.";

/// Creates an organizer (platform admins; the guard checked).
pub fn create(
    c: &mut DbConnection,
    actor: UserId,
    input: &OrganizerInput,
    now: NaiveDateTime,
) -> Result<OrganizerRow, TeamError> {
    let id = match db_organizers::insert(c, &input.name, input.requires_approval, now) {
        Ok(Some(id)) => id,
        // Taken, or taken by a concurrent creation the unique index caught.
        Ok(None) => return Err(TeamError::invalid("name", NAME_TAKEN)),
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(TeamError::invalid("name", NAME_TAKEN));
        }
        Err(e) => return Err(e.into()),
    };
    let detail = serde_json::json!({ "requires_approval": input.requires_approval });
    record(c, actor, "organizer.created", id, &detail, now)?;
    db_organizers::get(c, id)?.ok_or(TeamError::NotFound)
}

/// Renames an organizer and sets whether its events need approval (platform admins).
pub fn update(
    c: &mut DbConnection,
    actor: UserId,
    id: OrganizerId,
    input: &OrganizerInput,
    now: NaiveDateTime,
) -> Result<(), TeamError> {
    if db_organizers::get(c, id)?.is_none() {
        return Err(TeamError::NotFound);
    }
    if !db_organizers::update(c, id, &input.name, input.requires_approval, now)? {
        return Err(TeamError::invalid("name", NAME_TAKEN));
    }
    let detail = serde_json::json!({ "requires_approval": input.requires_approval });
    record(c, actor, "organizer.updated", id, &detail, now)
}

/// The organizers a member of staff sees in their list: every one for a platform admin, else
/// their teams (whatever their role).
pub fn visible(permissions: &Permissions) -> Scope {
    if permissions.platform_admin {
        Scope::All
    } else {
        Scope::Only(
            permissions
                .memberships
                .iter()
                .map(|m| m.organizer)
                .collect(),
        )
    }
}

/// The organizers in `scope`, by name.
pub fn list(c: &mut DbConnection, scope: &Scope) -> Result<Vec<OrganizerRow>, DbError> {
    Ok(db_organizers::list(c, scope)?)
}

/// An audit entry about organizer `id`; `detail` holds ids and roles, never an address.
fn record(
    c: &mut DbConnection,
    actor: UserId,
    action: &str,
    id: OrganizerId,
    detail: &serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), TeamError> {
    audit::record(
        c,
        &NewAuditEntry {
            actor_user_id: Some(actor),
            action,
            subject_type: "organizer",
            subject_id: Some(id.0),
            detail: &detail.to_string(),
            created_at: now,
        },
    )?;
    Ok(())
}
