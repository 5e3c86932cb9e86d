//! `POST /api/v1/register`, `/login`, `/logout` and `GET /api/v1/me` (API.md). Calls carry
//! `Authorization: Bearer <token>`; cookies play no part in the API.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use chrono::NaiveDateTime;

use crate::db::Db;
use crate::domain::ids::UserId;
use crate::domain::local_time::rfc3339_utc;
use crate::domain::user::Role;
use crate::services::accounts::{self, Account, Registration};
use crate::web::bearer::{BearerToken, api_user};
use crate::web::error::AppError;
use crate::web::rate_limit::{client_ip, count_login_failure};
use crate::web::state::AppState;

#[derive(Serialize)]
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

#[derive(Deserialize)]
struct RegisterBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

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

#[derive(Deserialize)]
struct LoginBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Serialize)]
struct LoginJson<'a> {
    token: &'a str,
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

#[post("/logout")]
async fn logout(state: Data<AppState>, token: BearerToken) -> Result<HttpResponse, AppError> {
    let (account, token) = api_user(&state, token).await?;
    state
        .run(move |db, now| accounts::revoke_token(db, &token, now))
        .await??;
    tracing::info!(user.id = %account.id, "API token revoked");
    Ok(HttpResponse::NoContent().finish())
}

#[get("/me")]
async fn me(state: Data<AppState>, token: BearerToken) -> Result<HttpResponse, AppError> {
    let (account, _) = api_user(&state, token).await?;
    Ok(HttpResponse::Ok().json(UserJson::from(&account)))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(logout)
        .service(me);
}
