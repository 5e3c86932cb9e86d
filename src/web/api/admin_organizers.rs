//! `/api/v1/admin/organizers…` (API.md "Organizers, teams and accounts"): the caller's
//! organizers, creating one (platform admins), adding someone to a team by email and removing
//! a member. Behind the admin guard of `/api/v1/admin`, which checked the route's right on the
//! organizer in the path.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::organizers::OrganizerRow;
use crate::domain::access::TeamRole;
use crate::domain::ids::{OrganizerId, UserId};
use crate::domain::user_input::EmailAddress;
use crate::services::organizers::{self, OrganizerInput, TeamError};
use crate::web::access::Staff;
use crate::web::api::doc::problems;
use crate::web::api::invalid;
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

impl From<TeamError> for AppError {
    fn from(e: TeamError) -> Self {
        match e {
            TeamError::Invalid(errors) => AppError::Validation(errors),
            TeamError::NotFound | TeamError::NotAMember | TeamError::InvitationGone => {
                AppError::NotFound
            }
            TeamError::LastOwner => {
                AppError::Conflict("The team must keep an owner: make someone else owner first.")
            }
            TeamError::WrongAccount => AppError::Forbidden,
            TeamError::EmailTaken => {
                AppError::Conflict("That email address already has an account.")
            }
            TeamError::Account(e) => AppError::internal(e),
            TeamError::Db(e) => e.into(),
        }
    }
}

/// An organizer, with the caller's role in its team.
#[derive(Serialize, utoipa::ToSchema)]
struct OrganizerJson {
    id: OrganizerId,
    name: String,
    /// Whether its events need a platform admin's approval before they are published.
    requires_approval: bool,
    /// The caller's role; absent when the caller is not in the team (a platform admin).
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<TeamRole>,
}

impl OrganizerJson {
    fn new(row: OrganizerRow, role: Option<TeamRole>) -> Self {
        OrganizerJson {
            id: row.id,
            name: row.name,
            requires_approval: row.requires_approval,
            role,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct OrganizerList {
    items: Vec<OrganizerJson>,
}

#[utoipa::path(
    operation_id = "listOrganizers",
    tag = "admin",
    summary = "The caller's organizers (every one for a platform admin)",
    responses(
        (status = 200, description = "The organizers by name, with the caller's role.", body = OrganizerList),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller is not staff.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/organizers")]
async fn list(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let scope = organizers::visible(&staff.permissions);
    let rows = state
        .read(move |c, _| Ok(organizers::list(c, &scope)?))
        .await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let role = staff.role_in(row.id);
            OrganizerJson::new(row, role)
        })
        .collect();
    Ok(HttpResponse::Ok().json(OrganizerList { items }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewOrganizer {
    /// Unique, ignoring case; up to 200 characters.
    name: String,
    /// Whether its events need a platform admin's approval before they are published
    /// (default false).
    #[serde(default)]
    requires_approval: bool,
}

#[utoipa::path(
    operation_id = "createOrganizer",
    tag = "admin",
    summary = "Create an organizer (platform admins)",
    request_body = NewOrganizer,
    responses(
        (status = 201, description = "The new organizer.", body = OrganizerJson),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "Only platform admins create organizers.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The name is missing, too long or taken (`errors.name`).", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/organizers")]
async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<NewOrganizer>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let input = OrganizerInput::parse(&body.name, body.requires_approval)?;
    let actor = staff.account.id;
    let row = state
        .write(move |c, now| organizers::create(c, actor, &input, now))
        .await??;
    Ok(HttpResponse::Created().json(OrganizerJson::new(row, None)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewMember {
    email: String,
    /// `owner`, `editor`, `box_office`, `door` or `viewer`.
    #[schema(value_type = TeamRole)]
    role: String,
}

/// What adding someone did.
#[derive(Serialize, utoipa::ToSchema)]
struct MemberJson {
    email: String,
    role: TeamRole,
    /// `active`: the account is a member now; `invited`: an invitation link was emailed.
    #[schema(pattern = "^(active|invited)$")]
    status: &'static str,
}

#[utoipa::path(
    operation_id = "addOrganizerMember",
    tag = "admin",
    summary = "Add someone to a team by email, or invite them",
    params(("id" = i64, Path, description = "The organizer's id.")),
    request_body = NewMember,
    responses(
        (status = 201, description = "An account joined (`active`, emailed), or an unknown address was emailed an invitation (`invited`).", body = MemberJson),
        (status = 200, description = "The account was a member already: its role changed (`active`).", body = MemberJson),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller's role does not manage the team.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "The change would demote the team's last owner.", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
    ),
    security(("bearer" = []))
)]
#[post("/organizers/{id}/members")]
async fn add_member(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    body: web::Json<NewMember>,
) -> Result<HttpResponse, AppError> {
    let id = OrganizerId(path.into_inner());
    let body = body.into_inner();
    let email = EmailAddress::parse(&body.email).map_err(|m| invalid("email", m))?;
    let role = organizers::parse_role(&body.role)?;
    let actor = staff.account.clone();
    let address = email.as_str().to_owned();
    let added = state
        .write(move |c, now| organizers::add_by_email(c, &actor, id, &email, role, now))
        .await??;
    let answer = MemberJson {
        email: address,
        role,
        status: added.status(),
    };
    Ok(match added {
        organizers::Added::RoleChanged => HttpResponse::Ok().json(answer),
        _ => HttpResponse::Created().json(answer),
    })
}

#[utoipa::path(
    operation_id = "removeOrganizerMember",
    tag = "admin",
    summary = "Remove a member from a team",
    params(
        ("id" = i64, Path, description = "The organizer's id."),
        ("user_id" = i64, Path, description = "The member's account id."),
    ),
    responses(
        (status = 204, description = "The account is no longer in the team."),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller's role does not manage the team.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organizer, or the account is not in its team (problem+json).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The member is the team's last owner.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/organizers/{id}/members/{user_id}")]
async fn remove_member(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = path.into_inner();
    let (id, user) = (OrganizerId(id), UserId(user));
    let actor = staff.account.id;
    state
        .write(move |c, now| organizers::remove_member(c, actor, id, user, now))
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(add_member)
        .service(remove_member);
}
