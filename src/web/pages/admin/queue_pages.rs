//! `/admin/emails` and `/admin/jobs`: the outbox and job queues, resend and retry.

use std::fmt::Display;
use std::str::FromStr;

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::email::EmailStatus;
use crate::domain::ids::{EmailId, JobId};
use crate::domain::job::JobStatus;
use crate::services::queues;
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Deserialize)]
pub(super) struct QueueQuery {
    status: Option<String>,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "admin/emails.html")]
pub(super) struct EmailsPage {
    layout: Layout,
    status: Option<EmailStatus>,
    page: u32,
    view: queues::EmailsView,
}

#[get("/emails")]
pub(super) async fn emails(
    state: web::Data<AppState>,
    ctx: PageContext,
    _staff: Staff,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let status = queues::status_filter(query.status.as_deref(), &queues::EMAIL_STATUSES);
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let view = state
        .read(move |conn, _| Ok(queues::emails(conn, status, page)?))
        .await?;
    html(
        EmailsPage {
            layout: ctx.layout,
            status,
            page,
            view,
        }
        .render(),
    )
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
pub(super) struct JobsPage {
    layout: Layout,
    status: Option<JobStatus>,
    page: u32,
    view: queues::JobsView,
}

#[get("/jobs")]
pub(super) async fn jobs(
    state: web::Data<AppState>,
    ctx: PageContext,
    _staff: Staff,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let status = queues::status_filter(query.status.as_deref(), &queues::JOB_STATUSES);
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let view = state
        .read(move |conn, _| Ok(queues::jobs(conn, status, page)?))
        .await?;
    html(
        JobsPage {
            layout: ctx.layout,
            status,
            page,
            view,
        }
        .render(),
    )
}

#[derive(Deserialize)]
pub(super) struct BackTo {
    /// The list's status filter, to come back to.
    status: Option<String>,
}

pub(super) fn back_to<S: FromStr + PartialEq + Display>(
    list: &str,
    status: Option<&str>,
    allowed: &[S],
) -> HttpResponse {
    let target = match queues::status_filter(status, allowed) {
        Some(s) => format!("{list}?status={s}"),
        None => list.to_owned(),
    };
    HttpResponse::SeeOther()
        .insert_header((LOCATION, target))
        .finish()
}

#[post("/emails/{id}/resend")]
pub(super) async fn resend_email(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
    form: web::Form<BackTo>,
) -> Result<HttpResponse, AppError> {
    let id = EmailId(path.into_inner());
    let actor = staff.account.id;
    let outcome = state
        .write(move |c, now| queues::resend_email(c, actor, id, now))
        .await??;
    let message = match outcome {
        None => return Err(AppError::NotFound),
        Some(true) => "The email is queued and goes out in a moment.",
        Some(false) => "That email is being sent right now; try again in a minute.",
    };
    session::set_flash(&ctx.session, message);
    Ok(back_to(
        "/admin/emails",
        form.status.as_deref(),
        &queues::EMAIL_STATUSES,
    ))
}

#[post("/jobs/{id}/retry")]
pub(super) async fn retry_job(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
    form: web::Form<BackTo>,
) -> Result<HttpResponse, AppError> {
    let id = JobId(path.into_inner());
    let actor = staff.account.id;
    let queued = state
        .write(move |c, now| queues::retry_job(c, actor, id, now))
        .await??;
    let message = if queued {
        "The job is queued to run again."
    } else {
        "Only a dead or waiting job can be retried."
    };
    session::set_flash(&ctx.session, message);
    Ok(back_to(
        "/admin/jobs",
        form.status.as_deref(),
        &queues::JOB_STATUSES,
    ))
}
