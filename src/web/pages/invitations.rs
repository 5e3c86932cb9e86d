//! `/invitations/{token}`: the link of a team invitation (issue 22). Signed in with the invited
//! address: a button accepts. Signed in as someone else: it says so and offers to log out. Not
//! signed in: a form creates the account (the address is the invitation's, and counts as
//! verified), accepts and signs in; or a link to log in first. A GET changes nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::{FormState, start_session, throttled, too_many};
use super::html_with_status;
use crate::services::accounts::Account;
use crate::services::organizers::{self, Invitation, TeamError};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::rate_limit::client_ip;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "invitations/show.html")]
struct InvitationPage {
    layout: Layout,
    token: String,
    /// `None`: unknown, expired, revoked or used.
    invitation: Option<Invitation>,
    /// The registration form, with its messages.
    form: FormState,
}

impl InvitationPage {
    /// Whether the signed-in account is the one invited.
    fn for_me(&self) -> bool {
        match (&self.layout.user, &self.invitation) {
            (Some(user), Some(i)) => user.email.eq_ignore_ascii_case(&i.email),
            _ => false,
        }
    }

    fn login_link(&self) -> String {
        format!(
            "/login?{}",
            serde_urlencoded::to_string([("next", format!("/invitations/{}", self.token))])
                .unwrap_or_default()
        )
    }

    /// 200 for an open invitation, 404 for any other link.
    fn status(&self) -> StatusCode {
        if self.invitation.is_some() {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        }
    }

    fn answer(self) -> Result<HttpResponse, AppError> {
        html_with_status(self.status(), self.render())
    }
}

async fn page(
    state: &AppState,
    layout: Layout,
    token: String,
    form: FormState,
) -> Result<InvitationPage, AppError> {
    let check = token.clone();
    let invitation = if plausible(&token) {
        state
            .read(move |c, now| Ok(organizers::invitation(c, &check, now)?))
            .await?
    } else {
        None
    };
    Ok(InvitationPage {
        layout,
        token,
        invitation,
        form,
    })
}

/// A token as links carry them (64 hex characters): anything else is not looked up.
fn plausible(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

#[get("/invitations/{token}")]
async fn show(
    state: web::Data<AppState>,
    ctx: PageContext,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(&state, ctx.layout, path.into_inner(), FormState::default())
        .await?
        .answer()
}

/// Accepts as the signed-in account.
#[post("/invitations/{token}")]
async fn accept(
    state: web::Data<AppState>,
    ctx: PageContext,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let account: Account = ctx.require_user()?;
    let used = token.clone();
    let outcome = state
        .write(move |c, now| organizers::accept(c, &account, &used, now))
        .await?;
    match outcome {
        Ok(invitation) => {
            tracing::info!(organizer.id = %invitation.organizer, "team invitation accepted");
            session::set_flash(&ctx.session, &joined(&invitation));
            Ok(super::accounts::see_other("/admin"))
        }
        // The page says why (another address, or no longer valid).
        Err(TeamError::WrongAccount | TeamError::InvitationGone) => {
            let page = page(&state, ctx.layout, token, FormState::default()).await?;
            let status = if page.invitation.is_some() {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::NOT_FOUND
            };
            html_with_status(status, page.render())
        }
        Err(e) => Err(e.into()),
    }
}

fn joined(invitation: &Invitation) -> String {
    format!(
        "Welcome to the team of {} ({}).",
        invitation.organizer_name,
        invitation.role.label().to_lowercase()
    )
}

#[derive(Deserialize)]
struct RegisterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// Creates the invited address's account, accepts, and signs in.
#[post("/invitations/{token}/register")]
async fn register(
    state: web::Data<AppState>,
    ctx: PageContext,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    let (token, form) = (path.into_inner(), form.into_inner());
    let mut kept = FormState::default();
    kept.set("name", &form.name);
    let ip = client_ip(&req);
    if let Err(wait) = state.limit(move |l| l.register(&ip)).await? {
        kept.errors.insert("form", too_many(wait));
        return throttled(wait, page(&state, ctx.layout, token, kept).await?.render());
    }
    let (cost, used) = (state.settings.bcrypt_cost, token.clone());
    let outcome = state
        .run(move |db, now| {
            organizers::register_and_accept(db, &used, &form.name, &form.password, cost, now)
        })
        .await?;
    match outcome {
        Ok((account, invitation)) => welcome(&state, &ctx, &req, &account, &invitation).await,
        Err(e) => {
            let status = registration_refused(e, &mut kept)?;
            let page = page(&state, ctx.layout, token, kept).await?;
            html_with_status(status.unwrap_or(page.status()), page.render())
        }
    }
}

/// Signed up through the invitation: the session, to the box office with a flash.
async fn welcome(
    state: &AppState,
    ctx: &PageContext,
    req: &HttpRequest,
    account: &Account,
    invitation: &Invitation,
) -> Result<HttpResponse, AppError> {
    tracing::info!(user.id = %account.id, organizer.id = %invitation.organizer, "account registered through a team invitation");
    session::set_flash(&ctx.session, &joined(invitation));
    start_session(state, &ctx.session, req, account, "/admin").await
}

/// Why the account was not created, on the form; the status (`None`: the page's own, 404
/// for an invitation no longer valid).
fn registration_refused(
    e: TeamError,
    kept: &mut FormState,
) -> Result<Option<StatusCode>, AppError> {
    match e {
        TeamError::Invalid(mut errors) => {
            // The address is the invitation's: a message about it concerns the whole form.
            if let Some(message) = errors.remove("email") {
                errors.insert("form", message);
            }
            kept.errors = errors;
            Ok(Some(StatusCode::UNPROCESSABLE_ENTITY))
        }
        TeamError::EmailTaken => {
            kept.errors.insert(
                "form",
                "This address has an account already: log in to accept the invitation.".to_owned(),
            );
            Ok(Some(StatusCode::CONFLICT))
        }
        TeamError::InvitationGone => Ok(None),
        e => Err(e.into()),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(accept).service(register);
}
