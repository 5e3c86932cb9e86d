//! The home page: featured and upcoming events.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::view::{CardView as _, CategoryOption, categories};
use crate::services::catalogue::EventSummary;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    featured: Vec<EventSummary>,
    upcoming: Vec<EventSummary>,
    cities: Vec<String>,
    categories: Vec<CategoryOption>,
}

#[get("/")]
async fn home(state: web::Data<AppState>, ctx: PageContext) -> Result<HttpResponse, AppError> {
    let kept = state.catalogue.clone();
    let home = state
        .read(move |conn, now| Ok(kept.home(conn, now)?))
        .await?;
    let page = HomePage {
        layout: ctx.layout,
        featured: home.featured.clone(),
        upcoming: home.upcoming.clone(),
        cities: home.cities.clone(),
        categories: categories(),
    };
    super::html(page.render())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home);
}
