//! `/admin`: the box-office dashboard, behind the admin guard.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::html;
use crate::db::DbError;
use crate::db::users::UserListRow;
use crate::domain::ids::EventId;
use crate::domain::ids::UserId;
use crate::domain::local_time::{LocalStart, zone};
use crate::services::accounts::Account;
use crate::services::checkin::{self, DoorCounts, Verdict};
use crate::services::user_admin::{self, Change, UserAdminError};
use crate::services::{dashboard, queues};
use crate::web::admin_guard::{self, Admin};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::session;
use crate::web::state::AppState;

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
    admin: Admin,
) -> Result<HttpResponse, AppError> {
    let d = state
        .read(|conn, now| Ok(dashboard::overview(conn, now)?))
        .await?;
    html(
        DashboardPage {
            layout: ctx.layout,
            admin: admin.0,
            d,
        }
        .render(),
    )
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    admin: Account,
    q: String,
    users: Vec<UserListRow>,
    limit: i64,
}

#[derive(Deserialize)]
struct UsersQuery {
    #[serde(default)]
    q: String,
}

#[get("/users")]
async fn users(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner().q;
    let needle = q.clone();
    let users = state
        .read(move |conn, _| Ok(user_admin::list(conn, &needle)?))
        .await?;
    html(
        UsersPage {
            layout: ctx.layout,
            admin: admin.0,
            q,
            users,
            limit: user_admin::LIST_LIMIT,
        }
        .render(),
    )
}

#[derive(Deserialize)]
struct ChangeForm {
    role: Option<String>,
    /// The list's search, to come back to.
    #[serde(default)]
    q: String,
}

#[post("/users/{id}/{action}")]
async fn change_user(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    path: web::Path<(i64, String)>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let change = match (action.as_str(), form.role.as_deref()) {
        ("disable", _) => Change::Disable,
        ("enable", _) => Change::Enable,
        ("role", Some(role)) => Change::Role(role.parse().map_err(|_| {
            AppError::Validation(
                [("role", "Choose user or admin.".to_owned())]
                    .into_iter()
                    .collect(),
            )
        })?),
        _ => return Err(AppError::NotFound),
    };
    let actor = admin.0.id;
    let outcome = state
        .write(move |c, now| user_admin::apply(c, actor, UserId(id), change, now))
        .await?;
    let message = match outcome {
        Ok(true) => match change {
            Change::Disable => "The account was disabled; its sessions and tokens have ended.",
            Change::Enable => "The account was enabled.",
            Change::Role(_) => "The role was changed.",
        },
        Ok(false) => "Nothing to change.",
        Err(UserAdminError::OwnAccount) => "You can't disable or demote your own account.",
        Err(UserAdminError::NotFound) => return Err(AppError::NotFound),
        Err(UserAdminError::Db(e)) => return Err(e.into()),
    };
    session::set_flash(&ctx.session, message);
    let back = match form.q.trim() {
        "" => "/admin/users".to_owned(),
        q => format!(
            "/admin/users?{}",
            serde_urlencoded::to_string([("q", q)]).unwrap_or_default()
        ),
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, back))
        .finish())
}

#[derive(Deserialize)]
struct QueueQuery {
    status: Option<String>,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "admin/emails.html")]
struct EmailsPage {
    layout: Layout,
    status: Option<&'static str>,
    page: u32,
    view: queues::EmailsView,
}

#[get("/emails")]
async fn emails(
    state: web::Data<AppState>,
    ctx: PageContext,
    _admin: Admin,
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
struct JobsPage {
    layout: Layout,
    status: Option<&'static str>,
    page: u32,
    view: queues::JobsView,
}

#[get("/jobs")]
async fn jobs(
    state: web::Data<AppState>,
    ctx: PageContext,
    _admin: Admin,
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
struct BackTo {
    /// The list's status filter, to come back to.
    status: Option<String>,
}

fn back_to(list: &str, status: Option<&str>, allowed: &[&'static str]) -> HttpResponse {
    let target = match queues::status_filter(status, allowed) {
        Some(s) => format!("{list}?status={s}"),
        None => list.to_owned(),
    };
    HttpResponse::SeeOther()
        .insert_header((LOCATION, target))
        .finish()
}

#[post("/emails/{id}/resend")]
async fn resend_email(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    path: web::Path<i64>,
    form: web::Form<BackTo>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = admin.0.id;
    let outcome = state
        .write(move |c, now| -> Result<Option<bool>, DbError> {
            if crate::db::outbox::find(c, id)?.is_none() {
                return Ok(None);
            }
            queues::resend_email(c, actor, id, now).map(Some)
        })
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
async fn retry_job(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    path: web::Path<i64>,
    form: web::Form<BackTo>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = admin.0.id;
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

#[derive(Template)]
#[template(path = "admin/checkin.html")]
struct CheckinPage {
    layout: Layout,
    events: Vec<DoorEventView>,
    event: Option<i64>,
    result: Option<Verdict>,
    counts: DoorCounts,
}

#[derive(Template)]
#[template(path = "admin/_checkin_result.html")]
struct CheckinFragment {
    result: Option<Verdict>,
    counts: DoorCounts,
    oob: bool,
}

pub struct DoorEventView {
    id: i64,
    label: String,
    selected: bool,
}

#[derive(Deserialize)]
struct DoorQuery {
    event: Option<i64>,
}

#[derive(Deserialize)]
struct CheckinForm {
    event: i64,
    code: String,
}

async fn door_page(
    state: &AppState,
    ctx: PageContext,
    event: Option<i64>,
    result: Option<Verdict>,
) -> Result<HttpResponse, AppError> {
    let (events, counts) = state
        .read(move |conn, now| {
            let events = checkin::door_events(conn, now)?;
            let counts = match event {
                Some(id) => checkin::counts(conn, EventId(id))?,
                None => DoorCounts::default(),
            };
            Ok((events, counts))
        })
        .await?;
    let events = events
        .into_iter()
        .map(|e| {
            let when = LocalStart::new(e.starts_at, zone(&e.timezone));
            DoorEventView {
                id: e.id.0,
                label: format!("{} · {} {} · {}", e.title, when.date, when.time, e.venue),
                selected: event == Some(e.id.0),
            }
        })
        .collect();
    html(
        CheckinPage {
            layout: ctx.layout,
            events,
            event,
            result,
            counts,
        }
        .render(),
    )
}

/// The door: choose the event, then type or scan codes (a USB scanner types the code and
/// Enter). Works as a plain form; with htmx only the verdict and the counter change.
#[get("/checkin")]
async fn checkin_page(
    state: web::Data<AppState>,
    ctx: PageContext,
    query: web::Query<DoorQuery>,
) -> Result<HttpResponse, AppError> {
    door_page(&state, ctx, query.event, None).await
}

#[post("/checkin")]
async fn checkin_submit(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    form: web::Form<CheckinForm>,
    hx: crate::web::hx::HxRequest,
) -> Result<HttpResponse, AppError> {
    let CheckinForm { event, code } = form.into_inner();
    let event_id = EventId(event);
    let by = admin.0.id;
    let verdict = if code.trim().is_empty() {
        None
    } else {
        Some(
            state
                .run(move |db, now| checkin::check_in(db, event_id, &code, by, now))
                .await??,
        )
    };
    if !hx.0 {
        return door_page(&state, ctx, Some(event), verdict).await;
    }
    let counts = state
        .read(move |conn, _| Ok(checkin::counts(conn, event_id)?))
        .await?;
    html(
        CheckinFragment {
            result: verdict,
            counts,
            oob: true,
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
            .configure(super::admin_events::routes),
    );
}
