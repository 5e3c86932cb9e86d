//! A team's changes: adding someone by email (an account joins at once, an unknown address is
//! invited), changing a role, removing a member, revoking an invitation; and the team as its
//! page shows it.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::DbConnection;
use crate::db::organizers::invitations::{self, OpenInvitation};
use crate::db::organizers::members::{self, MemberRow, TeamChange};
use crate::db::organizers::{self as db_organizers, OrganizerRow};
use crate::db::users;
use crate::domain::access::TeamRole;
use crate::domain::ids::{InvitationId, OrganizerId, UserId};
use crate::domain::user_input::EmailAddress;
use crate::services::accounts::Account;
use crate::services::notify::{queue_team_added, queue_team_invitation};
use crate::services::tokens::{new_token, token_hash};

use super::{TeamError, record};

/// How long an invitation's link works.
pub const INVITATION_TTL: TimeDelta = TimeDelta::days(7);

/// What adding someone by email did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// The account joined the team (and was emailed).
    Joined,
    /// The account was already a member; its role is now the one asked for.
    RoleChanged,
    /// No account has the address: an invitation link was emailed.
    Invited,
}

impl Added {
    /// As the API says it: `active` for a member, `invited` for an invitation.
    pub fn status(self) -> &'static str {
        match self {
            Added::Joined | Added::RoleChanged => "active",
            Added::Invited => "invited",
        }
    }
}

fn organizer(c: &mut DbConnection, id: OrganizerId) -> Result<OrganizerRow, TeamError> {
    db_organizers::get(c, id)?.ok_or(TeamError::NotFound)
}

/// Adds `email` to the team with `role`: an existing account becomes a member at once and is
/// told by email (an existing member gets the role instead); an unknown address is invited.
pub fn add_by_email(
    c: &mut DbConnection,
    actor: &Account,
    id: OrganizerId,
    email: &EmailAddress,
    role: TeamRole,
    now: NaiveDateTime,
) -> Result<Added, TeamError> {
    let org = organizer(c, id)?;
    let Some(user) = users::find_for_login(c, email.as_str())? else {
        invite(c, actor, &org, email, role, now)?;
        return Ok(Added::Invited);
    };
    if members::role_of(c, id, user.id)?.is_some() {
        change_role(c, actor.id, id, user.id, role, now)?;
        return Ok(Added::RoleChanged);
    }
    members::insert(c, id, user.id, role, now)?;
    let detail = serde_json::json!({ "user_id": user.id, "role": role });
    record(c, actor.id, "team.member_added", id, &detail, now)?;
    queue_team_added(
        c,
        (user.id, &user.name, &user.email),
        (id, &org.name),
        role,
        now,
    )?;
    Ok(Added::Joined)
}

/// An invitation row (only the link's hash) and its email.
fn invite(
    c: &mut DbConnection,
    actor: &Account,
    org: &OrganizerRow,
    email: &EmailAddress,
    role: TeamRole,
    now: NaiveDateTime,
) -> Result<(), TeamError> {
    let token = new_token();
    let invitation = invitations::insert(
        c,
        org.id,
        email.as_str(),
        role,
        &token_hash(&token),
        actor.id,
        now,
        now + INVITATION_TTL,
    )?;
    let detail = serde_json::json!({ "invitation_id": invitation, "role": role });
    record(c, actor.id, "team.invited", org.id, &detail, now)?;
    queue_team_invitation(
        c,
        (invitation, token),
        email.as_str(),
        &actor.name,
        &org.name,
        role,
        now,
    )?;
    Ok(())
}

fn changed(change: TeamChange) -> Result<(), TeamError> {
    match change {
        TeamChange::Done => Ok(()),
        TeamChange::NotAMember => Err(TeamError::NotAMember),
        TeamChange::LastOwner => Err(TeamError::LastOwner),
    }
}

/// Gives a member another role; the last owner stays an owner.
pub fn change_role(
    c: &mut DbConnection,
    actor: UserId,
    id: OrganizerId,
    user: UserId,
    role: TeamRole,
    now: NaiveDateTime,
) -> Result<(), TeamError> {
    organizer(c, id)?;
    let before = members::role_of(c, id, user)?;
    changed(members::set_role(c, id, user, role, now)?)?;
    if before != Some(role) {
        let detail = serde_json::json!({ "user_id": user, "from": before, "role": role });
        record(c, actor, "team.role_changed", id, &detail, now)?;
    }
    Ok(())
}

/// Removes a member; the last owner stays.
pub fn remove_member(
    c: &mut DbConnection,
    actor: UserId,
    id: OrganizerId,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(), TeamError> {
    organizer(c, id)?;
    let (change, role) = members::remove(c, id, user)?;
    changed(change)?;
    let detail = serde_json::json!({ "user_id": user, "role": role });
    record(c, actor, "team.member_removed", id, &detail, now)
}

/// Revokes an open invitation of the organizer (its link stops working).
pub fn revoke_invitation(
    c: &mut DbConnection,
    actor: UserId,
    id: OrganizerId,
    invitation: InvitationId,
    now: NaiveDateTime,
) -> Result<(), TeamError> {
    if !invitations::revoke(c, id, invitation, now)? {
        return Err(TeamError::NotFound);
    }
    let detail = serde_json::json!({ "invitation_id": invitation });
    record(c, actor, "team.invitation_revoked", id, &detail, now)
}

/// A team as its page shows it.
#[derive(Debug, Clone)]
pub struct TeamView {
    pub organizer: OrganizerRow,
    pub members: Vec<MemberRow>,
    pub invitations: Vec<OpenInvitation>,
}

impl TeamView {
    /// Whether `user` is the team's only owner (who can be neither removed nor demoted).
    pub fn is_last_owner(&self, user: &UserId) -> bool {
        let owners: Vec<UserId> = self
            .members
            .iter()
            .filter(|m| m.role == TeamRole::Owner)
            .map(|m| m.user_id)
            .collect();
        owners == [*user]
    }
}

/// The organizer, its members and its open invitations; `None` when it does not exist.
pub fn team(
    c: &mut DbConnection,
    id: OrganizerId,
    now: NaiveDateTime,
) -> Result<Option<TeamView>, TeamError> {
    let Some(organizer) = db_organizers::get(c, id)? else {
        return Ok(None);
    };
    Ok(Some(TeamView {
        organizer,
        members: members::list(c, id)?,
        invitations: invitations::list_open(c, id, now)?,
    }))
}
