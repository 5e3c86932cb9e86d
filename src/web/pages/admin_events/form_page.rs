//! The event form page (new and edit) and its sections fragment.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::buttons::{Button, organizers_of};
use super::form::{EventForm, SectionChoice};
use crate::db::event_admin::VenueBrief;
use crate::domain::access::{Permissions, Right, Scope};
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, OrganizerId, VenueId};
use crate::services::event_admin::{self as service, AdminEvent};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html_with_status;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "admin/events/form.html")]
pub(super) struct FormPage {
    layout: Layout,
    /// `None` for a new event.
    event: Option<EventHead>,
    form: EventForm,
    venues: Vec<VenueBrief>,
    sections: Vec<SectionChoice>,
    /// Set when an edit lost to someone else's: the form shows their version.
    conflict: bool,
}

/// What the edit page shows above the form.
pub struct EventHead {
    pub id: EventId,
    pub status: EventStatus,
    pub version: i32,
    pub organizer: OrganizerId,
    /// Not cancelled yet (the cancel page is offered to those who may cancel).
    pub can_cancel: bool,
    pub editable: bool,
    /// Filled in by the form page from the caller's role.
    pub buttons: Vec<Button>,
}

impl EventHead {
    pub(super) fn of(e: &AdminEvent) -> EventHead {
        EventHead {
            id: e.row.id,
            status: e.row.status,
            version: e.row.version,
            organizer: e.row.organizer_id,
            can_cancel: e.row.status != EventStatus::Cancelled,
            editable: matches!(e.row.status, EventStatus::Draft | EventStatus::Published),
            buttons: Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/events/_sections.html")]
pub(super) struct SectionsFragment {
    form: EventForm,
    sections: Vec<SectionChoice>,
}

/// Renders the form page with the venue list and the chosen venue's sections.
pub(super) async fn form_page(
    state: &AppState,
    (layout, who): (Layout, &Permissions),
    mut event: Option<EventHead>,
    form: EventForm,
    status: StatusCode,
    conflict: bool,
) -> Result<HttpResponse, AppError> {
    let venue = form.venue_id();
    // An event's venue may change only within its organizer; a new one goes to any where the
    // caller edits.
    let scope = match &event {
        Some(e) => Scope::Only(vec![e.organizer]),
        None => who.scope(Right::EditCatalogue),
    };
    let (venues, sections, organizers) = state
        .read(move |conn, _| {
            let organizers = organizers_of(conn, &scope)?;
            let venues = service::venues(conn, &scope)?;
            let sections = match venue.or_else(|| venues.first().map(|v| v.id)) {
                Some(v) => service::venue_sections(conn, v)?,
                None => Vec::new(),
            };
            Ok((venues, sections, organizers))
        })
        .await?;
    if let Some(e) = event.as_mut() {
        e.buttons = super::buttons::moves(e.status, e.organizer, &organizers, who);
        e.can_cancel &= who.may(Right::CancelEvents, e.organizer).is_ok();
    }
    let sections = form.sections(&sections);
    html_with_status(
        status,
        FormPage {
            layout,
            event,
            form,
            venues,
            sections,
            conflict,
        }
        .render(),
    )
}

#[get("/events/new")]
pub(super) async fn new_form(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
) -> Result<HttpResponse, AppError> {
    form_page(
        &state,
        (ctx.layout, &staff.permissions),
        None,
        EventForm::blank(),
        StatusCode::OK,
        false,
    )
    .await
}

/// The sections block for the venue the form now names (htmx, when the venue select changes).
#[get("/events/sections")]
pub(super) async fn sections_fragment(
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = EventForm::posted(query.into_inner());
    let venue = form.venue_id().unwrap_or(VenueId(0));
    let sections = state
        .read(move |conn, _| Ok(service::venue_sections(conn, venue)?))
        .await?;
    let sections = form.sections(&sections);
    crate::web::pages::html(SectionsFragment { form, sections }.render())
}
