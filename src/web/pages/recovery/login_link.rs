//! One-time sign-in links by email: asking for one, confirming, using it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use super::check_your_inbox;
use super::password::ForgotForm;
use crate::domain::user_input::EmailAddress;
use crate::mail::templates::LOGIN_LINK_VALID_FOR;
use crate::services::login_links;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::accounts::{FormState, start_session, throttled};
use crate::web::pages::html_with_status;
use crate::web::rate_limit::client_ip;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "accounts/login_link.html")]
pub(super) struct LoginLinkPage {
    layout: Layout,
    form: FormState,
    /// The address a link was sent to, if it has an account.
    sent_to: Option<String>,
    valid_for: &'static str,
}

impl LoginLinkPage {
    /// The form with the address as typed.
    fn new(layout: Layout, email: &str) -> Self {
        let mut form = FormState::default();
        form.set("email", email);
        LoginLinkPage {
            layout,
            form,
            sent_to: None,
            valid_for: LOGIN_LINK_VALID_FOR,
        }
    }
}

#[get("/login/link")]
pub(super) async fn login_link_page(
    ctx: PageContext,
    q: web::Query<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let page = LoginLinkPage::new(ctx.layout, &q.email);
    html_with_status(StatusCode::OK, page.render())
}

/// "Email me a sign-in link": answers the same whether or not the address has an account.
#[post("/login/link")]
pub(super) async fn login_link_request(
    state: web::Data<AppState>,
    ctx: PageContext,
    req: HttpRequest,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let mut page = LoginLinkPage::new(ctx.layout, &form.email);
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(message) => {
            page.form.errors.insert("email", message.to_owned());
            return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page.render());
        }
    };
    let (ip, address) = (client_ip(&req), email.as_str().to_owned());
    let asked = address.clone();
    if let Err(wait) = state.limit(move |l| l.login_link(&ip, &asked)).await? {
        page.form.errors.insert("form", check_your_inbox(wait));
        return throttled(wait, page.render());
    }
    state
        .run(move |db, now| login_links::enqueue_link(db, &address, now))
        .await??;
    page.sent_to = Some(email.as_str().to_owned());
    html_with_status(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "accounts/login_link_use.html")]
pub(super) struct UseLoginLinkPage {
    layout: Layout,
    token: String,
    live: bool,
}

/// The link from the email: a button to sign in (a GET changes nothing, so mail scanners that
/// open links do not use it up).
#[get("/login/link/{token}")]
pub(super) async fn login_link_confirm(
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
pub(super) async fn login_link_use(
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
    start_session(&state, &ctx.session, &req, &account, "/").await
}
