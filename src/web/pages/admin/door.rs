//! `/admin/checkin`: the door page, scanning or typing a ticket code.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::db::organizers::Target;
use crate::domain::access::Right;
use crate::domain::ids::EventId;
use crate::domain::local_time::{LocalStart, zone};
use crate::services::checkin::{self, DoorCounts, Verdict};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "admin/checkin.html")]
pub(super) struct CheckinPage {
    layout: Layout,
    events: Vec<DoorEventView>,
    event: Option<i64>,
    result: Option<Verdict>,
    counts: DoorCounts,
}

#[derive(Template)]
#[template(path = "admin/_checkin_result.html")]
pub(super) struct CheckinFragment {
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
pub(super) struct DoorQuery {
    event: Option<i64>,
}

#[derive(Deserialize)]
pub(super) struct CheckinForm {
    event: i64,
    code: String,
}

pub(super) async fn door_page(
    state: &AppState,
    (ctx, staff): (PageContext, &Staff),
    event: Option<i64>,
    result: Option<Verdict>,
) -> Result<HttpResponse, AppError> {
    let scope = staff.scope(Right::CheckIn);
    let who = staff.clone();
    let (events, counts) = state
        .read(move |conn, now| {
            let events = checkin::door_events(conn, &scope, now)?;
            let counts = match event {
                Some(id) => {
                    who.authorize(conn, Right::CheckIn, &Target::Event(EventId(id)))?;
                    checkin::counts(conn, EventId(id))?
                }
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
pub(super) async fn checkin_page(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    query: web::Query<DoorQuery>,
) -> Result<HttpResponse, AppError> {
    door_page(&state, (ctx, &staff), query.event, None).await
}

#[post("/checkin")]
pub(super) async fn checkin_submit(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    form: web::Form<CheckinForm>,
    hx: crate::web::hx::HxRequest,
) -> Result<HttpResponse, AppError> {
    let CheckinForm { event, code } = form.into_inner();
    let event_id = EventId(event);
    let by = staff.account.id;
    // The door of an event of another organizer does not exist for this caller.
    let who = staff.clone();
    state
        .read(move |c, _| who.authorize(c, Right::CheckIn, &Target::Event(event_id)))
        .await?;
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
        return door_page(&state, (ctx, &staff), Some(event), verdict).await;
    }
    verdict_fragment(&state, event_id, verdict).await
}

/// For htmx: the verdict and the event's counter, alone.
async fn verdict_fragment(
    state: &AppState,
    event: EventId,
    verdict: Option<Verdict>,
) -> Result<HttpResponse, AppError> {
    let counts = state
        .read(move |conn, _| Ok(checkin::counts(conn, event)?))
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
