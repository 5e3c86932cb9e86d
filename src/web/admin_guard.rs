//! The one guard in front of everything under `/admin` and `/api/v1/admin` (issue 22): pages
//! send a signed-out visitor to log in, the API answers 401 without a live bearer token; then
//! the route's policy (src/web/access/policy.rs) decides, from the caller's teams: another
//! organizer's target is a 404, a missing right a 403, an account of no team a 403, a route
//! without a policy a 403 (deny by default). The member of staff is left in the request for
//! the handlers ([`Staff`]).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{HttpMessage, ResponseError};

use crate::db::{DbError, organizers};
use crate::domain::access::{Denied, Permissions};
use crate::domain::user::Role;
use crate::services::accounts::Account;
use crate::web::access::policy::{self, On, Policy};
use crate::web::access::{Staff, StaffNav, refusal};
use crate::web::auth::PageContext;
use crate::web::bearer::{BearerToken, api_user};
use crate::web::error::AppError;
use crate::web::state::AppState;

pub async fn pages(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let account = match req.extract::<PageContext>().await {
        Ok(ctx) => ctx.require_user(),
        Err(e) => Err(e),
    };
    let verdict = match account {
        Ok(account) => decide(&req, account).await,
        Err(e) => Err(e),
    };
    pass_or_refuse(req, next, verdict).await
}

pub async fn api(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let token = req.extract::<BearerToken>().await?;
    let account = match req.app_data::<Data<AppState>>().cloned() {
        Some(state) => api_user(&state, token).await.map(|(account, _)| account),
        None => Err(AppError::internal("application state missing")),
    };
    let verdict = match account {
        Ok(account) => decide(&req, account).await,
        Err(e) => Err(e),
    };
    pass_or_refuse(req, next, verdict).await
}

/// Loads the caller's teams and the target's organizer (one read), then applies the policy.
async fn decide(req: &ServiceRequest, account: Account) -> Result<Staff, AppError> {
    let state = req
        .app_data::<Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("application state missing"))?;
    let pattern = req.match_pattern().unwrap_or_default();
    let Some(policy) = policy::lookup(req.method(), &pattern) else {
        tracing::error!(route = %pattern, method = %req.method(), "admin route without a policy refused");
        return Err(AppError::Forbidden);
    };
    let target = policy::target(policy.on, &pattern, req.path());
    let needs_target = !matches!(policy.on, On::Anywhere | On::AnyStaff);
    if needs_target && target.is_none() {
        return Err(AppError::NotFound);
    }
    let user = account.id;
    let (memberships, organizer, names) = state
        .read(move |c, _| {
            let memberships = organizers::memberships(c, user).map_err(DbError::from)?;
            let organizer = match &target {
                Some(t) => Some(organizers::organizer_of(c, t).map_err(DbError::from)?),
                None => None,
            };
            let names = organizers::names(c, &memberships).map_err(DbError::from)?;
            Ok((memberships, organizer, names))
        })
        .await?;
    let permissions = Permissions {
        user,
        platform_admin: account.role == Role::Admin,
        memberships,
    };
    if !permissions.is_staff() {
        return Err(AppError::Forbidden);
    }
    check(&permissions, policy, organizer)?;
    // The page's layout (built before the guard decided) learns which tabs to show.
    if let Some(ctx) = req.extensions_mut().get_mut::<PageContext>() {
        ctx.layout.staff = Some(StaffNav::of(&permissions, &names));
    }
    Ok(Staff {
        account,
        permissions,
    })
}

/// The policy's verdict; `organizer` is `Some(None)` for a target that does not exist.
fn check(
    permissions: &Permissions,
    policy: Policy,
    organizer: Option<Option<crate::domain::ids::OrganizerId>>,
) -> Result<(), AppError> {
    let refuse = |denied: Denied, role| refusal(denied, policy.right, role);
    match (policy.on, organizer) {
        (On::AnyStaff, _) => Ok(()),
        (On::Anywhere, _) => permissions
            .may_somewhere(policy.right)
            .map_err(|d| refuse(d, None)),
        (_, Some(Some(organizer))) => permissions
            .may(policy.right, organizer)
            .map_err(|d| refuse(d, permissions.role_in(organizer))),
        (_, _) => Err(AppError::NotFound),
    }
}

async fn pass_or_refuse(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    verdict: Result<Staff, AppError>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match verdict {
        Ok(staff) => {
            req.extensions_mut().insert(staff);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(e) => {
            if matches!(e, AppError::Forbidden | AppError::ForbiddenBecause(_)) {
                tracing::warn!(path = req.path(), "refused on an admin route");
            }
            Ok(req.into_response(e.error_response()).map_into_right_body())
        }
    }
}
