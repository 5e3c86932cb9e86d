//! A forgotten password: asking for a reset link, and setting a new password with it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::check_your_inbox;
use super::verification::TokenQuery;
use crate::domain::user_input::EmailAddress;
use crate::mail::templates::RESET_VALID_FOR;
use crate::services::recovery::{self, ResetError};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::accounts::{FormState, see_other, throttled};
use crate::web::pages::html_with_status;
use crate::web::rate_limit::client_ip;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
pub(super) struct ForgotPage {
    layout: Layout,
    form: FormState,
    /// The address a link was sent to, if it has an account.
    sent_to: Option<String>,
    valid_for: &'static str,
}

impl ForgotPage {
    /// The empty form.
    fn new(layout: Layout) -> Self {
        ForgotPage {
            layout,
            form: FormState::default(),
            sent_to: None,
            valid_for: RESET_VALID_FOR,
        }
    }
}

#[get("/password/forgot")]
pub(super) async fn forgot_page(ctx: PageContext) -> Result<HttpResponse, AppError> {
    html_with_status(StatusCode::OK, ForgotPage::new(ctx.layout).render())
}

#[derive(Deserialize)]
pub(super) struct ForgotForm {
    #[serde(default)]
    pub(super) email: String,
}

#[post("/password/forgot")]
pub(super) async fn forgot(
    state: web::Data<AppState>,
    ctx: PageContext,
    req: HttpRequest,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let mut page = ForgotPage::new(ctx.layout);
    page.form.set("email", &form.email);
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(message) => {
            page.form.errors.insert("email", message.to_owned());
            return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page.render());
        }
    };
    let (ip, address) = (client_ip(&req), email.as_str().to_owned());
    let asked = address.clone();
    if let Err(wait) = state.limit(move |l| l.password_reset(&ip, &asked)).await? {
        page.form.errors.insert("form", check_your_inbox(wait));
        return throttled(wait, page.render());
    }
    state
        .run(move |db, now| recovery::enqueue_reset(db, &address, now))
        .await??;
    page.sent_to = Some(email.as_str().to_owned());
    html_with_status(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
pub(super) struct ResetPage {
    layout: Layout,
    form: FormState,
    live: bool,
}

impl ResetPage {
    /// The form again: with its messages (`live`), or saying the link no longer works.
    fn again(
        layout: Layout,
        form: FormState,
        live: bool,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let page = ResetPage { layout, form, live };
        html_with_status(status, page.render())
    }
}

#[get("/password/reset")]
pub(super) async fn reset_page(
    state: web::Data<AppState>,
    ctx: PageContext,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let token = q.into_inner().token;
    let check = token.clone();
    let live = state
        .run(move |db, now| recovery::reset_token_is_live(db, &check, now))
        .await??;
    let mut form = FormState::default();
    form.set("token", &token);
    let status = if live {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    let page = ResetPage {
        layout: ctx.layout,
        form,
        live,
    };
    html_with_status(status, page.render())
}

#[derive(Deserialize)]
pub(super) struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

#[post("/password/reset")]
pub(super) async fn reset(
    state: web::Data<AppState>,
    ctx: PageContext,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let ResetForm { token, password } = form.into_inner();
    let mut kept = FormState::default();
    kept.set("token", &token);
    let cost = state.settings.bcrypt_cost;
    let outcome = state
        .run(move |db, now| recovery::reset_password(db, &token, &password, cost, now))
        .await?;
    match outcome {
        Ok((user, epoch)) => {
            tracing::info!(user.id = %user, "password reset");
            session::sign_in(&state, &ctx.session, user, epoch).await?;
            session::set_flash(
                &ctx.session,
                "Your new password is set and you are logged in. Every other session was logged out.",
            );
            Ok(see_other("/account"))
        }
        Err(ResetError::Invalid(errors)) => {
            kept.errors = errors;
            ResetPage::again(ctx.layout, kept, true, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ResetError::DeadLink) => ResetPage::again(ctx.layout, kept, false, StatusCode::GONE),
        Err(ResetError::Account(e)) => Err(e.into()),
    }
}
