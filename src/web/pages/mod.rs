//! Server-rendered pages.

mod account;
mod accounts;
mod admin;
mod admin_bookings;
mod admin_event;
mod admin_events;
mod admin_organizers;
mod admin_venues;
mod bookings;
mod events;
mod home;
mod invitations;
mod queue;
mod recovery;
pub mod seatmap;
mod venues;
pub mod view;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(home::routes)
        .configure(events::routes)
        .configure(venues::routes)
        .configure(accounts::routes)
        .configure(account::routes)
        .configure(recovery::routes)
        .configure(seatmap::routes)
        .configure(queue::routes)
        .configure(bookings::routes)
        .configure(invitations::routes)
        .configure(admin::routes);
}

/// A rendered template as a 200 page.
pub(crate) fn html(
    rendered: askama::Result<String>,
) -> Result<actix_web::HttpResponse, crate::web::error::AppError> {
    html_with_status(actix_web::http::StatusCode::OK, rendered)
}

/// A rendered template with a status (forms re-rendered with messages are 422).
pub(crate) fn html_with_status(
    status: actix_web::http::StatusCode,
    rendered: askama::Result<String>,
) -> Result<actix_web::HttpResponse, crate::web::error::AppError> {
    let body = rendered.map_err(crate::web::error::AppError::internal)?;
    Ok(actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}
