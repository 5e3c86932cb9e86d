//! The JSON API under `/api/v1` (API.md): the same services as the pages.

mod events;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(events::routes);
}
