//! `/admin`: the box-office dashboard, behind the admin guard.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::html;
use crate::db::admin::Overview;
use crate::services::accounts::Account;
use crate::services::dashboard;
use crate::startup::AppState;
use crate::web::admin_guard::{self, Admin};
use crate::web::auth::{Layout, PageContext};
use crate::web::blocking;
use crate::web::error::AppError;

#[derive(Template)]
#[template(path = "admin/index.html")]
struct DashboardPage {
    layout: Layout,
    admin: Account,
    overview: Overview,
}

#[get("")]
async fn index(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
) -> Result<HttpResponse, AppError> {
    let overview = blocking(&state, |conn, clock| {
        Ok(dashboard::overview(conn, clock.now())?)
    })
    .await?;
    html(
        DashboardPage {
            layout: ctx.layout,
            admin: admin.0,
            overview,
        }
        .render(),
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(actix_web::middleware::from_fn(admin_guard::pages))
            .service(index),
    );
}
