//! `/login` and `/logout`: signing in with a password (throttled) and out.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::{FormState, NextQuery, see_other, throttled, too_many, with_next};
use crate::services::accounts::{self, Account, AccountError};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html_with_status;
use crate::web::rate_limit::{LoginRefused, client_ip, count_login_failure};
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

impl LoginPage {
    /// The form again when the limits refuse a try: 429 with `Retry-After`, and for an account
    /// under attack the offer of an emailed link.
    fn refused(
        layout: Layout,
        mut kept: FormState,
        refused: LoginRefused,
    ) -> Result<HttpResponse, AppError> {
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
            layout,
            form: kept,
            offer_link,
        };
        throttled(refused.retry_after(), page.render())
    }

    /// The form again after a wrong email or password: 422.
    fn wrong_credentials(layout: Layout, mut kept: FormState) -> Result<HttpResponse, AppError> {
        kept.errors
            .insert("form", "Wrong email or password.".to_owned());
        let page = LoginPage {
            layout,
            form: kept,
            offer_link: false,
        };
        html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page.render())
    }
}

impl LoginForm {
    /// What the form shows again: the address and where the visitor was going.
    fn kept(&self) -> FormState {
        let mut kept = with_next(self.next.as_deref());
        kept.values.insert("email", self.email.clone());
        kept
    }
}

#[post("/login")]
pub(super) async fn login(
    state: web::Data<AppState>,
    ctx: PageContext,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let kept = form.kept();
    let known = device::known(&req, &state.secret, https(&state), &form.email);
    let ip = client_ip(&req);
    if let Err(refused) = pace(&state, &ip, &form.email, known.as_deref()).await? {
        return LoginPage::refused(ctx.layout, kept, refused);
    }
    let dummy = state.dummy_hash.clone();
    let (email, password) = (form.email.clone(), form.password);
    let outcome = state
        .run(move |db, now| accounts::authenticate(db, &email, &password, &dummy, now))
        .await?;
    match outcome {
        Ok(account) => {
            tracing::info!(user.id = %account.id, "signed in");
            start_session(&state, &ctx.session, &req, &account, kept.value("next")).await
        }
        Err(AccountError::WrongCredentials) => {
            count_login_failure(&state, ip, form.email.clone(), known).await?;
            LoginPage::wrong_credentials(ctx.layout, kept)
        }
        Err(e) => Err(e.into()),
    }
}

/// The login limits for this try: refused, let through at once, or (an account under attack)
/// let through after a pause for unknown devices instead of a refusal.
async fn pace(
    state: &AppState,
    ip: &str,
    email: &str,
    known: Option<&str>,
) -> Result<Result<(), LoginRefused>, AppError> {
    let (ip, email, known) = (ip.to_owned(), email.to_owned(), known.map(str::to_owned));
    match state
        .limit(move |l| l.login(&ip, &email, known.as_deref()))
        .await?
    {
        Ok(pause) if pause.is_zero() => {}
        Ok(pause) => actix_web::rt::time::sleep(pause).await,
        Err(refused) => return Ok(Err(refused)),
    }
    Ok(Ok(()))
}

/// Signed in (a right password, or an emailed link): the session, then 303 to `next`, and this
/// browser remembered as one the account signed in from.
pub(in crate::web::pages) async fn start_session(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    account: &Account,
    next: &str,
) -> Result<HttpResponse, AppError> {
    session::sign_in(state, session, account.id, account.session_epoch).await?;
    let mut response = see_other(next);
    device::remember(
        req,
        &mut response,
        &state.secret,
        https(state),
        &account.email,
    );
    Ok(response)
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
