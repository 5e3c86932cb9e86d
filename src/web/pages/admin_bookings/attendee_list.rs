//! `GET /admin/events/{id}/attendees.csv`: the door list as CSV.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, get, web};

use crate::domain::ids::EventId;
use crate::services::booking_admin::{self};
use crate::web::error::AppError;
use crate::web::state::AppState;

/// The event's attendees, one line per ticket (void ones too), as a CSV download.
#[get("/events/{id}/attendees.csv")]
pub(super) async fn attendees(
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let (slug, body) = state
        .read(move |conn, _| Ok(booking_admin::attendees_csv(conn, event)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let slug: String = slug
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"attendees-{slug}.csv\""),
        ))
        .body(body))
}
