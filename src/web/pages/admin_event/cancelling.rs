//! Cancelling an event from the box office: what will happen, the form, then the refunds'
//! progress live, and refunds the gateway refused with a retry.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::db::cancellation::FailedRefund;
use crate::db::stats::EventHeader;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, RefundId};
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::money::Money;
use crate::services::cancellation::{
    self, CancelError, CancelOverview, Preview, Progress, RetryError,
};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::{html, html_with_status};
use crate::web::session;
use crate::web::state::AppState;

/// The refunds' progress and the refused ones (polled while refunds are left).
#[derive(Template)]
#[template(path = "admin/event/_progress.html")]
struct ProgressFragment<'a> {
    event: EventId,
    progress: Progress,
    failed: &'a [FailedRefund],
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "admin/event/cancel.html")]
struct CancelPage<'a> {
    layout: Layout,
    event: &'a EventHeader,
    start: LocalStart,
    preview: &'a Preview,
    progress: ProgressFragment<'a>,
    reason: &'a str,
    error: Option<&'a str>,
}

impl CancelPage<'_> {
    fn money(&self, cents: impl std::borrow::Borrow<i64>) -> String {
        Money::new(*cents.borrow(), self.event.currency).to_string()
    }

    fn cancelled(&self) -> bool {
        self.event.status == EventStatus::Cancelled
    }
}

async fn cancel_view(state: &AppState, event: EventId) -> Result<CancelOverview, AppError> {
    state
        .read(move |conn, now| Ok(cancellation::overview(conn, event, now)?))
        .await?
        .ok_or(AppError::NotFound)
}

fn render_cancel(
    ctx: PageContext,
    view: &CancelOverview,
    status: StatusCode,
    reason: &str,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let csrf = ctx.layout.csrf.clone();
    html_with_status(
        status,
        CancelPage {
            layout: ctx.layout,
            start: LocalStart::new(view.event.starts_at, zone(&view.event.timezone)),
            event: &view.event,
            preview: &view.preview,
            progress: ProgressFragment {
                event: view.event.id,
                progress: view.progress,
                failed: &view.failed,
                csrf: &csrf,
            },
            reason,
            error,
        }
        .render(),
    )
}

/// Before: what cancelling will do, and the form. After: the refunds' progress.
#[get("/events/{id:\\d+}/cancel")]
pub(super) async fn cancel_page(
    state: web::Data<AppState>,
    ctx: PageContext,
    _staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let view = cancel_view(&state, EventId(path.into_inner())).await?;
    render_cancel(ctx, &view, StatusCode::OK, "", None)
}

/// The progress fragment alone (htmx polls it every second while refunds are left).
#[get("/events/{id:\\d+}/cancel/progress")]
pub(super) async fn cancel_progress(
    state: web::Data<AppState>,
    ctx: PageContext,
    _staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let view = cancel_view(&state, EventId(path.into_inner())).await?;
    html(
        ProgressFragment {
            event: view.event.id,
            progress: view.progress,
            failed: &view.failed,
            csrf: &ctx.layout.csrf,
        }
        .render(),
    )
}

#[derive(Deserialize)]
struct CancelForm {
    #[serde(default)]
    reason: String,
}

/// Cancels at once (holds refused from now on, baskets released); refunds follow in the
/// background. A second submission changes nothing.
#[post("/events/{id:\\d+}/cancel")]
pub(super) async fn cancel(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
    form: web::Form<CancelForm>,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let reason = form.into_inner().reason;
    let (live, by) = (state.live.clone(), staff.account.id);
    let given = reason.clone();
    let outcome = state
        .run(move |db, now| cancellation::cancel(db, &live, event, &given, by, now))
        .await?;
    match outcome {
        Ok(progress) => {
            session::set_flash(&ctx.session, cancelled(&progress));
            Ok(to_cancel_page(event))
        }
        Err(CancelError::NoReason) => {
            let view = cancel_view(&state, event).await?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_cancel(ctx, &view, status, &reason, Some(NO_REASON))
        }
        Err(CancelError::NotFound) => Err(AppError::NotFound),
        Err(CancelError::Db(e)) => Err(e.into()),
    }
}

/// The form's message when no reason was given.
const NO_REASON: &str =
    "Say why the event is cancelled (up to 500 characters); the buyers are told.";

/// The flash after cancelling.
fn cancelled(progress: &Progress) -> &'static str {
    if progress.to_refund > 0 {
        "The event is cancelled. Refunds are under way; this page follows them."
    } else {
        "The event is cancelled."
    }
}

/// 303 to the event's cancel page (the refunds' progress).
fn to_cancel_page(event: EventId) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/admin/events/{event}/cancel")))
        .finish()
}

#[derive(Deserialize)]
struct RetryForm {
    /// One refund; without it, every refused one.
    refund_id: Option<RefundId>,
}

/// Sends refused refunds back to the background job.
#[post("/events/{id:\\d+}/refunds/retry")]
pub(super) async fn retry_refunds(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let refund = form.into_inner().refund_id;
    let by = staff.account.id;
    let outcome = state
        .run(move |db, now| cancellation::retry_refunds(db, event, refund, by, now))
        .await?;
    let message = match outcome {
        Ok(0) => "No refund is waiting for a retry.".to_owned(),
        Ok(1) => "The refund is being tried again.".to_owned(),
        Ok(n) => format!("{n} refunds are being tried again."),
        Err(RetryError::NotFailed) => {
            "That refund is not waiting for a retry (it may be under way already).".to_owned()
        }
        Err(RetryError::Db(e)) => return Err(e.into()),
    };
    session::set_flash(&ctx.session, &message);
    Ok(to_cancel_page(event))
}
