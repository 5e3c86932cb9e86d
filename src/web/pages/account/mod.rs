//! `/account` (details, email, password, log out everywhere, your data) and `/account/bookings`.

mod bookings;
mod data;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::{FormState, see_other, throttled};
use super::html_with_status;
use crate::domain::catalogue::FieldErrors;
use crate::domain::ids::UserId;
use crate::services::accounts::{self, Account, AccountError};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::rate_limit::RetryAfter;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "account/profile.html")]
struct ProfilePage {
    layout: Layout,
    name_form: FormState,
    email_form: FormState,
    password_form: FormState,
}

impl ProfilePage {
    fn new(layout: Layout, account: &Account) -> Self {
        let mut name_form = FormState::default();
        name_form.set("name", &account.name);
        let mut email_form = FormState::default();
        email_form.set("email", &account.email);
        ProfilePage {
            layout,
            name_form,
            email_form,
            password_form: FormState::default(),
        }
    }

    /// The page with the email form as it was sent, and its messages.
    fn with_email(layout: Layout, account: &Account, email: &str, errors: FieldErrors) -> Self {
        let mut page = ProfilePage::new(layout, account);
        page.email_form.set("email", email);
        page.email_form.errors = errors;
        page
    }

    /// The page with the password form's messages.
    fn with_password_errors(layout: Layout, account: &Account, errors: FieldErrors) -> Self {
        let mut page = ProfilePage::new(layout, account);
        page.password_form.errors = errors;
        page
    }

    fn render_422(self) -> Result<HttpResponse, AppError> {
        html_with_status(StatusCode::UNPROCESSABLE_ENTITY, self.render())
    }
}

/// Checks of the current password are limited per account (a stolen session must not become
/// a way to guess the password): the form again with 429 and `Retry-After` when over.
async fn password_checks_left(
    state: &AppState,
    account: &Account,
) -> Result<Result<(), (RetryAfter, String)>, AppError> {
    let user = account.id.0;
    let checked = state.limit(move |l| l.password_check(user)).await?;
    Ok(checked.map_err(|wait| {
        let message = format!(
            "Too many attempts. Please wait {} seconds and try again.",
            wait.0
        );
        (wait, message)
    }))
}

#[get("/account")]
async fn profile(ctx: PageContext) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    html_with_status(
        StatusCode::OK,
        ProfilePage::new(ctx.layout, &account).render(),
    )
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
}

#[post("/account/name")]
async fn change_name(
    state: web::Data<AppState>,
    ctx: PageContext,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    let name = form.name.clone();
    match state
        .run(move |db, now| accounts::change_name(db, account.id, &name, now))
        .await?
    {
        Ok(()) => {
            session::set_flash(&ctx.session, "Your name was saved.");
            Ok(see_other("/account"))
        }
        Err(AccountError::Invalid(errors)) => {
            let mut page = ProfilePage::new(ctx.layout, &account);
            page.name_form.set("name", &form.name);
            page.name_form.errors = errors;
            page.render_422()
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    email_password: String,
}

#[post("/account/email")]
async fn change_email(
    state: web::Data<AppState>,
    ctx: PageContext,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    let form = form.into_inner();
    if let Err((wait, message)) = password_checks_left(&state, &account).await? {
        let errors = FieldErrors::from([("email_password", message)]);
        let page = ProfilePage::with_email(ctx.layout, &account, &form.email, errors);
        return throttled(wait, page.render());
    }
    let (email, password) = (form.email.clone(), form.email_password);
    let outcome = state
        .run(move |db, now| accounts::change_email(db, account.id, &email, &password, now))
        .await?;
    match outcome {
        Ok(()) => {
            session::set_flash(&ctx.session, "Your email address was changed.");
            Ok(see_other("/account"))
        }
        Err(e) => {
            let errors = email_refusal(e)?;
            ProfilePage::with_email(ctx.layout, &account, &form.email, errors).render_422()
        }
    }
}

/// The email form's messages for a refused change (the password's under its own field).
fn email_refusal(e: AccountError) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::new();
    match e {
        AccountError::Invalid(mut e) => {
            if let Some(msg) = e.remove("current_password") {
                e.insert("email_password", msg);
            }
            errors = e;
        }
        AccountError::EmailTaken => {
            errors.insert(
                "email",
                "That email address already has an account.".to_owned(),
            );
        }
        e => return Err(e.into()),
    }
    Ok(errors)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

#[post("/account/password")]
async fn change_password(
    state: web::Data<AppState>,
    ctx: PageContext,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    let form = form.into_inner();
    if let Err((wait, message)) = password_checks_left(&state, &account).await? {
        let errors = FieldErrors::from([("current_password", message)]);
        let page = ProfilePage::with_password_errors(ctx.layout, &account, errors);
        return throttled(wait, page.render());
    }
    let (cost, id) = (state.settings.bcrypt_cost, account.id);
    let outcome = state
        .run(move |db, now| {
            let (current, new) = (&form.current_password, &form.new_password);
            accounts::change_password(db, id, current, new, cost, now)
        })
        .await?;
    match outcome {
        Ok(epoch) => password_changed(&state, &ctx.session, id, epoch).await,
        Err(AccountError::Invalid(errors)) => {
            ProfilePage::with_password_errors(ctx.layout, &account, errors).render_422()
        }
        Err(e) => Err(e.into()),
    }
}

/// The new password is set: every other session ended with the old epoch; this one carries on.
async fn password_changed(
    state: &AppState,
    session: &Session,
    id: UserId,
    epoch: i64,
) -> Result<HttpResponse, AppError> {
    session::sign_in(state, session, id, epoch).await?;
    session::set_flash(
        session,
        "Your password was changed. Other devices have been logged out.",
    );
    Ok(see_other("/account"))
}

#[post("/account/logout-everywhere")]
async fn logout_everywhere(
    state: web::Data<AppState>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    state
        .run(move |db, now| accounts::log_out_everywhere(db, account.id, now))
        .await??;
    session::forget(&ctx.session);
    Ok(see_other("/login"))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(profile)
        .service(change_name)
        .service(change_email)
        .service(change_password)
        .service(logout_everywhere)
        .service(bookings::my_bookings)
        .service(data::export)
        .service(data::delete_page)
        .service(data::delete);
}
