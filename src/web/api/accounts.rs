//! `POST /api/v1/register`, `/login`, `/logout` and `GET /api/v1/me` (API.md). Calls carry
//! `Authorization: Bearer <token>`; cookies play no part in the API.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use chrono::NaiveDateTime;

use crate::db::Db;
use crate::domain::ids::UserId;
use crate::domain::local_time::rfc3339_utc;
use crate::domain::user::Role;
use crate::services::accounts::{self, Account, Registration};
use crate::web::api::doc::problems;
use crate::web::bearer::{BearerToken, api_user};
use crate::web::error::{AppError, Problem};
use crate::web::rate_limit::{client_ip, count_login_failure};
use crate::web::state::AppState;

/// An account.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = User)]
struct UserJson<'a> {
    id: UserId,
    name: &'a str,
    email: &'a str,
    role: Role,
}

impl<'a> From<&'a Account> for UserJson<'a> {
    fn from(a: &'a Account) -> Self {
        UserJson {
            id: a.id,
            name: &a.name,
            email: &a.email,
            role: a.role,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = Registration)]
struct RegisterBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[utoipa::path(
    operation_id = "register",
    tag = "accounts",
    summary = "Create an account",
    request_body = RegisterBody,
    responses(
        (status = 201, description = "The new account.", body = UserJson),
        (status = 409, description = "That email address already has an account.", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
        (status = 429, response = inline(problems::TooManyRequests)),
    )
)]
#[post("/register")]
async fn register(
    state: Data<AppState>,
    req: HttpRequest,
    body: web::Json<RegisterBody>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req);
    state.limit(move |l| l.register(&ip)).await??;
    let registration = Registration::parse(&body.name, &body.email, &body.password)
        .map_err(AppError::Validation)?;
    let cost = state.settings.bcrypt_cost;
    let account = state
        .run(move |db, now| accounts::register(db, &registration, cost, now))
        .await??;
    tracing::info!(user.id = %account.id, "account registered through the API");
    Ok(HttpResponse::Created().json(UserJson::from(&account)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = Credentials)]
struct LoginBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// A bearer token and the account it is for.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Login)]
struct LoginJson<'a> {
    /// Send it as `Authorization: Bearer <token>`.
    token: &'a str,
    /// RFC 3339, UTC.
    expires_at: String,
    user: UserJson<'a>,
}

/// The account the email and password name, and a new token for it.
fn token_for(
    db: &Db,
    body: &LoginBody,
    dummy: &str,
    now: NaiveDateTime,
) -> Result<(accounts::Account, accounts::IssuedToken), accounts::AccountError> {
    let account = accounts::authenticate(db, &body.email, &body.password, dummy, now)?;
    let issued = accounts::issue_token(db, &account, now)?;
    Ok((account, issued))
}

#[utoipa::path(
    operation_id = "login",
    tag = "accounts",
    summary = "Log in: a bearer token",
    request_body = LoginBody,
    responses(
        (status = 200, description = "A new token.", body = LoginJson),
        (status = 401, description = "Wrong email or password.", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
        (status = 429, response = inline(problems::TooManyRequests)),
    )
)]
#[post("/login")]
async fn login(
    state: Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    // API clients are not browsers: no known-device cookie, the address limits apply.
    let (ip, email) = (client_ip(&req), body.email.clone());
    let pause = state
        .limit(move |l| l.login(&ip, &email, None))
        .await?
        .map_err(|refused| AppError::from(refused.retry_after()))?;
    if !pause.is_zero() {
        actix_web::rt::time::sleep(pause).await;
    }
    let (dummy, email) = (state.dummy_hash.clone(), body.email.clone());
    let outcome = state
        .run(move |db, now| token_for(db, &body, &dummy, now))
        .await?;
    if let Err(accounts::AccountError::WrongCredentials) = &outcome {
        count_login_failure(&state, client_ip(&req), email, None).await?;
    }
    let (account, issued) = outcome?;
    tracing::info!(user.id = %account.id, "API token issued");
    Ok(HttpResponse::Ok().json(LoginJson {
        token: &issued.token,
        expires_at: rfc3339_utc(issued.expires_at),
        user: UserJson::from(&account),
    }))
}

#[utoipa::path(
    operation_id = "logout",
    tag = "accounts",
    summary = "Log out: revoke the token",
    responses(
        (status = 204, description = "The token is revoked."),
        (status = 401, response = inline(problems::Unauthorized)),
    ),
    security(("bearer" = []))
)]
#[post("/logout")]
async fn logout(state: Data<AppState>, token: BearerToken) -> Result<HttpResponse, AppError> {
    let (account, token) = api_user(&state, token).await?;
    state
        .run(move |db, now| accounts::revoke_token(db, &token, now))
        .await??;
    tracing::info!(user.id = %account.id, "API token revoked");
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    operation_id = "getMe",
    tag = "accounts",
    summary = "The caller's account",
    responses(
        (status = 200, description = "The account behind the token.", body = UserJson),
        (status = 401, response = inline(problems::Unauthorized)),
    ),
    security(("bearer" = []))
)]
#[get("/me")]
async fn me(state: Data<AppState>, token: BearerToken) -> Result<HttpResponse, AppError> {
    let (account, _) = api_user(&state, token).await?;
    Ok(HttpResponse::Ok().json(UserJson::from(&account)))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(logout)
        .service(me);
}
