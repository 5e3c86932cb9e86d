//! `/admin`: the box-office dashboard, behind the admin guard.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::html;
use crate::db::DbError;
use crate::db::admin::Overview;
use crate::db::users::UserListRow;
use crate::domain::ids::UserId;
use crate::services::accounts::Account;
use crate::services::user_admin::{self, Change, UserAdminError};
use crate::services::{dashboard, queues};
use crate::startup::AppState;
use crate::web::admin_guard::{self, Admin};
use crate::web::auth::{Layout, PageContext};
use crate::web::blocking;
use crate::web::error::AppError;
use crate::web::session;

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
    let users = blocking(&state, move |conn, _| Ok(user_admin::list(conn, &needle)?)).await?;
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
    let (db, now, actor) = (state.db.clone(), state.clock.now(), admin.0.id);
    let outcome =
        web::block(move || db.write(|c| user_admin::apply(c, actor, UserId(id), change, now)))
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
    let view = blocking(&state, move |conn, _| {
        Ok(queues::emails(conn, status, page)?)
    })
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
    let view = blocking(&state, move |conn, _| Ok(queues::jobs(conn, status, page)?)).await?;
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
    let (db, now, actor) = (state.db.clone(), state.clock.now(), admin.0.id);
    let outcome = web::block(move || {
        db.write(|c| -> Result<Option<bool>, DbError> {
            if crate::db::outbox::find(c, id)?.is_none() {
                return Ok(None);
            }
            queues::resend_email(c, actor, id, now).map(Some)
        })
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
    let (db, now, actor) = (state.db.clone(), state.clock.now(), admin.0.id);
    let queued = web::block(move || db.write(|c| queues::retry_job(c, actor, id, now))).await??;
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
            .service(retry_job),
    );
}
