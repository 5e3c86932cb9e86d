//! One event for the box office: its statistics page (`/admin/events/{id}`, live while open)
//! and cancelling it (`/admin/events/{id}/cancel`: what will happen, then the refunds'
//! progress live, and refunds the gateway refused with a retry), and its waiting room
//! (`/admin/events/{id}/waiting-room`: settings, actions, the live panel). Behind the admin guard.

mod cancelling;
mod waiting_room;
mod waiting_room_form;

use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::html;
use crate::domain::ids::EventId;
use crate::services::stats::{self, EventReport};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::hx::HxRequest;
use crate::web::state::AppState;
use cancelling::{cancel, cancel_page, cancel_progress, retry_refunds};
use waiting_room::{act, exclude, room_page, room_panel, save};

/// The statistics fragment, alone (htmx polls it) or inside the page.
#[derive(Template)]
#[template(path = "admin/event/_stats.html")]
struct StatsFragment<'a> {
    r: &'a EventReport,
}

#[derive(Template)]
#[template(path = "admin/event/show.html")]
struct StatsPage<'a> {
    layout: Layout,
    r: &'a EventReport,
}

async fn load_report(state: &AppState, event: EventId) -> Result<EventReport, AppError> {
    state
        .read(move |conn, now| Ok(stats::report(conn, event, now)?))
        .await?
        .ok_or(AppError::NotFound)
}

/// The statistics page; an htmx request (the page's own polling) gets the figures alone.
#[get("/events/{id:\\d+}")]
async fn show(
    state: web::Data<AppState>,
    ctx: PageContext,
    _staff: Staff,
    path: web::Path<i64>,
    hx: HxRequest,
) -> Result<HttpResponse, AppError> {
    let report = load_report(&state, EventId(path.into_inner())).await?;
    if hx.0 {
        return html(StatsFragment { r: &report }.render());
    }
    html(
        StatsPage {
            layout: ctx.layout,
            r: &report,
        }
        .render(),
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show)
        .service(cancel_page)
        .service(cancel_progress)
        .service(cancel)
        .service(retry_refunds)
        .service(room_page)
        .service(room_panel)
        .service(save)
        .service(act)
        .service(exclude);
}
