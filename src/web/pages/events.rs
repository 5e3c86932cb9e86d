//! `/events` (search, filters, pages; htmx swaps the results) and `/events/{id}`.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::view::{
    CardView as _, CategoryOption, FilterForm, Pager, SortOption, categories, events_href, sorts,
};
use super::{html, html_with_status};
use crate::domain::catalogue::{CatalogueQuery, FieldErrors, RawCatalogueQuery};
use crate::domain::ids::EventId;
use crate::services::catalogue::{EventDetail, SearchResults};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::hx::HxRequest;
use crate::web::state::AppState;

pub const PAGE_SIZE: u32 = 12;

/// The results region: swapped alone by htmx, included by the full page.
#[derive(Template)]
#[template(path = "events/_results.html")]
struct Results {
    results: SearchResults,
    pager: Option<Pager>,
    filtered: bool,
    /// Filters that were ignored, and why (shown above the results).
    errors: FieldErrors,
    /// Also update the page's screen-reader status (htmx swaps of the results alone).
    oob: bool,
}

impl Results {
    fn new(results: SearchResults, query: &CatalogueQuery, errors: FieldErrors, oob: bool) -> Self {
        Results {
            pager: Pager::new(query, &results),
            results,
            filtered: query.is_filtered(),
            errors,
            oob,
        }
    }

    fn status_text(&self) -> String {
        match self.results.total {
            1 => "1 event found".to_owned(),
            n => format!("{n} events found"),
        }
    }
}

#[derive(Template)]
#[template(path = "events/index.html")]
struct EventsPage {
    layout: Layout,
    form: FilterForm,
    cities: Vec<String>,
    categories: Vec<CategoryOption>,
    sorts: Vec<SortOption>,
    results: Results,
}

/// The results alone for htmx, pushing the canonical address (no empty parameters) rather
/// than the raw form.
fn results_only(
    status: StatusCode,
    results: &Results,
    query: &CatalogueQuery,
) -> Result<HttpResponse, AppError> {
    let mut response = html_with_status(status, results.render())?;
    if let Ok(url) = HeaderValue::from_str(&events_href(query, query.page)) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("hx-push-url"), url);
    }
    Ok(response)
}

impl EventsPage {
    fn new(layout: Layout, form: FilterForm, cities: Vec<String>, results: Results) -> Self {
        EventsPage {
            layout,
            form,
            cities,
            categories: categories(),
            sorts: sorts(),
            results,
        }
    }
}

#[get("/events")]
async fn index(
    state: web::Data<AppState>,
    raw: web::Query<RawCatalogueQuery>,
    hx: HxRequest,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let raw = raw.into_inner();
    let (query, errors) = CatalogueQuery::parse(&raw, PAGE_SIZE);
    let (q, kept) = (query.clone(), state.catalogue.clone());
    let (results, cities) = state
        .read(move |conn, now| {
            Ok((
                (*kept.search(conn, &q, now)?).clone(),
                kept.cities(conn, now)?.to_vec(),
            ))
        })
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let results = Results::new(results, &query, errors.clone(), hx.0);
    if hx.0 {
        return results_only(status, &results, &query);
    }
    let form = FilterForm::new(raw, &query, errors);
    let page = EventsPage::new(ctx.layout, form, cities, results);
    html_with_status(status, page.render())
}

#[derive(Template)]
#[template(path = "events/show.html")]
struct EventPage {
    layout: Layout,
    detail: EventDetail,
    paragraphs: Vec<String>,
    /// The event's waiting room, when it has one on (issue 20).
    queue: Option<QueueBanner>,
}

impl EventPage {
    /// Whether "Get tickets" leads to the waiting room.
    fn queues(&self) -> bool {
        self.queue.as_ref().is_some_and(QueueBanner::queues)
    }
}

/// What the event page says about its waiting room: when it opens, or that it is open.
struct QueueBanner {
    /// `upcoming` (the pre-queue opens later), `prequeue`, `open`.
    phase: &'static str,
    /// When the pre-queue opens and when the sale (the draw) starts, in the venue's time.
    opens: Option<String>,
    sale: Option<String>,
}

impl QueueBanner {
    fn of(room: &crate::services::queue::board::Snapshot) -> Option<Self> {
        use crate::domain::queue::Phase;
        let local = |t: chrono::NaiveDateTime| {
            crate::domain::local_time::to_local(t, room.timezone)
                .format("%a %-d %b, %H:%M %Z")
                .to_string()
        };
        let phase = match room.phase {
            _ if !room.enabled => return None,
            Phase::Off if room.prequeue_opens_at.is_some() => "upcoming",
            Phase::Prequeue => "prequeue",
            Phase::Open => "open",
            Phase::Off | Phase::Closed => return None,
        };
        Some(QueueBanner {
            phase,
            opens: room.prequeue_opens_at.map(local),
            sale: room.sales_start_at.map(local),
        })
    }

    /// Whether buying goes through the queue page now.
    fn queues(&self) -> bool {
        self.phase != "upcoming"
    }
}

#[get("/events/{id}")]
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let id = path
        .parse::<i64>()
        .map(EventId)
        .map_err(|_| AppError::NotFound)?;
    let kept = state.catalogue.clone();
    let detail = state
        .read(move |conn, now| Ok((*kept.event(conn, id, now)?).clone()))
        .await?;
    let paragraphs = detail
        .event
        .description
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let queue = state.queue.get(id).and_then(|r| QueueBanner::of(&r));
    html(
        EventPage {
            layout: ctx.layout,
            detail,
            paragraphs,
            queue,
        }
        .render(),
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(index).service(show);
}
