//! The home page: featured and upcoming events.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::view::{CardView as _, CategoryOption, categories};
use crate::services::catalogue::{self, EventSummary};
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
    let home = state
        .read(|conn, now| Ok(catalogue::home(conn, now)?))
        .await?;
    let page = HomePage {
        layout: ctx.layout,
        featured: home.featured,
        upcoming: home.upcoming,
        cities: home.cities,
        categories: categories(),
    };
    super::html(page.render())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home);
}
