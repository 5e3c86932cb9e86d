//! `/venues` (every venue, by name, with its city and upcoming events) and `/venues/{id}` (one
//! venue: address, time zone, sections, and its upcoming published events as cards).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::view::CardView as _;
use super::{html, html_with_status};
use crate::domain::catalogue::FieldErrors;
use crate::domain::ids::VenueId;
use crate::domain::venue::{RawVenueQuery, VenueQuery};
use crate::services::catalogue::{VenueDetail, VenueList};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::state::AppState;

pub const PAGE_SIZE: u32 = 24;

#[derive(Template)]
#[template(path = "venues/index.html")]
struct VenuesPage {
    layout: Layout,
    venues: VenueList,
    city: Option<String>,
    /// Values that were ignored, and why.
    errors: FieldErrors,
    previous: Option<String>,
    next: Option<String>,
}

/// `/venues?…` for this query at `page`, with only the parameters that differ from defaults.
fn venues_href(q: &VenueQuery, page: u32) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(city) = &q.city {
        pairs.push(("city", city.clone()));
    }
    if q.per_page != PAGE_SIZE {
        pairs.push(("per_page", q.per_page.to_string()));
    }
    if page > 1 {
        pairs.push(("page", page.to_string()));
    }
    match serde_urlencoded::to_string(&pairs) {
        Ok(qs) if !qs.is_empty() => format!("/venues?{qs}"),
        _ => "/venues".to_owned(),
    }
}

#[get("/venues")]
async fn index(
    state: web::Data<AppState>,
    raw: web::Query<RawVenueQuery>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let (query, errors) = VenueQuery::parse(&raw, PAGE_SIZE);
    let (q, kept) = (query.clone(), state.catalogue.clone());
    let venues = state
        .read(move |conn, now| Ok((*kept.venues(conn, &q, now)?).clone()))
        .await?;
    let (page, last) = (query.page, venues.last_page());
    let page = VenuesPage {
        layout: ctx.layout,
        previous: (page > 1).then(|| venues_href(&query, page.min(last + 1) - 1)),
        next: (page < last).then(|| venues_href(&query, page + 1)),
        city: query.city,
        venues,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_with_status(status, page.render())
}

#[derive(Template)]
#[template(path = "venues/show.html")]
struct VenuePage {
    layout: Layout,
    detail: VenueDetail,
}

impl VenuePage {
    /// Whether the venue has more upcoming events than the page lists.
    fn more(&self) -> bool {
        usize::try_from(self.detail.venue.upcoming_events)
            .is_ok_and(|n| n > self.detail.events.len())
    }
}

#[get("/venues/{id}")]
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let id = path
        .parse::<i64>()
        .map(VenueId)
        .map_err(|_| AppError::NotFound)?;
    let kept = state.catalogue.clone();
    let detail = state
        .read(move |conn, now| Ok((*kept.venue(conn, id, now)?).clone()))
        .await?;
    html(
        VenuePage {
            layout: ctx.layout,
            detail,
        }
        .render(),
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(index).service(show);
}
