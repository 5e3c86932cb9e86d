//! Creating and editing an event from the form.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};

use super::form::EventForm;
use crate::domain::access::Permissions;
use crate::domain::ids::EventId;
use crate::services::event_admin::{self as service, AdminEvent, EventAdminError};
use crate::web::access::Staff;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::session;
use crate::web::state::AppState;

use super::form_page::{EventHead, form_page};
use super::see_other;

#[post("/events")]
pub(super) async fn create(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let mut form = EventForm::posted(fields.into_inner());
    let input = form.input();
    let (actor, who) = (staff.permissions.clone(), staff.permissions);
    let created = state
        .write_catalogue(move |c, now| service::create(c, &actor, &input, false, now))
        .await?;
    match created {
        Ok(id) => {
            session::set_flash(&ctx.session, "The event was created as a draft.");
            Ok(see_other(format!("/admin/events/{id}/edit")))
        }
        Err(EventAdminError::Invalid(errors)) => {
            form.errors = errors;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            form_page(&state, (ctx.layout, &who), None, form, status, false).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn load(state: &AppState, id: EventId) -> Result<AdminEvent, AppError> {
    state
        .read(move |conn, now| Ok(service::get(conn, id, now)?))
        .await
}

#[get("/events/{id:\\d+}/edit")]
pub(super) async fn edit_form(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let event = load(&state, EventId(path.into_inner())).await?;
    form_page(
        &state,
        (ctx.layout, &staff.permissions),
        Some(EventHead::of(&event)),
        EventForm::of(&event),
        StatusCode::OK,
        false,
    )
    .await
}

#[post("/events/{id:\\d+}/edit")]
pub(super) async fn edit(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = EventId(path.into_inner());
    let form = EventForm::posted(fields.into_inner());
    let version: i32 = form.value("version").trim().parse().unwrap_or(0);
    let input = form.input();
    let actor = staff.account.id;
    let outcome = state
        .write_catalogue(move |c, now| service::update(c, actor, id, version, &input, now))
        .await?;
    edited(&state, (ctx, &staff.permissions), id, form, outcome).await
}

/// The answer to a save: back to the editor with a flash, or the form again (the current
/// version after a conflict, what was sent with its messages when it was invalid).
async fn edited<T>(
    state: &AppState,
    (ctx, who): (PageContext, &Permissions),
    id: EventId,
    mut form: EventForm,
    outcome: Result<T, EventAdminError>,
) -> Result<HttpResponse, AppError> {
    match outcome {
        Ok(_) => {
            session::set_flash(&ctx.session, "Your changes were saved.");
            Ok(see_other(format!("/admin/events/{id}/edit")))
        }
        Err(EventAdminError::Conflict(current)) => {
            let head = Some(EventHead::of(&current));
            let form = EventForm::of(&current);
            form_page(
                state,
                (ctx.layout, who),
                head,
                form,
                StatusCode::CONFLICT,
                true,
            )
            .await
        }
        Err(EventAdminError::Invalid(errors)) => {
            let current = load(state, id).await?;
            form.errors = errors;
            let (head, status) = (
                Some(EventHead::of(&current)),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            form_page(state, (ctx.layout, who), head, form, status, false).await
        }
        Err(EventAdminError::NotEditable(status)) => {
            session::set_flash(
                &ctx.session,
                &format!("A {status} event can't be edited; nothing was saved."),
            );
            Ok(see_other(format!("/admin/events/{id}/edit")))
        }
        Err(e) => Err(e.into()),
    }
}
