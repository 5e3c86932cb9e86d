//! `GET /admin/bookings`: the searchable, filterable booking list (a page, or its results for htmx).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::access::Right;
use crate::domain::booking::BookingStatus;
use crate::domain::money::Money;
use crate::services::booking_admin::{self, BookingAdminError, Page, Search, SearchInput};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::hx::HxRequest;
use crate::web::pages::{html, html_with_status};
use crate::web::state::AppState;

/// The list's filters as the form sends them (every field may be blank).
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    event_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    page: Option<u32>,
}

impl ListQuery {
    /// The search these filters ask for, or the message saying why they cannot be read.
    fn search(&self) -> Result<Search, String> {
        let event = match self.event_id.trim() {
            "" => Ok(None),
            raw => raw.parse::<i64>().map(Some).map_err(|_| ()),
        };
        event
            .map_err(|()| "Choose an event from the list.".to_owned())
            .and_then(|event| {
                Search::parse(SearchInput {
                    event_id: event,
                    status: Some(self.status.clone()),
                    q: Some(self.q.clone()),
                    page: self.page,
                    per_page: None,
                })
                .map_err(|e| match e {
                    BookingAdminError::Invalid(errors) => {
                        errors.into_values().collect::<Vec<_>>().join(" ")
                    }
                    other => other.to_string(),
                })
            })
    }

    /// The query string of these filters on `page` (for the pager's links).
    pub(super) fn href(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("event_id", &self.event_id),
            ("status", &self.status),
            ("q", &self.q),
        ] {
            if !v.trim().is_empty() {
                pairs.push((k, v.trim().to_owned()));
            }
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() {
            "/admin/bookings".to_owned()
        } else {
            format!("/admin/bookings?{query}")
        }
    }
}

/// A row of the list, ready to show.
pub(super) struct Row {
    reference: String,
    event: String,
    buyer: String,
    email: String,
    status: BookingStatus,
    total: Money,
    created: String,
}

/// The table and its pager: the part htmx swaps.
#[derive(Template)]
#[template(path = "admin/bookings/_results.html")]
pub(super) struct Results {
    rows: Vec<Row>,
    total: i64,
    page: u32,
    last_page: u32,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/bookings/index.html")]
pub(super) struct ListPage {
    layout: Layout,
    query: ListQuery,
    events: Vec<(i64, String)>,
    statuses: [&'static str; 5],
    error: Option<String>,
    results: Results,
}

pub(super) fn results(query: &ListQuery, page: &Page) -> Results {
    let last_page = page.last_page();
    Results {
        rows: page
            .items
            .iter()
            .map(|l| {
                let b = &l.view.booking;
                Row {
                    reference: b.reference.clone(),
                    event: b.event_title.clone(),
                    buyer: l.buyer.name.clone(),
                    email: l.buyer.email.clone(),
                    status: b.status,
                    total: b.total,
                    created: b.created_at.format("%Y-%m-%d %H:%M").to_string(),
                }
            })
            .collect(),
        total: page.total,
        page: page.page,
        last_page,
        previous: (page.page > 1).then(|| query.href(page.page - 1)),
        next: (page.page < last_page).then(|| query.href(page.page + 1)),
    }
}

/// What the list shows when the filters could not be read.
fn no_results() -> Page {
    Page {
        items: Vec::new(),
        total: 0,
        page: 1,
        per_page: booking_admin::PAGE_SIZE,
    }
}

impl ListPage {
    /// The results alone for htmx (when the filters could be read), else the whole page: 422
    /// with the message when they could not.
    fn render_for(
        layout: Layout,
        hx: bool,
        query: ListQuery,
        page: &Page,
        events: Vec<(i64, String)>,
        error: Option<String>,
    ) -> Result<HttpResponse, AppError> {
        let results = results(&query, page);
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        if hx && error.is_none() {
            return html(results.render());
        }
        html_with_status(
            status,
            ListPage {
                layout,
                query,
                events,
                statuses: ["pending", "paid", "expired", "cancelled", "refunded"],
                error,
                results,
            }
            .render(),
        )
    }
}

#[get("/bookings")]
pub(super) async fn list(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    hx: HxRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let scope = staff.scope(Right::ManageBookings);
    let (search, error) = match query.search() {
        Ok(search) => (Some(search.within(&scope)), None),
        Err(message) => (None, Some(message)),
    };
    let (page, events) = state
        .read(move |conn, _| {
            let page = match &search {
                Some(search) => booking_admin::search(conn, search)?,
                None => no_results(),
            };
            let events = if hx.0 {
                Vec::new()
            } else {
                booking_admin::event_choices(conn, &scope)?
            };
            Ok((page, events))
        })
        .await?;
    ListPage::render_for(ctx.layout, hx.0, query, &page, events, error)
}
