//! `/admin/organizers`: the caller's organizers, creating one (platform admins), and each
//! team's page (members, roles, invitations, settings). Behind the admin guard of `/admin`,
//! which checked the route's right on the organizer in the path.

mod members;
mod team;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::accounts::{FormState, see_other};
use super::html_with_status;
use crate::db::DbConnection;
use crate::db::organizers::OrganizerRow;
use crate::domain::access::{Right, TeamRole};
use crate::services::organizers::{self, OrganizerInput, TeamError};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::session;
use crate::web::state::AppState;

/// One organizer in the list.
struct Row {
    org: OrganizerRow,
    role: Option<TeamRole>,
    /// Whether the caller may open its team page.
    manages: bool,
}

#[derive(Template)]
#[template(path = "admin/organizers/index.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    platform: bool,
}

#[get("/organizers")]
async fn list(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
) -> Result<HttpResponse, AppError> {
    let scope = organizers::visible(&staff.permissions);
    let orgs = state
        .read(move |c, _| Ok(organizers::list(c, &scope)?))
        .await?;
    let rows = orgs
        .into_iter()
        .map(|org| Row {
            role: staff.role_in(org.id),
            manages: staff.may(Right::ManageTeam, org.id).is_ok(),
            org,
        })
        .collect();
    let page = ListPage {
        layout: ctx.layout,
        rows,
        platform: staff.is_platform_admin(),
    };
    html_with_status(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "admin/organizers/new.html")]
struct NewPage {
    layout: Layout,
    form: FormState,
}

#[get("/organizers/new")]
async fn new_form(ctx: PageContext) -> Result<HttpResponse, AppError> {
    let page = NewPage {
        layout: ctx.layout,
        form: FormState::default(),
    };
    html_with_status(StatusCode::OK, page.render())
}

/// The organizer form's fields (create, and a team's settings).
#[derive(Deserialize)]
pub(super) struct OrganizerForm {
    #[serde(default)]
    name: String,
    /// A checkbox: present when ticked.
    requires_approval: Option<String>,
}

impl OrganizerForm {
    fn kept(&self) -> FormState {
        let mut form = FormState::default();
        form.set("name", &self.name);
        if self.requires_approval.is_some() {
            form.set("requires_approval", "on");
        }
        form
    }

    fn parse(&self) -> Result<OrganizerInput, TeamError> {
        OrganizerInput::parse(&self.name, self.requires_approval.is_some())
    }
}

/// Writes a parsed organizer form with `f`; a form that did not parse is its error.
pub(super) async fn saved<T: Send + 'static>(
    state: &AppState,
    parsed: Result<OrganizerInput, TeamError>,
    f: impl FnOnce(&mut DbConnection, NaiveDateTime, &OrganizerInput) -> Result<T, TeamError>
    + Send
    + 'static,
) -> Result<Result<T, TeamError>, AppError> {
    match parsed {
        Ok(input) => state.write(move |c, now| f(c, now, &input)).await,
        Err(e) => Ok(Err(e)),
    }
}

/// Field messages of a team error, or the error itself for the app to answer.
pub(super) fn field_errors(
    e: TeamError,
) -> Result<crate::domain::catalogue::FieldErrors, AppError> {
    match e {
        TeamError::Invalid(errors) => Ok(errors),
        other => Err(other.into()),
    }
}

#[post("/organizers")]
async fn create(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    form: web::Form<OrganizerForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let actor = staff.account.id;
    let outcome = saved(&state, form.parse(), move |c, now, input| {
        organizers::create(c, actor, input, now)
    });
    let org = match outcome.await? {
        Ok(org) => org,
        Err(e) => {
            let mut form = form.kept();
            form.errors = field_errors(e)?;
            let page = NewPage {
                layout: ctx.layout,
                form,
            };
            return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page.render());
        }
    };
    session::set_flash(
        &ctx.session,
        "The organizer was created. Invite its first owner.",
    );
    Ok(see_other(&format!("/admin/organizers/{}", org.id)))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(new_form)
        .service(create)
        .service(team::show)
        .service(team::save_settings)
        .service(members::add_member)
        .service(members::set_role)
        .service(members::remove_member)
        .service(members::revoke_invitation);
}
