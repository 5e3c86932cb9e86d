//! `GET /api/v1/me/export` and `DELETE /api/v1/me` (API.md, issue 22): the caller downloads
//! everything the app holds about them, or deletes their account. A bearer token is the proof.

use actix_web::{HttpResponse, delete, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::services::accounts::{self, AccountExport, DeleteError};
use crate::web::api::doc::problems;
use crate::web::bearer::{BearerToken, api_user};
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

impl From<DeleteError> for AppError {
    fn from(e: DeleteError) -> Self {
        match e {
            DeleteError::LastAdmin => AppError::Conflict(
                "You are the last platform admin: make another account an admin first.",
            ),
            DeleteError::Gone => AppError::NotFound,
            DeleteError::Account(e) => e.into(),
        }
    }
}

/// The caller's data, as the export page's attachment has it.
pub(crate) async fn export_of(
    state: &AppState,
    user: crate::domain::ids::UserId,
) -> Result<AccountExport, AppError> {
    state
        .read(move |c, now| Ok(accounts::export(c, user, now)?))
        .await?
        .ok_or(AppError::NotFound)
}

#[utoipa::path(
    operation_id = "exportMe",
    tag = "accounts",
    summary = "Everything the app holds about the caller",
    description = "The caller's profile; every booking with its lines, tickets, payments and \
        refunds; the emails sent or to be sent to them; their sessions, API tokens and emailed \
        links (never a secret); their places in waiting rooms; and the audit entries made by \
        them or about them. The same document as the account page's \"Download my data\".",
    responses(
        (status = 200, description = "The caller's data.", body = AccountExport),
        (status = 401, response = inline(problems::Unauthorized)),
    ),
    security(("bearer" = []))
)]
#[get("/me/export")]
async fn export_me(
    state: web::Data<AppState>,
    token: BearerToken,
) -> Result<HttpResponse, AppError> {
    let (account, _) = api_user(&state, token).await?;
    let export = export_of(&state, account.id).await?;
    tracing::info!(user.id = %account.id, "account data exported through the API");
    Ok(HttpResponse::Ok().json(export))
}

#[utoipa::path(
    operation_id = "deleteMe",
    tag = "accounts",
    summary = "Delete the caller's account",
    description = "Erases or anonymises the caller's personal data; their pending bookings are \
        cancelled (the seats go back on sale); bookings, tickets and payments are kept for the \
        accounts with the buyer anonymised; every session and token ends. The address may \
        register again as a new account.",
    responses(
        (status = 204, description = "The account is deleted."),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 409, description = "The caller is the last platform admin.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/me")]
async fn delete_me(
    state: web::Data<AppState>,
    token: BearerToken,
) -> Result<HttpResponse, AppError> {
    let (account, _) = api_user(&state, token).await?;
    let (live, providers, id) = (state.live.clone(), state.providers.clone(), account.id);
    let deleted = state
        .run(move |db, now| accounts::delete_account(db, &live, &providers, id, None, now))
        .await??;
    let email = account.email.clone();
    state.limit(move |l| l.forget_account(&email)).await?;
    tracing::info!(
        user.id = %account.id,
        bookings.cancelled = deleted.cancelled.len(),
        "account deleted through the API"
    );
    Ok(HttpResponse::NoContent().finish())
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export_me).service(delete_me);
}
