//! `/admin/bookings…`: the admin's searchable list of bookings, one booking with its history,
//! a manual refund (reason required, then a confirmation step), resending its emails, and an
//! event's attendee list as CSV. Registered inside the `/admin` scope (behind the guard).

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::{html, html_with_status};
use crate::domain::ids::EventId;
use crate::domain::money::Money;
use crate::services::booking_admin::{
    self, BookingAdminError, Detail, Page, Refunded, Search, SearchInput,
};
use crate::web::admin_guard::Admin;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::hx::HxRequest;
use crate::web::session;
use crate::web::state::AppState;

/// The list's filters as the form sends them (every field may be blank).
#[derive(Debug, Clone, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    event_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    page: Option<u32>,
}

impl ListQuery {
    /// The query string of these filters on `page` (for the pager's links).
    fn href(&self, page: u32) -> String {
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
struct Row {
    reference: String,
    event: String,
    buyer: String,
    email: String,
    status: String,
    total: String,
    created: String,
}

/// The table and its pager: the part htmx swaps.
#[derive(Template)]
#[template(path = "admin/bookings/_results.html")]
struct Results {
    rows: Vec<Row>,
    total: i64,
    page: u32,
    last_page: u32,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/bookings/index.html")]
struct ListPage {
    layout: Layout,
    query: ListQuery,
    events: Vec<(i64, String)>,
    statuses: [&'static str; 5],
    error: Option<String>,
    results: Results,
}

fn results(query: &ListQuery, page: &Page) -> Results {
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
                    status: b.status.clone(),
                    total: Money::new(b.total_cents, &b.currency).to_string(),
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

#[get("/bookings")]
async fn list(
    state: web::Data<AppState>,
    ctx: PageContext,
    hx: HxRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let event_id = query.event_id.trim();
    let event = match event_id {
        "" => Ok(None),
        raw => raw.parse::<i64>().map(Some).map_err(|_| ()),
    };
    let parsed = event
        .map_err(|()| "Choose an event from the list.".to_owned())
        .and_then(|event| {
            Search::parse(SearchInput {
                event_id: event,
                status: Some(query.status.clone()),
                q: Some(query.q.clone()),
                page: query.page,
                per_page: None,
            })
            .map_err(|e| match e {
                BookingAdminError::Invalid(errors) => {
                    errors.into_values().collect::<Vec<_>>().join(" ")
                }
                other => other.to_string(),
            })
        });
    let (search, error) = match parsed {
        Ok(search) => (Some(search), None),
        Err(message) => (None, Some(message)),
    };
    let (page, events) = state
        .read(move |conn, _| {
            let page = match &search {
                Some(search) => booking_admin::search(conn, search)?,
                None => Page {
                    items: Vec::new(),
                    total: 0,
                    page: 1,
                    per_page: booking_admin::PAGE_SIZE,
                },
            };
            let events = if hx.0 {
                Vec::new()
            } else {
                booking_admin::event_choices(conn)?
            };
            Ok((page, events))
        })
        .await?;
    let results = results(&query, &page);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    if hx.0 && error.is_none() {
        return html(results.render());
    }
    html_with_status(
        status,
        ListPage {
            layout: ctx.layout,
            query,
            events,
            statuses: ["pending", "paid", "expired", "cancelled", "refunded"],
            error,
            results,
        }
        .render(),
    )
}

#[derive(Template)]
#[template(path = "admin/bookings/show.html")]
struct ShowPage {
    layout: Layout,
    d: Detail,
    reason: String,
    reason_error: Option<String>,
    /// The refund asks to be confirmed: the reason is set and the form says so.
    confirming: bool,
}

impl ShowPage {
    fn place(&self, section: &str, row: &Option<String>, number: &Option<i32>) -> String {
        crate::domain::seatmap::place_label(section, row.as_deref(), *number)
    }

    fn money(&self, cents: &i64, currency: &str) -> String {
        Money::new(*cents, currency).to_string()
    }
}

async fn show_page(
    state: &AppState,
    layout: Layout,
    reference: String,
    reason: String,
    reason_error: Option<String>,
    confirming: bool,
) -> Result<HttpResponse, AppError> {
    let d = state
        .read(move |conn, _| Ok(booking_admin::detail(conn, &reference)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let status = if reason_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html_with_status(
        status,
        ShowPage {
            layout,
            d,
            reason,
            reason_error,
            confirming,
        }
        .render(),
    )
}

#[get("/bookings/{reference}")]
async fn show(
    state: web::Data<AppState>,
    ctx: PageContext,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_page(
        &state,
        ctx.layout,
        path.into_inner(),
        String::new(),
        None,
        false,
    )
    .await
}

#[derive(Deserialize)]
struct RefundForm {
    #[serde(default)]
    reason: String,
    /// `yes` on the confirmation step's button.
    #[serde(default)]
    confirm: String,
}

/// The refund form: first the reason (checked), then a confirmation step that repeats what
/// is about to happen; only the confirmed form refunds.
#[post("/bookings/{reference}/refund")]
async fn refund(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    path: web::Path<String>,
    form: web::Form<RefundForm>,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let RefundForm { reason, confirm } = form.into_inner();
    if let Err(BookingAdminError::Invalid(errors)) = booking_admin::parse_reason(&reason) {
        let message = errors.into_values().collect::<Vec<_>>().join(" ");
        return show_page(&state, ctx.layout, reference, reason, Some(message), false).await;
    }
    if confirm != "yes" {
        return show_page(&state, ctx.layout, reference, reason, None, true).await;
    }
    let (live, by) = (state.live.clone(), admin.0.id);
    let r = reference.clone();
    let outcome = state
        .run(move |db, now| booking_admin::refund(db, &live, &r, &reason, by, now))
        .await?;
    let message = match outcome {
        Ok(Refunded::Now) => {
            "The booking is refunded: its tickets are void and the buyer is emailed. The payment goes back through the gateway in a moment."
        }
        Ok(Refunded::Already) => "This booking was already refunded; nothing changed.",
        Err(BookingAdminError::NotPaid(_)) => {
            "Only a paid booking can be refunded; nothing changed."
        }
        Err(e) => return Err(e.into()),
    };
    session::set_flash(&ctx.session, message);
    Ok(see(&reference))
}

#[post("/bookings/{reference}/resend")]
async fn resend(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let by = admin.0.id;
    let r = reference.clone();
    let outcome = state
        .write(move |c, now| booking_admin::resend(c, &r, by, now))
        .await?;
    let message = match outcome {
        Ok(kind) => format!(
            "The {} email is queued again and goes out in a moment.",
            kind.replace('_', " ")
        ),
        Err(BookingAdminError::NothingToResend) => {
            "This booking has no email to send again.".to_owned()
        }
        Err(e) => return Err(e.into()),
    };
    session::set_flash(&ctx.session, &message);
    Ok(see(&reference))
}

fn see(reference: &str) -> HttpResponse {
    let safe: String = reference
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/admin/bookings/{safe}")))
        .finish()
}

/// The event's attendees, one line per ticket (void ones too), as a CSV download.
#[get("/events/{id}/attendees.csv")]
async fn attendees(
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(show)
        .service(refund)
        .service(resend)
        .service(attendees);
}
