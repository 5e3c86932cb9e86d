//! `/admin/venues`: the venue list and the venue editor (form + live preview). Behind the
//! admin guard of `/admin`.

mod editor;
mod preview;
mod section_form;
mod venue_form;

use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::html;
use crate::services::venue_admin::{self, VenueListRow};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::state::AppState;

use editor::{create, edit_form, new_form, update};
use preview::preview_map;

#[derive(Template)]
#[template(path = "admin/venues/index.html")]
struct ListPage {
    layout: Layout,
    venues: Vec<VenueListRow>,
}

#[get("/venues")]
async fn list(state: web::Data<AppState>, ctx: PageContext) -> Result<HttpResponse, AppError> {
    let venues = state.read(|c, _| Ok(venue_admin::list(c)?)).await?;
    html(
        ListPage {
            layout: ctx.layout,
            venues,
        }
        .render(),
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(new_form)
        .service(create)
        .service(preview_map)
        .service(edit_form)
        .service(update);
}
