//! `GET /bookings/{reference}/tickets`: the tickets of a paid booking.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::domain::local_time::{LocalStart, zone};
use crate::services::bookings::BookingView;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::accounts::see_other;
use crate::web::session;
use crate::web::state::AppState;

use super::{TicketView, visible};

/// The tickets, ready to print (one per page section, with their QR codes).
#[derive(Template)]
#[template(path = "bookings/tickets.html")]
pub(super) struct TicketsPage {
    layout: Layout,
    view: BookingView,
    when: LocalStart,
    tickets: Vec<TicketView>,
}

#[get("/bookings/{reference}/tickets")]
pub(super) async fn tickets(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let (view, _, _) = visible(&state, &ctx, path.into_inner()).await?;
    if view.tickets.is_empty() {
        session::set_flash(&ctx.session, "This booking has no tickets yet.");
        return Ok(see_other(&format!("/bookings/{}", view.booking.reference)));
    }
    let b = &view.booking;
    let page = TicketsPage {
        when: LocalStart::new(b.starts_at, zone(&b.venue_timezone)),
        tickets: view.tickets.iter().map(TicketView::of).collect(),
        layout: ctx.layout,
        view,
    };
    crate::web::pages::html(page.render())
}
