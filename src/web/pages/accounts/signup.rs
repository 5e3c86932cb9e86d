//! `/register`: the registration form, its submission and the 'check your inbox' page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::{FormState, NextQuery, see_other, throttled, too_many, with_next};
use crate::domain::catalogue::FieldErrors;
use crate::domain::redirect::safe_next;
use crate::services::accounts::{self, Registered, Registration};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html_with_status;
use crate::web::rate_limit::client_ip;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "accounts/register.html")]
pub(super) struct RegisterPage {
    layout: Layout,
    form: FormState,
    /// After registering: the address the confirmation went to ("check your inbox").
    sent_to: Option<String>,
}

#[get("/register")]
pub(super) async fn register_page(
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
pub(super) struct RegisterForm {
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
pub(super) const REGISTERED_AS: &str = "registered_as";

/// After registering (303 from `POST /register`): "check your inbox", the same page for a new
/// address and for one that already had an account. Reached without a registration, the form.
#[get("/register/sent")]
pub(super) async fn register_sent(
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

impl RegisterPage {
    /// The form again, with what was sent and its messages.
    fn again(layout: Layout, form: FormState) -> Self {
        RegisterPage {
            layout,
            form,
            sent_to: None,
        }
    }

    /// The form again with what is wrong in it: 422.
    fn invalid(
        layout: Layout,
        mut form: FormState,
        errors: FieldErrors,
    ) -> Result<HttpResponse, AppError> {
        form.errors = errors;
        let page = RegisterPage::again(layout, form);
        html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page.render())
    }
}

#[post("/register")]
pub(super) async fn register(
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
    let ip = client_ip(&req);
    if let Err(wait) = state.limit(move |l| l.register(&ip)).await? {
        kept.errors.insert("form", too_many(wait));
        return throttled(wait, RegisterPage::again(ctx.layout, kept).render());
    }
    let registration = match Registration::parse(&form.name, &form.email, &form.password) {
        Ok(r) => r,
        Err(errors) => return RegisterPage::invalid(ctx.layout, kept, errors),
    };
    let cost = state.settings.bcrypt_cost;
    let address = registration.email.as_str().to_owned();
    let outcome = state
        .run(move |db, now| accounts::register_or_notify(db, &registration, cost, now))
        .await??;
    log_outcome(&outcome);
    let _ = session.insert(REGISTERED_AS, &address);
    Ok(see_other(&sent_page(form.next.as_deref())))
}

/// The same answer whether the address was new or already had an account (whose owner was
/// emailed instead): nobody learns from it which addresses have accounts. The new account
/// signs in with its password.
fn log_outcome(outcome: &Registered) {
    match outcome {
        Registered::Created(account) => {
            tracing::info!(user.id = %account.id, "account registered");
        }
        Registered::AlreadyHadAccount => {
            tracing::info!("registration with an address that has an account");
        }
    }
}

/// "Check your inbox", keeping where the visitor was going.
fn sent_page(next: Option<&str>) -> String {
    match next.and_then(safe_next) {
        Some(next) => format!(
            "/register/sent?{}",
            serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
        ),
        None => "/register/sent".to_owned(),
    }
}
