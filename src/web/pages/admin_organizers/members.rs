//! The team page's buttons: invite or add someone, change a role, remove a member, revoke an
//! invitation. Each answers 303 back to the team page with a flash, or the page again with
//! what went wrong (422 for bad input, 409 for the last owner).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

use super::team::TeamPage;
use crate::domain::access::TeamRole;
use crate::domain::catalogue::FieldErrors;
use crate::domain::ids::{InvitationId, OrganizerId, UserId};
use crate::domain::user_input::EmailAddress;
use crate::services::organizers::{self, Added, TeamError};
use crate::web::access::Staff;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::pages::accounts::{FormState, see_other};
use crate::web::session;
use crate::web::state::AppState;

const LAST_OWNER: &str =
    "The team must keep an owner: make someone else owner before changing or removing this one.";

fn back(ctx: &PageContext, id: OrganizerId, flash: &str) -> HttpResponse {
    session::set_flash(&ctx.session, flash);
    see_other(&format!("/admin/organizers/{id}"))
}

/// The team page again after a refused change.
async fn refused(
    state: &AppState,
    ctx: PageContext,
    staff: &Staff,
    id: OrganizerId,
    e: TeamError,
) -> Result<HttpResponse, AppError> {
    let page = TeamPage::load(state, ctx.layout, staff, id).await?;
    match e {
        TeamError::LastOwner => page.with_problem(LAST_OWNER).answer(StatusCode::CONFLICT),
        TeamError::Invalid(errors) => {
            let message = errors.values().cloned().collect::<Vec<_>>().join(" ");
            page.with_problem(&message)
                .answer(StatusCode::UNPROCESSABLE_ENTITY)
        }
        other => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

#[post("/organizers/{id}/members")]
pub(super) async fn add_member(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let id = OrganizerId(path.into_inner());
    let form = form.into_inner();
    let mut kept = FormState::default();
    kept.set("email", &form.email);
    kept.set("role", &form.role);
    match add(&state, &staff, id, &form).await? {
        Ok(added) => Ok(back(&ctx, id, added_flash(added))),
        Err(TeamError::Invalid(errors)) => {
            kept.errors = errors;
            let page = TeamPage::load(&state, ctx.layout, &staff, id).await?;
            page.with_invite(kept)
                .answer(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => refused(&state, ctx, &staff, id, e).await,
    }
}

/// Adds or invites as the form says.
async fn add(
    state: &AppState,
    staff: &Staff,
    id: OrganizerId,
    form: &InviteForm,
) -> Result<Result<Added, TeamError>, AppError> {
    let (email, role) = match parse_invite(form) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(Err(e)),
    };
    let actor = staff.account.clone();
    state
        .write(move |c, now| organizers::add_by_email(c, &actor, id, &email, role, now))
        .await
}

/// The invite form's address and role, or the messages of both.
fn parse_invite(form: &InviteForm) -> Result<(EmailAddress, TeamRole), TeamError> {
    let email = EmailAddress::parse(&form.email).map_err(|m| TeamError::invalid("email", m));
    match (email, organizers::parse_role(&form.role)) {
        (Ok(email), Ok(role)) => Ok((email, role)),
        (email, role) => {
            let mut errors = FieldErrors::new();
            for e in [email.err(), role.err()].into_iter().flatten() {
                if let TeamError::Invalid(more) = e {
                    errors.extend(more);
                }
            }
            Err(TeamError::Invalid(errors))
        }
    }
}

fn added_flash(added: Added) -> &'static str {
    match added {
        Added::Joined => "They were added to the team and told by email.",
        Added::RoleChanged => "They were in the team already: their role was changed.",
        Added::Invited => "No account has that address: an invitation was emailed (valid 7 days).",
    }
}

#[derive(Deserialize)]
pub(super) struct RoleForm {
    #[serde(default)]
    role: String,
}

#[post("/organizers/{id}/members/{user_id}/role")]
pub(super) async fn set_role(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<(i64, i64)>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = path.into_inner();
    let (id, user) = (OrganizerId(id), UserId(user));
    let outcome = match organizers::parse_role(&form.role) {
        Ok(role) => {
            let actor = staff.account.id;
            state
                .write(move |c, now| organizers::change_role(c, actor, id, user, role, now))
                .await?
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(back(&ctx, id, "The role was changed.")),
        Err(TeamError::NotAMember) => Err(AppError::NotFound),
        Err(e) => refused(&state, ctx, &staff, id, e).await,
    }
}

#[post("/organizers/{id}/members/{user_id}/remove")]
pub(super) async fn remove_member(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = path.into_inner();
    let (id, user) = (OrganizerId(id), UserId(user));
    let actor = staff.account.id;
    let outcome = state
        .write(move |c, now| organizers::remove_member(c, actor, id, user, now))
        .await?;
    match outcome {
        Ok(()) => Ok(back(&ctx, id, "They were removed from the team.")),
        Err(TeamError::NotAMember) => Err(AppError::NotFound),
        Err(e) => refused(&state, ctx, &staff, id, e).await,
    }
}

#[post("/organizers/{id}/invitations/{invitation_id}/revoke")]
pub(super) async fn revoke_invitation(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, invitation) = path.into_inner();
    let (id, invitation) = (OrganizerId(id), InvitationId(invitation));
    let actor = staff.account.id;
    state
        .write(move |c, now| organizers::revoke_invitation(c, actor, id, invitation, now))
        .await??;
    Ok(back(
        &ctx,
        id,
        "The invitation was revoked; its link no longer works.",
    ))
}
