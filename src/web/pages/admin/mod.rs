//! `/admin`: the box-office dashboard, behind the admin guard.

mod door;
mod queue_pages;
mod users_page;

use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::html;
use crate::domain::access::Right;
use crate::services::accounts::Account;
use crate::services::dashboard;
use crate::web::access::Staff;
use crate::web::admin_guard;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::state::AppState;
use door::{checkin_page, checkin_submit};
use queue_pages::{emails, jobs, resend_email, retry_job};
use users_page::{change_user, users};

#[derive(Template)]
#[template(path = "admin/index.html")]
struct DashboardPage {
    layout: Layout,
    admin: Account,
    d: dashboard::Dashboard,
}

#[get("")]
async fn index(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
) -> Result<HttpResponse, AppError> {
    let scope = staff.scope(Right::ViewFigures);
    let d = state
        .read(move |conn, now| Ok(dashboard::overview(conn, &scope, now)?))
        .await?;
    html(
        DashboardPage {
            layout: ctx.layout,
            admin: staff.account.clone(),
            d,
        }
        .render(),
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(actix_web::middleware::from_fn(admin_guard::pages))
            .service(index)
            .service(users)
            .service(change_user)
            .service(emails)
            .service(jobs)
            .service(resend_email)
            .service(retry_job)
            .service(checkin_page)
            .service(checkin_submit)
            .configure(super::admin_event::routes)
            .configure(super::admin_venues::routes)
            .configure(super::admin_bookings::routes)
            .configure(super::admin_events::routes)
            .configure(super::admin_organizers::routes),
    );
}
