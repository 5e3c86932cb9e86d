//! An event's waiting room for the box office (`/admin/events/{id}/waiting-room`, issue 20,
//! WAITING_ROOM.md §3.13–§3.14): the settings form, the actions (pause or resume, admit
//! everyone, close, exclude an account before the draw), and the live panel, rendered in the
//! page and polled alone by htmx every 5 s. Works without JavaScript.

use std::borrow::Borrow;

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::waiting_room_form::RoomForm;
use crate::domain::ids::EventId;
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::queue::Phase;
use crate::services::queue::admin::{self as service, RoomAdmin, RoomAdminError};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::{html, html_with_status};
use crate::web::session;
use crate::web::state::AppState;

/// The live panel, alone (htmx polls it) or inside the page.
#[derive(Template)]
#[template(path = "admin/event/_waiting_room_panel.html")]
struct PanelFragment<'a> {
    v: &'a RoomAdmin,
    /// Holds and map visits refused by this instance's gate since it started, by reason.
    refused: Vec<(&'static str, u64)>,
    /// Waiting-page polls this instance answered since it started.
    polls: u64,
}

impl PanelFragment<'_> {
    fn none_refused(&self) -> bool {
        self.refused.iter().all(|(_, n)| *n == 0)
    }

    fn duration(&self, seconds: impl Borrow<Option<i64>>) -> String {
        service::Panel::duration(seconds.borrow())
    }

    fn limit(&self, n: impl Borrow<Option<i32>>) -> String {
        n.borrow()
            .map_or_else(|| "no limit".to_owned(), |n| n.to_string())
    }

    /// When the draw was made, at the venue.
    fn drawn(&self) -> Option<LocalStart> {
        let tz = zone(&self.v.event.timezone);
        let drawn = self.v.room.as_ref()?.drawn_at?;
        Some(LocalStart::new(drawn, tz))
    }
}

#[derive(Template)]
#[template(path = "admin/event/waiting_room.html")]
struct RoomPage<'a> {
    layout: Layout,
    v: &'a RoomAdmin,
    panel: PanelFragment<'a>,
    form: RoomForm,
    /// The exclusion form's email and its message, when it was refused.
    exclude_email: &'a str,
    exclude_error: Option<String>,
}

impl RoomPage<'_> {
    fn sale(&self) -> Option<LocalStart> {
        let tz = zone(&self.v.event.timezone);
        self.v.sales_start.map(|t| LocalStart::new(t, tz))
    }

    fn can_close(&self) -> bool {
        matches!(self.v.phase, Phase::Prequeue | Phase::Open)
    }

    fn can_exclude(&self) -> bool {
        self.v.phase == Phase::Prequeue
    }

    fn gates(&self) -> bool {
        self.v.room.as_ref().is_some_and(|r| r.enabled) || self.v.phase != Phase::Off
    }
}

async fn load(state: &AppState, event: EventId) -> Result<RoomAdmin, AppError> {
    state
        .read(move |conn, now| Ok(service::overview(conn, event, now)?))
        .await?
        .ok_or(AppError::NotFound)
}

/// The page; `form` is what was posted (with its messages) or, when `None`, the settings in
/// force.
async fn render(
    state: &AppState,
    ctx: PageContext,
    event: EventId,
    form: Option<RoomForm>,
    excluded: (&str, Option<String>),
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let v = load(state, event).await?;
    let form = form.unwrap_or_else(|| RoomForm::of(&v.settings, zone(&v.event.timezone)));
    let page = RoomPage {
        layout: ctx.layout,
        v: &v,
        panel: PanelFragment {
            v: &v,
            refused: state.queue.refusals(),
            polls: state.queue.polls(),
        },
        form,
        exclude_email: excluded.0,
        exclude_error: excluded.1,
    };
    html_with_status(status, page.render())
}

fn back_to(event: EventId) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/admin/events/{event}/waiting-room")))
        .finish()
}

#[get("/events/{id:\\d+}/waiting-room")]
pub(super) async fn room_page(
    state: web::Data<AppState>,
    ctx: PageContext,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    render(&state, ctx, event, None, ("", None), StatusCode::OK).await
}

/// The live panel alone, for the page's polling.
#[get("/events/{id:\\d+}/waiting-room/panel")]
pub(super) async fn room_panel(
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let v = load(&state, EventId(path.into_inner())).await?;
    html(
        PanelFragment {
            v: &v,
            refused: state.queue.refusals(),
            polls: state.queue.polls(),
        }
        .render(),
    )
}

/// Saves the settings: back to the page with a notice, or the form again with a message on
/// each bad field (422) and nothing changed.
#[post("/events/{id:\\d+}/waiting-room")]
pub(super) async fn save(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let event = EventId(path.into_inner());
    let mut form = RoomForm::posted(fields.into_inner());
    let (patch, by) = (form.patch(), staff.account.id);
    let saved = state
        .run(move |db, now| service::save(db, by, event, &patch, now))
        .await?;
    match saved {
        Ok(_) => {
            state.refresh_queue().await?;
            done(&ctx, event, "The waiting room's settings were saved.")
        }
        Err(RoomAdminError::Invalid(errors)) => {
            form.errors = errors;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, ctx, event, Some(form), ("", None), status).await
        }
        Err(e) => refused(&ctx, event, e),
    }
}

fn done(ctx: &PageContext, event: EventId, message: &str) -> Result<HttpResponse, AppError> {
    session::set_flash(&ctx.session, message);
    Ok(back_to(event))
}

/// An action the room's state refused: back to the page, saying why.
fn refused(ctx: &PageContext, event: EventId, e: RoomAdminError) -> Result<HttpResponse, AppError> {
    let message = match e {
        RoomAdminError::NoEvent => return Err(AppError::NotFound),
        RoomAdminError::Db(e) => return Err(e.into()),
        RoomAdminError::NoRoom => "This event has no waiting room yet: save its settings first.",
        RoomAdminError::WrongPhase(Phase::Off) => "The waiting room is off; nothing changed.",
        RoomAdminError::WrongPhase(Phase::Closed) => "The waiting room is closed; nothing changed.",
        RoomAdminError::WrongPhase(Phase::Open) => {
            "The draw has been made: tickets can only be excluded before it."
        }
        RoomAdminError::WrongPhase(Phase::Prequeue) => "Nothing changed.",
        RoomAdminError::Invalid(_) | RoomAdminError::UnknownAccount => "Nothing changed.",
    };
    done(ctx, event, message)
}

#[derive(Deserialize)]
pub(super) struct ActionPath {
    id: i64,
    action: String,
}

/// Pause, resume, close, or admit everyone.
#[post("/events/{id:\\d+}/waiting-room/{action:(pause|resume|close|admit-everyone)}")]
pub(super) async fn act(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<ActionPath>,
) -> Result<HttpResponse, AppError> {
    let ActionPath { id, action } = path.into_inner();
    let (event, by) = (EventId(id), staff.account.id);
    let message = action_done(&action);
    let outcome = state
        .run(move |db, now| match action.as_str() {
            "pause" => service::set_paused(db, by, event, true, now),
            "resume" => service::set_paused(db, by, event, false, now),
            "close" => service::close(db, by, event, now),
            _ => service::admit_everyone(db, by, event, now),
        })
        .await?;
    match outcome {
        Ok(()) => {
            state.refresh_queue().await?;
            done(&ctx, event, message)
        }
        Err(e) => refused(&ctx, event, e),
    }
}

/// The notice after an action.
fn action_done(action: &str) -> &'static str {
    match action {
        "pause" => "Calling is paused; the waiting pages say so.",
        "resume" => "Calling resumed.",
        "close" => "The waiting room is closed: nobody more joins or is called.",
        _ => "Everyone is admitted: the room no longer gates the seat map.",
    }
}

#[derive(Deserialize)]
pub(super) struct ExcludeForm {
    #[serde(default)]
    email: String,
}

/// Excludes an account before the draw; an address that is not an account's is a message
/// beside the field (422).
#[post("/events/{id:\\d+}/waiting-room/exclude")]
pub(super) async fn exclude(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
    form: web::Form<ExcludeForm>,
) -> Result<HttpResponse, AppError> {
    let (event, by, email) = (
        EventId(path.into_inner()),
        staff.account.id,
        form.into_inner().email,
    );
    let given = email.clone();
    let outcome = state
        .run(move |db, now| service::exclude(db, by, event, &given, now))
        .await?;
    let why = match outcome {
        Ok(e) if e.ticket_ended => return done(&ctx, event, EXCLUDED),
        Ok(_) => return done(&ctx, event, EXCLUDED_NO_TICKET),
        Err(RoomAdminError::Invalid(errors)) => errors.into_values().next().unwrap_or_default(),
        Err(RoomAdminError::UnknownAccount) => "No account has this email address.".to_owned(),
        Err(e) => return refused(&ctx, event, e),
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render(&state, ctx, event, None, (&email, Some(why)), status).await
}

const EXCLUDED: &str = "The ticket was removed from the pre-queue; that account cannot join again.";
const EXCLUDED_NO_TICKET: &str =
    "That account had no ticket; it cannot join this waiting room now.";
