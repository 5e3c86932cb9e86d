//! Email verification (`/account/verify`) and password reset (`/password/forgot`,
//! `/password/reset`). Asking for a reset answers the same whether or not the address has an
//! account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::{FormState, see_other, throttled};
use super::html_with_status;
use crate::domain::user_input::EmailAddress;
use crate::mail::templates::{LOGIN_LINK_VALID_FOR, RESET_VALID_FOR};
use crate::services::login_links;
use crate::services::recovery::{self, ResetError, Verification};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::rate_limit::{RetryAfter, client_ip};
use crate::web::session;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "accounts/verified.html")]
struct VerifiedPage {
    layout: Layout,
    outcome: &'static str,
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// Following the link in a welcome or verification email.
#[get("/account/verify")]
async fn verify(
    state: web::Data<AppState>,
    ctx: PageContext,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let token = q.into_inner().token;
    let outcome = state
        .run(move |db, now| recovery::verify_email(db, &token, now))
        .await??;
    let (status, outcome) = match outcome {
        Verification::Verified { user } => {
            tracing::info!(user.id = %user, "email verified");
            (StatusCode::OK, "verified")
        }
        Verification::AlreadyVerified { .. } => (StatusCode::OK, "already"),
        Verification::Invalid => (StatusCode::GONE, "invalid"),
    };
    let page = VerifiedPage {
        layout: ctx.layout,
        outcome,
    };
    html_with_status(status, page.render())
}

/// "Send the link again", from the account page.
#[post("/account/verify/resend")]
async fn resend_verification(
    state: web::Data<AppState>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    if let Err(wait) = state.limits.verification_resend(account.id.0) {
        session::set_flash(
            &ctx.session,
            &format!(
                "We sent a link a moment ago. Please check your inbox, or try again in {} seconds.",
                wait.0
            ),
        );
        return Ok(see_other("/account"));
    }
    let sent = state
        .run(move |db, now| recovery::resend_verification(db, account.id, now))
        .await??;
    let message = if sent {
        format!(
            "We sent a new confirmation link to {}. It works for 48 hours.",
            account.email
        )
    } else {
        "Your email address is already confirmed.".to_owned()
    };
    session::set_flash(&ctx.session, &message);
    Ok(see_other("/account"))
}

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
struct ForgotPage {
    layout: Layout,
    form: FormState,
    /// The address a link was sent to, if it has an account.
    sent_to: Option<String>,
    valid_for: &'static str,
}

#[get("/password/forgot")]
async fn forgot_page(ctx: PageContext) -> Result<HttpResponse, AppError> {
    let page = ForgotPage {
        layout: ctx.layout,
        form: FormState::default(),
        sent_to: None,
        valid_for: RESET_VALID_FOR,
    };
    html_with_status(StatusCode::OK, page.render())
}

#[derive(Deserialize)]
pub(super) struct ForgotForm {
    #[serde(default)]
    email: String,
}

#[post("/password/forgot")]
async fn forgot(
    state: web::Data<AppState>,
    ctx: PageContext,
    req: HttpRequest,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let mut page = ForgotPage {
        layout: ctx.layout,
        form: FormState::default(),
        sent_to: None,
        valid_for: RESET_VALID_FOR,
    };
    page.form.set("email", &form.email);
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(message) => {
            page.form.errors.insert("email", message.to_owned());
            return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page.render());
        }
    };
    if let Err(wait) = state
        .limits
        .password_reset(&client_ip(&req), email.as_str())
    {
        page.form.errors.insert("form", check_your_inbox(wait));
        return throttled(wait, page.render());
    }
    let address = email.as_str().to_owned();
    state
        .run(move |db, now| recovery::enqueue_reset(db, &address, now))
        .await??;
    page.sent_to = Some(email.as_str().to_owned());
    html_with_status(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
struct ResetPage {
    layout: Layout,
    form: FormState,
    live: bool,
}

#[get("/password/reset")]
async fn reset_page(
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
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

#[post("/password/reset")]
async fn reset(
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
            let page = ResetPage {
                layout: ctx.layout,
                form: kept,
                live: true,
            };
            html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page.render())
        }
        Err(ResetError::DeadLink) => {
            let page = ResetPage {
                layout: ctx.layout,
                form: kept,
                live: false,
            };
            html_with_status(StatusCode::GONE, page.render())
        }
        Err(ResetError::Account(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "accounts/login_link.html")]
struct LoginLinkPage {
    layout: Layout,
    form: FormState,
    /// The address a link was sent to, if it has an account.
    sent_to: Option<String>,
    valid_for: &'static str,
}

#[get("/login/link")]
async fn login_link_page(
    ctx: PageContext,
    q: web::Query<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let mut page = LoginLinkPage {
        layout: ctx.layout,
        form: FormState::default(),
        sent_to: None,
        valid_for: LOGIN_LINK_VALID_FOR,
    };
    page.form.set("email", &q.email);
    html_with_status(StatusCode::OK, page.render())
}

/// "Email me a sign-in link": answers the same whether or not the address has an account.
#[post("/login/link")]
async fn login_link_request(
    state: web::Data<AppState>,
    ctx: PageContext,
    req: HttpRequest,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let mut page = LoginLinkPage {
        layout: ctx.layout,
        form: FormState::default(),
        sent_to: None,
        valid_for: LOGIN_LINK_VALID_FOR,
    };
    page.form.set("email", &form.email);
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(message) => {
            page.form.errors.insert("email", message.to_owned());
            return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page.render());
        }
    };
    if let Err(wait) = state.limits.login_link(&client_ip(&req), email.as_str()) {
        page.form.errors.insert("form", check_your_inbox(wait));
        return throttled(wait, page.render());
    }
    let address = email.as_str().to_owned();
    state
        .run(move |db, now| login_links::enqueue_link(db, &address, now))
        .await??;
    page.sent_to = Some(email.as_str().to_owned());
    html_with_status(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "accounts/login_link_use.html")]
struct UseLoginLinkPage {
    layout: Layout,
    token: String,
    live: bool,
}

/// The link from the email: a button to sign in (a GET changes nothing, so mail scanners that
/// open links do not use it up).
#[get("/login/link/{token}")]
async fn login_link_confirm(
    state: web::Data<AppState>,
    ctx: PageContext,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let check = token.clone();
    let live = state
        .run(move |db, now| login_links::link_is_live(db, &check, now))
        .await??;
    let status = if live {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    let page = UseLoginLinkPage {
        layout: ctx.layout,
        token,
        live,
    };
    html_with_status(status, page.render())
}

/// Uses the link: signs in and remembers this browser as a known device of the account.
#[post("/login/link/{token}")]
async fn login_link_use(
    state: web::Data<AppState>,
    ctx: PageContext,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let used = token.clone();
    let account = state
        .run(move |db, now| login_links::use_link(db, &used, now))
        .await??;
    let Some(account) = account else {
        let page = UseLoginLinkPage {
            layout: ctx.layout,
            token,
            live: false,
        };
        return html_with_status(StatusCode::GONE, page.render());
    };
    tracing::info!(user.id = %account.id, "signed in with an emailed link");
    session::sign_in(&state, &ctx.session, account.id, account.session_epoch).await?;
    let mut response = see_other("/");
    crate::web::device::remember(
        &req,
        &mut response,
        &state.secret,
        super::accounts::https(&state),
        &account.email,
    );
    Ok(response)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login_link_page)
        .service(login_link_request)
        .service(login_link_confirm)
        .service(login_link_use)
        .service(verify)
        .service(resend_verification)
        .service(forgot_page)
        .service(forgot)
        .service(reset_page)
        .service(reset);
}

/// What an emailing form says when it is asked too often (a reset or a sign-in link).
fn check_your_inbox(wait: RetryAfter) -> String {
    format!(
        "Too many requests. Please check your inbox, or wait {} seconds and try again.",
        wait.0
    )
}
