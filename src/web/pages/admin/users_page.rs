//! `/admin/users`: the account list and the role and lock changes.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::db::users::UserListRow;
use crate::domain::ids::UserId;
use crate::services::accounts::Account;
use crate::services::user_admin::{self, Change, UserAdminError};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "admin/users.html")]
pub(super) struct UsersPage {
    layout: Layout,
    admin: Account,
    q: String,
    users: Vec<UserListRow>,
    limit: i64,
}

#[derive(Deserialize)]
pub(super) struct UsersQuery {
    #[serde(default)]
    q: String,
}

#[get("/users")]
pub(super) async fn users(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
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
            admin: staff.account.clone(),
            q,
            users,
            limit: user_admin::LIST_LIMIT,
        }
        .render(),
    )
}

#[derive(Deserialize)]
pub(super) struct ChangeForm {
    role: Option<String>,
    /// The list's search, to come back to.
    #[serde(default)]
    q: String,
}

impl ChangeForm {
    /// The change the button asks for (404 for an unknown action).
    fn change(&self, action: &str) -> Result<Change, AppError> {
        Ok(match (action, self.role.as_deref()) {
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
        })
    }

    /// The list, with the search it was on.
    fn back(&self) -> String {
        match self.q.trim() {
            "" => "/admin/users".to_owned(),
            q => format!(
                "/admin/users?{}",
                serde_urlencoded::to_string([("q", q)]).unwrap_or_default()
            ),
        }
    }
}

/// What the admin is told about a change.
fn flash(change: Change, outcome: Result<bool, UserAdminError>) -> Result<&'static str, AppError> {
    Ok(match outcome {
        Ok(true) => match change {
            Change::Disable => "The account was disabled; its sessions and tokens have ended.",
            Change::Enable => "The account was enabled.",
            Change::Role(_) => "The role was changed.",
        },
        Ok(false) => "Nothing to change.",
        Err(UserAdminError::OwnAccount) => "You can't disable or demote your own account.",
        Err(UserAdminError::NotFound) => return Err(AppError::NotFound),
        Err(UserAdminError::Db(e)) => return Err(e.into()),
    })
}

#[post("/users/{id}/{action}")]
pub(super) async fn change_user(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<(i64, String)>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let change = form.change(&action)?;
    let actor = staff.account.id;
    let outcome = state
        .write(move |c, now| user_admin::apply(c, actor, UserId(id), change, now))
        .await?;
    session::set_flash(&ctx.session, flash(change, outcome)?);
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, form.back()))
        .finish())
}
