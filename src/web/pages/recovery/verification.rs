//! Email verification: the link from the email, and asking for it again.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::services::recovery::{self, Verification};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::accounts::see_other;
use crate::web::pages::html_with_status;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "accounts/verified.html")]
pub(super) struct VerifiedPage {
    layout: Layout,
    outcome: &'static str,
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    pub(super) token: String,
}

/// Following the link in a welcome or verification email.
#[get("/account/verify")]
pub(super) async fn verify(
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
pub(super) async fn resend_verification(
    state: web::Data<AppState>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    let user = account.id.0;
    if let Err(wait) = state.limit(move |l| l.verification_resend(user)).await? {
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
