//! `GET /admin/events`: the event list with its status filter.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::access::{Permissions, Right};
use crate::domain::event::EventStatus;
use crate::domain::local_time::{LocalStart, zone};
use crate::services::event_admin::{self as service, AdminEvent};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::state::AppState;

use super::buttons::{self, Button, Organizers, organizer_name};

pub struct ListRow {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
    pub when: String,
    pub venue: String,
    pub capacity: i64,
    pub sold: i64,
    pub version: i32,
    pub organizer: String,
    pub buttons: Vec<Button>,
    pub may_edit: bool,
}

#[derive(Template)]
#[template(path = "admin/events/list.html")]
pub(super) struct ListPage {
    layout: Layout,
    status: Option<&'static str>,
    q: String,
    /// `q=…`, URL-encoded, for the status filter's links ("" without a search).
    q_param: String,
    counts: Vec<(&'static str, i64)>,
    /// Whether to show each event's organizer.
    many_organizers: bool,
    /// Whether the caller may create events anywhere.
    may_create: bool,
    rows: Vec<ListRow>,
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    status: Option<String>,
    #[serde(default)]
    q: String,
}

impl ListRow {
    fn of(e: &AdminEvent, organizers: &Organizers, who: &Permissions) -> Self {
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
            organizer: organizer_name(e, organizers),
            buttons: buttons::workflow(e, organizers, who),
            may_edit: buttons::may_edit(e, who),
        }
    }
}

impl ListPage {
    fn new(
        layout: Layout,
        status: Option<EventStatus>,
        q: String,
        events: &[AdminEvent],
        counts: Vec<(EventStatus, i64)>,
        (organizers, who): (&Organizers, &Permissions),
    ) -> Self {
        ListPage {
            layout,
            status: status.map(EventStatus::as_str),
            q_param: match q.trim() {
                "" => String::new(),
                q => serde_urlencoded::to_string([("q", q)]).unwrap_or_default(),
            },
            q,
            counts: counts.into_iter().map(|(s, n)| (s.as_str(), n)).collect(),
            many_organizers: organizers.len() > 1,
            may_create: who.may_somewhere(Right::EditCatalogue).is_ok(),
            rows: events
                .iter()
                .map(|e| ListRow::of(e, organizers, who))
                .collect(),
        }
    }
}

#[get("/events")]
pub(super) async fn list(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { status, q } = query.into_inner();
    let status = status.and_then(|s| s.parse::<EventStatus>().ok());
    let needle = q.clone();
    let scope = staff.scope(Right::ReadCatalogue);
    let (events, counts, organizers) = state
        .read(move |conn, now| {
            Ok((
                service::list(conn, &scope, status, &needle, now)?,
                service::status_counts(conn, &scope)?,
                super::organizers_of(conn, &scope)?,
            ))
        })
        .await?;
    let who = &staff.permissions;
    let page = ListPage::new(ctx.layout, status, q, &events, counts, (&organizers, who));
    crate::web::pages::html(page.render())
}
