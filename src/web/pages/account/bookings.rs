//! `/account/bookings`: the signed-in buyer's bookings, newest first.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::domain::booking::BookingStatus;
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::money::Money;
use crate::services::bookings::{self as booking_views, BookingView};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html_with_status;
use crate::web::state::AppState;

/// One row of "My bookings".
struct BookingLine {
    reference: String,
    event_id: i64,
    event_title: String,
    venue: String,
    when: LocalStart,
    status: BookingStatus,
    total: Money,
}

impl BookingLine {
    fn of(view: BookingView) -> Self {
        let b = view.booking;
        BookingLine {
            total: b.total,
            when: LocalStart::new(b.starts_at, zone(&b.venue_timezone)),
            reference: b.reference,
            event_id: b.event_id.0,
            event_title: b.event_title,
            venue: b.venue_name,
            status: b.status,
        }
    }
}

#[derive(Template)]
#[template(path = "account/bookings.html")]
struct BookingsPage {
    layout: Layout,
    bookings: Vec<BookingLine>,
}

#[get("/account/bookings")]
pub(super) async fn my_bookings(
    state: web::Data<AppState>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    let rows = state
        .read(move |conn, _| Ok(booking_views::for_user(conn, account.id)?))
        .await?;
    let bookings = rows.into_iter().map(BookingLine::of).collect();
    html_with_status(
        StatusCode::OK,
        BookingsPage {
            layout: ctx.layout,
            bookings,
        }
        .render(),
    )
}
