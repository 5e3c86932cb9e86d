//! `GET /admin/bookings/{reference}`: one booking with its timeline.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::domain::money::{Currency, Money};
use crate::services::booking_admin::{self, Detail};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html_with_status;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "admin/bookings/show.html")]
pub(super) struct ShowPage {
    layout: Layout,
    d: Detail,
    reason: String,
    reason_error: Option<String>,
    /// The refund asks to be confirmed: the reason is set and the form says so.
    confirming: bool,
}

impl ShowPage {
    pub(super) fn place(
        &self,
        section: &str,
        row: &Option<String>,
        number: &Option<i32>,
    ) -> String {
        crate::domain::seatmap::place_label(section, row.as_deref(), *number)
    }

    pub(super) fn money(&self, cents: &i64, currency: &Currency) -> Money {
        Money::new(*cents, *currency)
    }
}

pub(super) async fn show_page(
    state: &AppState,
    layout: Layout,
    reference: String,
    reason: String,
    reason_error: Option<String>,
    confirming: bool,
) -> Result<HttpResponse, AppError> {
    let d = state
        .read(move |conn, _| Ok(booking_admin::detail(conn, &reference)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let status = if reason_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html_with_status(
        status,
        ShowPage {
            layout,
            d,
            reason,
            reason_error,
            confirming,
        }
        .render(),
    )
}

#[get("/bookings/{reference}")]
pub(super) async fn show(
    state: web::Data<AppState>,
    ctx: PageContext,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_page(
        &state,
        ctx.layout,
        path.into_inner(),
        String::new(),
        None,
        false,
    )
    .await
}
