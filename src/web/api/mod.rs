//! The JSON API under `/api/v1` (API.md): the same services as the pages.

pub mod accounts;
mod admin;
mod admin_bookings;
mod admin_events;
mod admin_venues;
mod admin_waiting_room;
mod bookings;
mod conditional;
pub mod doc;
mod events;
mod payments;
mod queue;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{HttpResponse, web};
use utoipa_actix_web::scope::Scope;

use crate::web::error::AppError;

/// A 422 naming one field and what is wrong with it.
pub(crate) fn invalid(field: &'static str, message: &str) -> AppError {
    AppError::Validation([(field, message.to_owned())].into_iter().collect())
}

/// `/api/v1`: every handler, its JSON limits, `no-store` on private answers, and a problem
/// document for an address that matches no route. A `utoipa_actix_web` scope: it only takes
/// handlers that carry `#[utoipa::path]`, and collects them into the OpenAPI document
/// ([`doc::document`]), which is built from this same function.
pub fn scope() -> Scope<
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
        .configure(accounts::routes)
        .configure(admin::routes)
        .configure(bookings::routes)
        .configure(events::routes)
        .configure(payments::routes)
        .configure(queue::routes)
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(AppError::NotFound)
        }))
        .wrap(actix_web::middleware::from_fn(
            crate::web::headers::no_store_private_api,
        ))
}
