//! The JSON API under `/api/v1` (API.md): the same services as the pages.

pub mod accounts;
mod admin;
mod admin_bookings;
mod admin_events;
mod admin_venues;
mod admin_waiting_room;
mod bookings;
mod conditional;
mod events;
mod payments;
mod queue;

use actix_web::web;

use crate::web::error::AppError;

/// A 422 naming one field and what is wrong with it.
pub(crate) fn invalid(field: &'static str, message: &str) -> AppError {
    AppError::Validation([(field, message.to_owned())].into_iter().collect())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(crate::web::json_config())
        .configure(accounts::routes)
        .configure(admin::routes)
        .configure(bookings::routes)
        .configure(events::routes)
        .configure(payments::routes)
        .configure(queue::routes);
}
