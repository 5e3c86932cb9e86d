//! `/admin/events…`: the event editor's pages (issue 7). The list, the new/edit form, and the
//! publish / close / duplicate buttons; the same service as `/api/v1/admin/events`.

mod form;

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::html_with_status;
use crate::db::event_admin::VenueBrief;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, VenueId};
use crate::domain::local_time::{LocalStart, zone};
use crate::services::event_admin::{self as service, AdminEvent, EventAdminError};
use crate::web::admin_guard::Admin;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::session;
use crate::web::state::AppState;
use form::{EventForm, SectionChoice};

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

pub struct ListRow {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
    pub when: String,
    pub venue: String,
    pub capacity: i64,
    pub sold: i64,
    pub version: i32,
    pub can_publish: bool,
    pub can_close: bool,
}

#[derive(Template)]
#[template(path = "admin/events/list.html")]
struct ListPage {
    layout: Layout,
    status: Option<&'static str>,
    q: String,
    /// `q=…`, URL-encoded, for the status filter's links ("" without a search).
    q_param: String,
    counts: Vec<(&'static str, i64)>,
    rows: Vec<ListRow>,
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    #[serde(default)]
    q: String,
}

#[get("/events")]
async fn list(
    state: web::Data<AppState>,
    ctx: PageContext,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { status, q } = query.into_inner();
    let status = status.and_then(|s| s.parse::<EventStatus>().ok());
    let needle = q.clone();
    let (events, counts) = state
        .read(move |conn, now| {
            Ok((
                service::list(conn, status, &needle, now)?,
                service::status_counts(conn)?,
            ))
        })
        .await?;
    let rows = events
        .iter()
        .map(|e| {
            let start = LocalStart::new(e.row.starts_at, zone(&e.venue.timezone));
            ListRow {
                id: e.row.id.0,
                title: e.row.title.clone(),
                status: e.row.status.as_str(),
                when: format!("{} {} {}", start.date, start.time, start.zone),
                venue: format!("{}, {}", e.venue.name, e.venue.city),
                capacity: e.capacity,
                sold: e.sold,
                version: e.row.version,
                can_publish: e.row.status == EventStatus::Draft,
                can_close: e.row.status == EventStatus::Published,
            }
        })
        .collect();
    super::html(
        ListPage {
            layout: ctx.layout,
            status: status.map(EventStatus::as_str),
            q_param: match q.trim() {
                "" => String::new(),
                q => serde_urlencoded::to_string([("q", q)]).unwrap_or_default(),
            },
            q,
            counts: counts.into_iter().map(|(s, n)| (s.as_str(), n)).collect(),
            rows,
        }
        .render(),
    )
}

#[derive(Template)]
#[template(path = "admin/events/form.html")]
struct FormPage {
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
    pub id: i64,
    pub status: &'static str,
    pub version: i32,
    pub can_publish: bool,
    pub can_close: bool,
    pub editable: bool,
}

impl EventHead {
    fn of(e: &AdminEvent) -> EventHead {
        EventHead {
            id: e.row.id.0,
            status: e.row.status.as_str(),
            version: e.row.version,
            can_publish: e.row.status == EventStatus::Draft,
            can_close: e.row.status == EventStatus::Published,
            editable: matches!(e.row.status, EventStatus::Draft | EventStatus::Published),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/events/_sections.html")]
struct SectionsFragment {
    form: EventForm,
    sections: Vec<SectionChoice>,
}

/// Renders the form page with the venue list and the chosen venue's sections.
async fn form_page(
    state: &AppState,
    layout: Layout,
    event: Option<EventHead>,
    form: EventForm,
    status: StatusCode,
    conflict: bool,
) -> Result<HttpResponse, AppError> {
    let venue = form.venue_id();
    let (venues, sections) = state
        .read(move |conn, _| {
            let venues = service::venues(conn)?;
            let sections = match venue.or_else(|| venues.first().map(|v| v.id)) {
                Some(v) => service::venue_sections(conn, v)?,
                None => Vec::new(),
            };
            Ok((venues, sections))
        })
        .await?;
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
async fn new_form(state: web::Data<AppState>, ctx: PageContext) -> Result<HttpResponse, AppError> {
    form_page(
        &state,
        ctx.layout,
        None,
        EventForm::blank(),
        StatusCode::OK,
        false,
    )
    .await
}

/// The sections block for the venue the form now names (htmx, when the venue select changes).
#[get("/events/sections")]
async fn sections_fragment(
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = EventForm::posted(query.into_inner());
    let venue = form.venue_id().unwrap_or(VenueId(0));
    let sections = state
        .read(move |conn, _| Ok(service::venue_sections(conn, venue)?))
        .await?;
    let sections = form.sections(&sections);
    super::html(SectionsFragment { form, sections }.render())
}

#[post("/events")]
async fn create(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let mut form = EventForm::posted(fields.into_inner());
    let input = form.input();
    let actor = admin.0.id;
    let created = state
        .write(move |c, now| service::create(c, actor, &input, false, now))
        .await?;
    match created {
        Ok(id) => {
            session::set_flash(&ctx.session, "The event was created as a draft.");
            Ok(see_other(format!("/admin/events/{id}/edit")))
        }
        Err(EventAdminError::Invalid(errors)) => {
            form.errors = errors;
            form_page(
                &state,
                ctx.layout,
                None,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn load(state: &AppState, id: EventId) -> Result<AdminEvent, AppError> {
    state
        .read(move |conn, now| Ok(service::get(conn, id, now)?))
        .await
}

#[get("/events/{id:\\d+}/edit")]
async fn edit_form(
    state: web::Data<AppState>,
    ctx: PageContext,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let event = load(&state, EventId(path.into_inner())).await?;
    form_page(
        &state,
        ctx.layout,
        Some(EventHead::of(&event)),
        EventForm::of(&event),
        StatusCode::OK,
        false,
    )
    .await
}

#[post("/events/{id:\\d+}/edit")]
async fn edit(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    path: web::Path<i64>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = EventId(path.into_inner());
    let mut form = EventForm::posted(fields.into_inner());
    let version: i32 = form.value("version").trim().parse().unwrap_or(0);
    let input = form.input();
    let actor = admin.0.id;
    let outcome = state
        .write(move |c, now| service::update(c, actor, id, version, &input, now))
        .await?;
    match outcome {
        Ok(_) => {
            session::set_flash(&ctx.session, "Your changes were saved.");
            Ok(see_other(format!("/admin/events/{id}/edit")))
        }
        Err(EventAdminError::Conflict(current)) => {
            form_page(
                &state,
                ctx.layout,
                Some(EventHead::of(&current)),
                EventForm::of(&current),
                StatusCode::CONFLICT,
                true,
            )
            .await
        }
        Err(EventAdminError::Invalid(errors)) => {
            let current = load(&state, id).await?;
            form.errors = errors;
            form_page(
                &state,
                ctx.layout,
                Some(EventHead::of(&current)),
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
                false,
            )
            .await
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

#[derive(Deserialize)]
struct ActionForm {
    version: Option<i32>,
    /// Where to come back to: the list or the edit page.
    back: Option<String>,
}

#[post("/events/{id:\\d+}/{action:(publish|close|duplicate)}")]
async fn action(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    path: web::Path<(i64, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let id = EventId(id);
    let ActionForm { version, back } = form.into_inner();
    let back = match back.as_deref() {
        Some("list") => "/admin/events".to_owned(),
        _ => format!("/admin/events/{id}/edit"),
    };
    let actor = admin.0.id;
    let version = version.unwrap_or(0);
    let done = if action == "publish" {
        "The event is published."
    } else {
        "The event is closed: it is now completed."
    };
    let outcome = state
        .write(move |c, now| match action.as_str() {
            "publish" => service::transition(c, actor, id, version, EventStatus::Published, now)
                .map(|_| None),
            "close" => service::transition(c, actor, id, version, EventStatus::Completed, now)
                .map(|_| None),
            _ => service::duplicate(c, actor, id, now).map(Some),
        })
        .await?;
    let (message, to) = match outcome {
        Ok(Some(copy)) => (
            "A draft copy was made; you are editing the copy.".to_owned(),
            format!("/admin/events/{copy}/edit"),
        ),
        Ok(None) => (done.to_owned(), back),
        Err(EventAdminError::Conflict(_)) => (
            "Someone else changed this event meanwhile; nothing was done. Check it and try again."
                .to_owned(),
            back,
        ),
        Err(EventAdminError::Transition { from, to: next }) => (
            format!("A {from} event can't become {next}; nothing was done."),
            back,
        ),
        Err(EventAdminError::CannotPublish(why)) => {
            (format!("The event can't be published: {why}."), back)
        }
        Err(e) => return Err(e.into()),
    };
    session::set_flash(&ctx.session, &message);
    Ok(see_other(to))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(new_form)
        .service(sections_fragment)
        .service(create)
        .service(edit_form)
        .service(edit)
        .service(action);
}
