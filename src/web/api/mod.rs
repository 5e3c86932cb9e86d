//! The JSON API under `/api/v1` (API.md): the same services as the pages.

pub mod accounts;
mod admin;
mod bookings;
mod events;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(64 * 1024)
            .error_handler(|err, _| {
                let errors = [("body", format!("The JSON body could not be read: {err}"))]
                    .into_iter()
                    .collect();
                crate::web::error::AppError::Validation(errors).into()
            }),
    )
    .configure(accounts::routes)
    .configure(admin::routes)
    .configure(bookings::routes)
    .configure(events::routes);
}
