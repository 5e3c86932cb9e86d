//! "Your data" on the account page (issue 22): `GET /account/export` downloads everything the
//! app holds about the signed-in user (the API's `GET /api/v1/me/export` document, as a JSON
//! attachment); `GET /account/delete` explains what deleting erases and keeps, and
//! `POST /account/delete` does it once the current password is given.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::super::accounts::{FormState, see_other, throttled};
use super::password_checks_left;
use crate::domain::catalogue::FieldErrors;
use crate::services::accounts::{self, Account, AccountError, DeleteError, Deleted};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html_with_status;
use crate::web::session;
use crate::web::state::AppState;

#[get("/account/export")]
pub(super) async fn export(
    state: web::Data<AppState>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    let export = crate::web::api::export_of(&state, account.id).await?;
    let body = serde_json::to_string_pretty(&export).map_err(AppError::internal)?;
    let date = state.clock.now().format("%Y-%m-%d");
    tracing::info!(user.id = %account.id, "account data downloaded");
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"boxoffice-my-data-{date}.json\""),
        ))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body))
}

#[derive(Template)]
#[template(path = "account/delete.html")]
struct DeletePage {
    layout: Layout,
    form: FormState,
    /// Why the account can't be deleted now (the last admin).
    refusal: Option<&'static str>,
}

impl DeletePage {
    fn new(layout: Layout) -> Self {
        DeletePage {
            layout,
            form: FormState::default(),
            refusal: None,
        }
    }

    fn with_errors(layout: Layout, errors: FieldErrors) -> Self {
        let mut page = DeletePage::new(layout);
        page.form.errors = errors;
        page
    }
}

const LAST_ADMIN: &str = "You are the last platform admin, so the box office would have nobody \
    to run it. Make another account an admin first.";

#[get("/account/delete")]
pub(super) async fn delete_page(ctx: PageContext) -> Result<HttpResponse, AppError> {
    ctx.require_user()?;
    html_with_status(StatusCode::OK, DeletePage::new(ctx.layout).render())
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    current_password: String,
}

#[post("/account/delete")]
pub(super) async fn delete(
    state: web::Data<AppState>,
    ctx: PageContext,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    if let Err((wait, message)) = password_checks_left(&state, &account).await? {
        let errors = FieldErrors::from([("current_password", message)]);
        return throttled(wait, DeletePage::with_errors(ctx.layout, errors).render());
    }
    let (live, providers, id) = (state.live.clone(), state.providers.clone(), account.id);
    let password = form.into_inner().current_password;
    let outcome = state
        .run(move |db, now| {
            accounts::delete_account(db, &live, &providers, id, Some(&password), now)
        })
        .await?;
    match outcome {
        Ok(deleted) => said_goodbye(&state, &ctx, &account, &deleted).await,
        Err(e) => refused(ctx.layout, e),
    }
}

/// The account is gone: the limits keyed by its address forget it, and a fresh, signed-out
/// session (its server-side row went with the account) carries the notice to the home page.
async fn said_goodbye(
    state: &AppState,
    ctx: &PageContext,
    account: &Account,
    deleted: &Deleted,
) -> Result<HttpResponse, AppError> {
    let email = account.email.clone();
    state.limit(move |l| l.forget_account(&email)).await?;
    tracing::info!(
        user.id = %account.id,
        bookings.cancelled = deleted.cancelled.len(),
        "account deleted"
    );
    ctx.session.renew();
    ctx.session.clear();
    session::set_flash(&ctx.session, "Your account was deleted. Goodbye!");
    Ok(see_other("/"))
}

/// The form again: the wrong password under its field (422), or why the last admin can't go
/// (409).
fn refused(layout: Layout, e: DeleteError) -> Result<HttpResponse, AppError> {
    match e {
        DeleteError::Account(AccountError::Invalid(errors)) => html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            DeletePage::with_errors(layout, errors).render(),
        ),
        DeleteError::LastAdmin => {
            let mut page = DeletePage::new(layout);
            page.refusal = Some(LAST_ADMIN);
            html_with_status(StatusCode::CONFLICT, page.render())
        }
        e => Err(e.into()),
    }
}
