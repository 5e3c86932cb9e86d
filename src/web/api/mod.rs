//! The JSON API under `/api/v1` (API.md): the same services as the pages.

mod account_rights;
pub(crate) use account_rights::export_of;
pub mod accounts;
mod admin;
mod admin_bookings;
mod admin_events;
mod admin_organizers;
mod admin_venues;
mod admin_waiting_room;
mod bookings;
mod conditional;
pub mod doc;
mod events;
mod payments;
mod queue;
mod venues;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{HttpResponse, web};
use utoipa_actix_web::scope::Scope;

use crate::web::error::AppError;

/// A 422 naming one field and what is wrong with it.
pub(crate) fn invalid(field: &'static str, message: &str) -> AppError {
    AppError::Validation([(field, message.to_owned())].into_iter().collect())
}

/// `/api/v1`: every handler, its JSON limits, no NUL character in any input (`web::no_nul`),
/// `no-store` on private answers, a problem
/// document for an address that matches no route or whose id is not a number, and CORS when
/// `cors` is given (`web::cors`). A `utoipa_actix_web` scope: it only takes
/// handlers that carry `#[utoipa::path]`, and collects them into the OpenAPI document
/// ([`doc::document`]), which is built from this same function.
pub fn scope(
    cors: Option<actix_cors::Cors>,
) -> Scope<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    utoipa_actix_web::scope("/api/v1")
        .app_data(crate::web::json_config())
        // `/events/abc`: no such resource, said as every other 404 of the API is.
        .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .configure(accounts::routes)
        .configure(account_rights::routes)
        .configure(admin::routes)
        .configure(bookings::routes)
        .configure(events::routes)
        .configure(payments::routes)
        .configure(queue::routes)
        .configure(venues::routes)
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(AppError::NotFound)
        }))
        .wrap(actix_web::middleware::from_fn(crate::web::no_nul::refuse))
        .wrap(actix_web::middleware::from_fn(
            crate::web::headers::no_store_private_api,
        ))
        // Wrapped last, so outermost in the scope: a preflight is answered before anything
        // else runs, and every answer (errors and 304s included) carries the CORS headers.
        .wrap(actix_web::middleware::Condition::new(
            cors.is_some(),
            cors.unwrap_or_default(),
        ))
}
