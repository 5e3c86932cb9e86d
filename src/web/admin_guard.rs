//! The one guard in front of everything under `/admin` and `/api/v1/admin`: pages send a
//! signed-out visitor to log in and answer a signed-in non-admin with 403; the API answers 401
//! without a live bearer token and 403 for a non-admin. The admin's account is left in the
//! request for the handlers.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{HttpMessage, ResponseError};

use crate::domain::user::Role;
use crate::services::accounts::Account;
use crate::web::auth::PageContext;
use crate::web::bearer::{BearerToken, api_user};
use crate::web::error::AppError;
use crate::web::state::AppState;

/// The signed-in admin, for handlers behind the guard.
#[derive(Debug, Clone)]
pub struct Admin(pub Account);

pub async fn pages(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let verdict = match req.extract::<PageContext>().await {
        Ok(ctx) => ctx.require_user().and_then(admin_only),
        Err(e) => Err(e),
    };
    pass_or_refuse(req, next, verdict).await
}

pub async fn api(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let token = req.extract::<BearerToken>().await?;
    let verdict = match req.app_data::<Data<AppState>>().cloned() {
        Some(state) => api_user(&state, token)
            .await
            .map(|(account, _)| account)
            .and_then(admin_only),
        None => Err(AppError::internal("application state missing")),
    };
    pass_or_refuse(req, next, verdict).await
}

fn admin_only(account: Account) -> Result<Account, AppError> {
    if account.role == Role::Admin {
        Ok(account)
    } else {
        Err(AppError::Forbidden)
    }
}

async fn pass_or_refuse(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    verdict: Result<Account, AppError>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match verdict {
        Ok(account) => {
            req.extensions_mut().insert(Admin(account));
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(e) => {
            if matches!(e, AppError::Forbidden) {
                tracing::warn!(path = req.path(), "non-admin refused on an admin route");
            }
            Ok(req.into_response(e.error_response()).map_into_right_body())
        }
    }
}

impl actix_web::FromRequest for Admin {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<Admin>()
                .cloned()
                .ok_or(AppError::Forbidden),
        )
    }
}
