//! The web side of who may do what (issue 22): the signed-in member of staff as handlers see
//! them, and the one way a target is checked. The decision itself is
//! [`Permissions::may`](crate::domain::access::Permissions::may); the guard in front of every
//! admin route applies the route's [`policy`] before the handler runs, and handlers whose
//! target is in the body (a ticket code, an event's venue) call [`Staff::authorize`].

pub mod policy;

use std::collections::BTreeMap;

use crate::db::organizers::{self, Target};
use crate::db::{DbConnection, DbError};
use crate::domain::access::{Denied, Permissions, Right, Scope, TeamRole};
use crate::domain::ids::OrganizerId;
use crate::services::accounts::Account;
use crate::web::error::AppError;

/// The signed-in member of staff, for handlers behind the admin guard.
#[derive(Debug, Clone)]
pub struct Staff {
    pub account: Account,
    pub permissions: Permissions,
}

impl Staff {
    pub fn is_platform_admin(&self) -> bool {
        self.permissions.platform_admin
    }

    /// The organizers a list for `right` may show.
    pub fn scope(&self, right: Right) -> Scope {
        self.permissions.scope(right)
    }

    pub fn role_in(&self, organizer: OrganizerId) -> Option<TeamRole> {
        self.permissions.role_in(organizer)
    }

    /// `right` on `organizer`, as an answer: 404 for another organizer's, 403 naming the role.
    pub fn may(&self, right: Right, organizer: OrganizerId) -> Result<(), AppError> {
        self.permissions
            .may(right, organizer)
            .map_err(|denied| refusal(denied, right, self.role_in(organizer)))
    }

    /// `right` on the organizer of `target` (looked up in `conn`); answers as [`Staff::may`],
    /// and 404 when the target does not exist. Returns the organizer.
    pub fn authorize(
        &self,
        conn: &mut DbConnection,
        right: Right,
        target: &Target,
    ) -> Result<OrganizerId, AppError> {
        let organizer = organizers::organizer_of(conn, target)
            .map_err(DbError::from)?
            .ok_or(AppError::NotFound)?;
        self.may(right, organizer)?;
        Ok(organizer)
    }
}

impl Staff {
    /// The organizer a new venue or event goes to: the one asked for, if the caller may
    /// `right` there (422 naming `organizer_id` otherwise, so as not to tell another
    /// organizer's id from a missing one); else the only one where they may, or the house
    /// organizer for a platform admin; 422 when they must choose.
    pub fn choose_organizer(
        &self,
        conn: &mut DbConnection,
        right: Right,
        asked: Option<OrganizerId>,
    ) -> Result<OrganizerId, AppError> {
        let choose = |message: &str| {
            AppError::Validation(BTreeMap::from([("organizer_id", message.to_owned())]))
        };
        if let Some(id) = asked {
            let exists = organizers::organizer_of(conn, &Target::Organizer(id))
                .map_err(DbError::from)?
                .is_some();
            return match self.permissions.may(right, id) {
                Ok(()) if exists => Ok(id),
                Err(Denied::Forbidden) => Err(refusal(Denied::Forbidden, right, self.role_in(id))),
                _ => Err(choose("Choose one of your organizers.")),
            };
        }
        if self.is_platform_admin() {
            return Ok(organizers::HOUSE);
        }
        match self.scope(right).ids() {
            Some([only]) => Ok(*only),
            Some([]) => Err(refusal(Denied::Forbidden, right, None)),
            _ => Err(choose("Choose which of your organizers this is for.")),
        }
    }
}

/// Which tabs of the box office the caller sees (the routes refuse the rest anyway).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffNav {
    pub platform: bool,
    pub catalogue: bool,
    pub bookings: bool,
    pub checkin: bool,
    pub figures: bool,
    pub teams: bool,
    /// "platform admin", or the roles by organizer ("editor at X").
    pub roles: String,
}

impl StaffNav {
    pub fn of(p: &Permissions, names: &[(OrganizerId, String)]) -> StaffNav {
        let somewhere = |right| p.may_somewhere(right).is_ok();
        let roles = if p.platform_admin {
            "platform admin".to_owned()
        } else {
            p.memberships
                .iter()
                .map(|m| {
                    let name = names
                        .iter()
                        .find(|(id, _)| *id == m.organizer)
                        .map_or("", |(_, n)| n.as_str());
                    format!("{} at {name}", m.role.label().to_lowercase())
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        StaffNav {
            platform: p.platform_admin,
            catalogue: somewhere(Right::ReadCatalogue),
            bookings: somewhere(Right::ManageBookings),
            checkin: somewhere(Right::CheckIn),
            figures: somewhere(Right::ViewFigures),
            teams: somewhere(Right::ManageTeam),
            roles,
        }
    }
}

/// The answer for a refusal: another organizer's things do not exist for the caller; a
/// missing right is a 403 that says which.
pub fn refusal(denied: Denied, right: Right, role: Option<TeamRole>) -> AppError {
    match denied {
        Denied::Hidden => AppError::NotFound,
        Denied::Forbidden => {
            let who = match role {
                Some(role) => format!("Your role ({})", role.label().to_lowercase()),
                None => "Your account".to_owned(),
            };
            AppError::ForbiddenBecause(BTreeMap::from([(
                "role",
                format!("{who} does not allow this: {}.", right.describe()),
            )]))
        }
    }
}

impl actix_web::FromRequest for Staff {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        use actix_web::HttpMessage;
        std::future::ready(
            req.extensions()
                .get::<Staff>()
                .cloned()
                .ok_or(AppError::Forbidden),
        )
    }
}
