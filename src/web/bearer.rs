//! Who is calling the JSON API: the `Authorization: Bearer` token and the account behind it
//! (used by `/api/v1` handlers and by the admin guard in front of `/api/v1/admin`).

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};

use crate::services::accounts::{self, Account};
use crate::web::error::AppError;
use crate::web::state::AppState;

/// The `Authorization: Bearer` token of a request, if it has one.
pub struct BearerToken(pub Option<String>);

impl FromRequest for BearerToken {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty() && t.len() <= 200);
        ready(Ok(BearerToken(token)))
    }
}

/// The account behind a live bearer token, or 401.
pub async fn api_user(state: &AppState, token: BearerToken) -> Result<(Account, String), AppError> {
    let token = token.0.ok_or(AppError::Unauthorized(
        "Send Authorization: Bearer <token>.",
    ))?;
    let lookup = token.clone();
    let account = state
        .read(move |conn, now| Ok(accounts::account_for_token(conn, &lookup, now)?))
        .await?
        .ok_or(AppError::Unauthorized(
            "The token is unknown, expired or revoked.",
        ))?;
    Ok((account, token))
}
