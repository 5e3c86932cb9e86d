//! `/admin/organizers/{id}`: a team's page (members with their roles, open invitations, the
//! invite form, the roles explained, and for platform admins the organizer's settings).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use super::{OrganizerForm, field_errors, saved};
use crate::domain::access::TeamRole;
use crate::domain::ids::OrganizerId;
use crate::services::organizers::{self, TeamView};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::accounts::{FormState, see_other};
use crate::web::pages::html_with_status;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "admin/organizers/show.html")]
pub(super) struct TeamPage {
    layout: Layout,
    team: TeamView,
    roles: &'static [TeamRole],
    platform: bool,
    /// The invite form (email, role) with its messages.
    invite: FormState,
    /// The settings form (name, requires approval) with its messages.
    settings: FormState,
    /// A refused change (the last owner), said at the top.
    problem: Option<String>,
}

impl TeamPage {
    /// The page with empty forms.
    pub(super) async fn load(
        state: &AppState,
        layout: Layout,
        staff: &Staff,
        id: OrganizerId,
    ) -> Result<Self, AppError> {
        let team = state
            .read(move |c, now| Ok(organizers::team(c, id, now)?))
            .await?
            .ok_or(AppError::NotFound)?;
        let mut settings = FormState::default();
        settings.set("name", &team.organizer.name);
        if team.organizer.requires_approval {
            settings.set("requires_approval", "on");
        }
        let mut invite = FormState::default();
        invite.set("role", TeamRole::Editor.as_str());
        Ok(TeamPage {
            layout,
            team,
            roles: TeamRole::ALL,
            platform: staff.is_platform_admin(),
            invite,
            settings,
            problem: None,
        })
    }

    pub(super) fn with_invite(mut self, invite: FormState) -> Self {
        self.invite = invite;
        self
    }

    pub(super) fn with_problem(mut self, problem: &str) -> Self {
        self.problem = Some(problem.to_owned());
        self
    }

    pub(super) fn answer(self, status: StatusCode) -> Result<HttpResponse, AppError> {
        html_with_status(status, self.render())
    }
}

#[get("/organizers/{id}")]
pub(super) async fn show(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = OrganizerId(path.into_inner());
    TeamPage::load(&state, ctx.layout, &staff, id)
        .await?
        .answer(StatusCode::OK)
}

#[post("/organizers/{id}/settings")]
pub(super) async fn save_settings(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
    form: web::Form<OrganizerForm>,
) -> Result<HttpResponse, AppError> {
    let id = OrganizerId(path.into_inner());
    let form = form.into_inner();
    let actor = staff.account.id;
    let outcome = saved(&state, form.parse(), move |c, now, input| {
        organizers::update(c, actor, id, input, now)
    });
    let Err(e) = outcome.await? else {
        session::set_flash(&ctx.session, "The organizer's settings were saved.");
        return Ok(see_other(&format!("/admin/organizers/{id}")));
    };
    let errors = field_errors(e)?;
    let mut page = TeamPage::load(&state, ctx.layout, &staff, id).await?;
    page.settings = form.kept();
    page.settings.errors = errors;
    page.answer(StatusCode::UNPROCESSABLE_ENTITY)
}
