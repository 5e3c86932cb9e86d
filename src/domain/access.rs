//! Who may do what (issue 22): team roles, the rights they grant, and the one decision every
//! admin page and `/api/v1/admin` endpoint goes through ([`Permissions::may`]). No I/O here: the web
//! layer finds which organizer a request's target belongs to and asks this module.
//!
//! Platform admins (`users.role = 'admin'`) may do everything everywhere. Everyone else acts
//! through their teams: a target of an organizer they are not in is answered as if it did not
//! exist (404), a right their role lacks is refused (403).

use super::ids::{OrganizerId, UserId};
use super::text_enum;

text_enum! {
    /// A member's role in one organizer's team.
    pub enum TeamRole {
        Owner => "owner",
        Editor => "editor",
        BoxOffice => "box_office",
        Door => "door",
        Viewer => "viewer",
    }
}

impl TeamRole {
    pub const fn label(self) -> &'static str {
        match self {
            TeamRole::Owner => "Owner",
            TeamRole::Editor => "Editor",
            TeamRole::BoxOffice => "Box office",
            TeamRole::Door => "Door",
            TeamRole::Viewer => "Viewer",
        }
    }

    pub const fn summary(self) -> &'static str {
        match self {
            TeamRole::Owner => "everything, including the team",
            TeamRole::Editor => "venues and events; submits events for approval",
            TeamRole::BoxOffice => "bookings, refunds, resending tickets, attendee lists, the door",
            TeamRole::Door => "checks tickets in at the door, nothing else",
            TeamRole::Viewer => "reads the events and their figures",
        }
    }

    /// The matrix: whether this role holds `right`. Platform-only rights are held by no role.
    pub const fn grants(self, right: Right) -> bool {
        use Right::*;
        use TeamRole::*;
        match right {
            ReadCatalogue => matches!(self, Owner | Editor | BoxOffice | Viewer),
            EditCatalogue => matches!(self, Owner | Editor),
            CancelEvents => matches!(self, Owner),
            ManageBookings => matches!(self, Owner | BoxOffice),
            CheckIn => matches!(self, Owner | BoxOffice | Door),
            ViewFigures => matches!(self, Owner | Editor | BoxOffice | Viewer),
            ManageTeam => matches!(self, Owner),
            Approve | Platform => false,
        }
    }
}

/// What a request needs. Each admin route names one (src/web/access.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Right {
    /// See the organizer's venues and events in the dashboard.
    ReadCatalogue,
    /// Create, edit, duplicate, delete (unsold) venues and events; submit for review, publish,
    /// close sales; run the waiting room.
    EditCatalogue,
    /// Cancel an event, refunding every buyer.
    CancelEvents,
    /// Bookings: search, detail, refunds, resending tickets, attendee lists.
    ManageBookings,
    /// Check tickets in at the door.
    CheckIn,
    /// Sales figures: the dashboard, an event's statistics.
    ViewFigures,
    /// Invite, change and remove team members.
    ManageTeam,
    /// Approve an event for publication (organizers that require approval).
    Approve,
    /// The platform itself: organizers, user accounts, the email outbox, background jobs.
    Platform,
}

impl Right {
    pub const ALL: &'static [Right] = &[
        Right::ReadCatalogue,
        Right::EditCatalogue,
        Right::CancelEvents,
        Right::ManageBookings,
        Right::CheckIn,
        Right::ViewFigures,
        Right::ManageTeam,
        Right::Approve,
        Right::Platform,
    ];

    pub const fn describe(self) -> &'static str {
        match self {
            Right::ReadCatalogue => "see venues and events",
            Right::EditCatalogue => "edit venues and events, submit, publish, close sales",
            Right::CancelEvents => "cancel an event (refunds every buyer)",
            Right::ManageBookings => "bookings, refunds, resend tickets, attendee lists",
            Right::CheckIn => "check tickets in",
            Right::ViewFigures => "sales figures",
            Right::ManageTeam => "invite, change and remove team members",
            Right::Approve => "approve events for publication",
            Right::Platform => "organizers, accounts, email outbox, jobs",
        }
    }
}

/// One team membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub organizer: OrganizerId,
    pub role: TeamRole,
}

/// A signed-in member of staff: a platform admin, or an account with at least one team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    pub user: UserId,
    pub platform_admin: bool,
    pub memberships: Vec<Membership>,
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The target belongs to an organizer the caller is not in: answered as not found.
    #[error("not found")]
    Hidden,
    /// The caller's role lacks the right.
    #[error("your role does not allow this")]
    Forbidden,
}

/// Which organizers a list may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Only(Vec<OrganizerId>),
}

impl Scope {
    pub fn includes(&self, organizer: OrganizerId) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(ids) => ids.contains(&organizer),
        }
    }

    /// `None` for every organizer, else the ids (possibly none).
    pub fn ids(&self) -> Option<&[OrganizerId]> {
        match self {
            Scope::All => None,
            Scope::Only(ids) => Some(ids),
        }
    }
}

impl Permissions {
    /// Whether the account is staff at all (a platform admin or in some team).
    pub fn is_staff(&self) -> bool {
        self.platform_admin || !self.memberships.is_empty()
    }

    pub fn role_in(&self, organizer: OrganizerId) -> Option<TeamRole> {
        self.memberships
            .iter()
            .find(|m| m.organizer == organizer)
            .map(|m| m.role)
    }

    /// The decision for `right` on something of `organizer`.
    pub fn may(&self, right: Right, organizer: OrganizerId) -> Result<(), Denied> {
        if self.platform_admin {
            return Ok(());
        }
        match self.role_in(organizer) {
            None => Err(Denied::Hidden),
            Some(role) if role.grants(right) => Ok(()),
            Some(_) => Err(Denied::Forbidden),
        }
    }

    /// The decision for `right` where no single organizer is named (a list, a form): allowed
    /// when some team of the caller's grants it.
    pub fn may_somewhere(&self, right: Right) -> Result<(), Denied> {
        if self.platform_admin || self.memberships.iter().any(|m| m.role.grants(right)) {
            Ok(())
        } else {
            Err(Denied::Forbidden)
        }
    }

    /// The organizers whose things a list for `right` may show.
    pub fn scope(&self, right: Right) -> Scope {
        if self.platform_admin {
            return Scope::All;
        }
        Scope::Only(
            self.memberships
                .iter()
                .filter(|m| m.role.grants(right))
                .map(|m| m.organizer)
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: TeamRole) -> Permissions {
        Permissions {
            user: UserId(7),
            platform_admin: false,
            memberships: vec![Membership {
                organizer: OrganizerId(1),
                role,
            }],
        }
    }

    #[test]
    fn another_organizers_things_are_hidden_and_a_missing_right_is_forbidden() {
        let door = member(TeamRole::Door);
        assert_eq!(door.may(Right::CheckIn, OrganizerId(1)), Ok(()));
        assert_eq!(
            door.may(Right::CheckIn, OrganizerId(2)),
            Err(Denied::Hidden)
        );
        assert_eq!(
            door.may(Right::ManageBookings, OrganizerId(1)),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn only_platform_admins_approve_or_run_the_platform() {
        for role in TeamRole::ALL {
            assert!(!role.grants(Right::Approve), "{role}");
            assert!(!role.grants(Right::Platform), "{role}");
        }
        let admin = Permissions {
            user: UserId(1),
            platform_admin: true,
            memberships: Vec::new(),
        };
        for right in Right::ALL {
            assert_eq!(admin.may(*right, OrganizerId(99)), Ok(()));
        }
        assert_eq!(admin.scope(Right::ManageBookings), Scope::All);
    }

    #[test]
    fn an_owner_holds_every_team_right_and_a_door_only_the_door() {
        for right in Right::ALL
            .iter()
            .filter(|r| !matches!(r, Right::Approve | Right::Platform))
        {
            assert!(TeamRole::Owner.grants(*right), "{right:?}");
            assert_eq!(
                TeamRole::Door.grants(*right),
                *right == Right::CheckIn,
                "{right:?}"
            );
        }
    }

    #[test]
    fn a_scope_lists_the_organizers_whose_role_grants_the_right() {
        let staff = Permissions {
            user: UserId(3),
            platform_admin: false,
            memberships: vec![
                Membership {
                    organizer: OrganizerId(1),
                    role: TeamRole::Door,
                },
                Membership {
                    organizer: OrganizerId(2),
                    role: TeamRole::BoxOffice,
                },
            ],
        };
        assert_eq!(
            staff.scope(Right::ManageBookings),
            Scope::Only(vec![OrganizerId(2)])
        );
        assert_eq!(
            staff.scope(Right::CheckIn),
            Scope::Only(vec![OrganizerId(1), OrganizerId(2)])
        );
        assert_eq!(
            staff.may_somewhere(Right::EditCatalogue),
            Err(Denied::Forbidden)
        );
        assert!(!member(TeamRole::Viewer).memberships.is_empty());
    }
}
