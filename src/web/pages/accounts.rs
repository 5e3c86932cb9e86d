//! `/register`, `/login`, `POST /logout` (API.md form fields).

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::html_with_status;
use crate::domain::catalogue::FieldErrors;
use crate::domain::redirect::safe_next;
use crate::services::accounts::{self, AccountError, Registered, Registration};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::rate_limit::{LoginRefused, RetryAfter, client_ip};
use crate::web::state::AppState;
use crate::web::{device, session};

/// A form's submitted values (never the password) and its messages.
#[derive(Debug, Default)]
pub struct FormState {
    values: BTreeMap<&'static str, String>,
    pub errors: FieldErrors,
}

impl FormState {
    pub fn set(&mut self, field: &'static str, value: &str) {
        self.values.insert(field, value.to_owned());
    }

    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

#[derive(Template)]
#[template(path = "accounts/register.html")]
struct RegisterPage {
    layout: Layout,
    form: FormState,
    /// After registering: the address the confirmation went to ("check your inbox").
    sent_to: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    layout: Layout,
    form: FormState,
    /// The account is under attack: offer an emailed sign-in link.
    offer_link: bool,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn with_next(next: Option<&str>) -> FormState {
    let mut form = FormState::default();
    if let Some(next) = next.and_then(safe_next) {
        form.values.insert("next", next);
    }
    form
}

#[get("/register")]
async fn register_page(
    ctx: PageContext,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let page = RegisterPage {
        layout: ctx.layout,
        form: with_next(q.next.as_deref()),
        sent_to: None,
    };
    html_with_status(StatusCode::OK, page.render())
}

#[derive(Deserialize)]
struct RegisterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Where the "check your inbox" page finds the address a registration just used (in the
/// session's encrypted cookie, so it is in no URL and no log).
const REGISTERED_AS: &str = "registered_as";

/// After registering (303 from `POST /register`): "check your inbox", the same page for a new
/// address and for one that already had an account. Reached without a registration, the form.
#[get("/register/sent")]
async fn register_sent(
    ctx: PageContext,
    session: Session,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let Some(address) = session.get::<String>(REGISTERED_AS).ok().flatten() else {
        return Ok(see_other("/register"));
    };
    let page = RegisterPage {
        layout: ctx.layout,
        form: with_next(q.next.as_deref()),
        sent_to: Some(address),
    };
    html_with_status(StatusCode::OK, page.render())
}

#[post("/register")]
async fn register(
    state: web::Data<AppState>,
    ctx: PageContext,
    session: Session,
    req: HttpRequest,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut kept = with_next(form.next.as_deref());
    kept.values.insert("name", form.name.clone());
    kept.values.insert("email", form.email.clone());
    if let Err(wait) = state.limits.register(&client_ip(&req)) {
        kept.errors.insert("form", too_many(wait));
        let page = RegisterPage {
            layout: ctx.layout,
            form: kept,
            sent_to: None,
        };
        return throttled(wait, page.render());
    }
    let registration = match Registration::parse(&form.name, &form.email, &form.password) {
        Ok(r) => r,
        Err(errors) => {
            kept.errors = errors;
            let page = RegisterPage {
                layout: ctx.layout,
                form: kept,
                sent_to: None,
            };
            return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page.render());
        }
    };
    let cost = state.settings.bcrypt_cost;
    let address = registration.email.as_str().to_owned();
    let outcome = state
        .run(move |db, now| accounts::register_or_notify(db, &registration, cost, now))
        .await??;
    // The same answer whether the address was new or already had an account (whose owner was
    // emailed instead): nobody learns from it which addresses have accounts. The new account
    // signs in with its password.
    match outcome {
        Registered::Created(account) => {
            tracing::info!(user.id = %account.id, "account registered");
        }
        Registered::AlreadyHadAccount => {
            tracing::info!("registration with an address that has an account");
        }
    }
    let _ = session.insert(REGISTERED_AS, &address);
    let sent = match form.next.as_deref().and_then(safe_next) {
        Some(next) => format!(
            "/register/sent?{}",
            serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
        ),
        None => "/register/sent".to_owned(),
    };
    Ok(see_other(&sent))
}

#[get("/login")]
async fn login_page(ctx: PageContext, q: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    let page = LoginPage {
        layout: ctx.layout,
        form: with_next(q.next.as_deref()),
        offer_link: false,
    };
    html_with_status(StatusCode::OK, page.render())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[post("/login")]
async fn login(
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
pub(super) fn https(state: &AppState) -> bool {
    state.settings.base_url.scheme() == "https"
}

#[post("/logout")]
async fn logout(state: web::Data<AppState>, ctx: PageContext) -> Result<HttpResponse, AppError> {
    session::sign_out(&state, &ctx.session).await?;
    Ok(see_other("/"))
}

fn too_many(wait: RetryAfter) -> String {
    format!(
        "Too many attempts. Please wait {} seconds and try again.",
        wait.0
    )
}

/// The form again, with 429 and `Retry-After`.
pub(super) fn throttled(
    wait: RetryAfter,
    rendered: askama::Result<String>,
) -> Result<HttpResponse, AppError> {
    let mut response = html_with_status(StatusCode::TOO_MANY_REQUESTS, rendered)?;
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(wait.0),
    );
    Ok(response)
}

/// 303 to a same-site path (already checked), or home.
pub fn see_other(next: &str) -> HttpResponse {
    let target = if next.is_empty() { "/" } else { next };
    HttpResponse::SeeOther()
        .insert_header((LOCATION, target))
        .finish()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(register_page)
        .service(register_sent)
        .service(register)
        .service(login_page)
        .service(login)
        .service(logout);
}
