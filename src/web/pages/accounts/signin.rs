//! `/login` and `/logout`: signing in with a password (throttled) and out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::{FormState, NextQuery, see_other, throttled, too_many, with_next};
use crate::services::accounts::{self, AccountError};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html_with_status;
use crate::web::rate_limit::{LoginRefused, client_ip};
use crate::web::state::AppState;
use crate::web::{device, session};

#[derive(Template)]
#[template(path = "accounts/login.html")]
pub(super) struct LoginPage {
    layout: Layout,
    form: FormState,
    /// The account is under attack: offer an emailed sign-in link.
    offer_link: bool,
}

#[get("/login")]
pub(super) async fn login_page(
    ctx: PageContext,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let page = LoginPage {
        layout: ctx.layout,
        form: with_next(q.next.as_deref()),
        offer_link: false,
    };
    html_with_status(StatusCode::OK, page.render())
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[post("/login")]
pub(super) async fn login(
    state: web::Data<AppState>,
    ctx: PageContext,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut kept = with_next(form.next.as_deref());
    kept.values.insert("email", form.email.clone());
    let secure = https(&state);
    let known = device::known(&req, &state.secret, secure, &form.email);
    match state
        .limits
        .login(&client_ip(&req), &form.email, known.as_deref())
    {
        Ok(pause) if pause.is_zero() => {}
        // An account under attack: a pause for unknown devices instead of a refusal.
        Ok(pause) => actix_web::rt::time::sleep(pause).await,
        Err(refused) => {
            let offer_link = matches!(refused, LoginRefused::Locked(_));
            let message = if offer_link {
                "This account has had too many wrong passwords from elsewhere, so for now only \
                 browsers it signed in from before are let in with a password. We can email you \
                 a one-time sign-in link instead."
                    .to_owned()
            } else {
                too_many(refused.retry_after())
            };
            kept.errors.insert("form", message);
            let page = LoginPage {
                layout: ctx.layout,
                form: kept,
                offer_link,
            };
            return throttled(refused.retry_after(), page.render());
        }
    }
    let dummy = state.dummy_hash.clone();
    let (email, password) = (form.email.clone(), form.password);
    let outcome = state
        .run(move |db, now| accounts::authenticate(db, &email, &password, &dummy, now))
        .await?;
    match outcome {
        Ok(account) => {
            tracing::info!(user.id = %account.id, "signed in");
            session::sign_in(&state, &ctx.session, account.id, account.session_epoch).await?;
            let mut response = see_other(kept.value("next"));
            device::remember(&req, &mut response, &state.secret, secure, &account.email);
            Ok(response)
        }
        Err(AccountError::WrongCredentials) => {
            state
                .limits
                .login_failed(&client_ip(&req), &form.email, known.as_deref());
            kept.errors
                .insert("form", "Wrong email or password.".to_owned());
            let page = LoginPage {
                layout: ctx.layout,
                form: kept,
                offer_link: false,
            };
            html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page.render())
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the site is served over https (secure cookies, `__Host-` names).
pub(in crate::web::pages) fn https(state: &AppState) -> bool {
    state.settings.base_url.scheme() == "https"
}

#[post("/logout")]
pub(super) async fn logout(
    state: web::Data<AppState>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    session::sign_out(&state, &ctx.session).await?;
    Ok(see_other("/"))
}
