//! `/bookings/{reference}`: one booking, for its owner (and admins; anyone else gets a 404).
//! A pending booking is the buyer's basket: its countdown, its lines (each can be taken out),
//! cancelling it, and the way to payment. A paid booking shows its tickets.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::see_other;
use super::view::booking_status;
use crate::db::payments::Payment;
use crate::domain::ids::{EventId, SeatId, UserId};
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::money::Money;
use crate::domain::payment::PaymentStatus;
use crate::domain::seatmap::countdown;
use crate::domain::user::Role;
use crate::gateway::Method;
use crate::services::bookings::{self, BookingView};
use crate::services::holds;
use crate::services::payments::{self, PaymentError};
use crate::services::seatmap::BasketLine;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "bookings/show.html")]
struct BookingPage {
    layout: Layout,
    view: BookingView,
    status_label: &'static str,
    status_class: &'static str,
    when: LocalStart,
    total: String,
    lines: Vec<BasketLine>,
    /// Pending and not run out: the basket can still change.
    live: bool,
    left: String,
    left_ms: i64,
    own: bool,
    /// The idempotency key of this page's Pay form: a double submission is one payment.
    pay_key: String,
    /// The booking's latest payment, if any.
    payment: Option<Payment>,
    tickets: Vec<TicketView>,
}

/// A ticket as the pages show it: its place, its code (grouped for reading) and its QR code.
pub struct TicketView {
    pub place: String,
    pub code: String,
    pub grouped: String,
    /// An SVG made here from the code (only `[0-9A-Z]`), safe to inline.
    pub qr: String,
}

impl TicketView {
    fn of(t: &crate::db::bookings::TicketRow) -> Self {
        TicketView {
            place: crate::domain::seatmap::place_label(&t.section, t.row.as_deref(), t.number),
            grouped: crate::domain::payment::grouped(&t.code),
            qr: crate::domain::qr::svg(&t.code),
            code: t.code.clone(),
        }
    }
}

/// A fresh idempotency key for a Pay form.
fn new_pay_key() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The booking if the signed-in visitor may see it.
async fn visible(
    state: &AppState,
    ctx: &PageContext,
    reference: String,
) -> Result<(BookingView, UserId, bool), AppError> {
    let account = ctx.require_user()?;
    let (user, admin) = (account.id, account.role == Role::Admin);
    state
        .read(move |conn, _| {
            let head = holds::find_for(conn, &reference, user, admin)?.ok_or(AppError::NotFound)?;
            let view = bookings::one(conn, head.id)?.ok_or(AppError::NotFound)?;
            Ok((view, head.user_id, head.user_id == user))
        })
        .await
}

#[get("/bookings/{reference}")]
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let (view, _, own) = visible(&state, &ctx, reference.clone()).await?;
    let id = view.booking.id;
    let payment = state
        .read(move |conn, _| {
            Ok(crate::db::payments::latest(conn, id).map_err(crate::db::DbError::Query)?)
        })
        .await?;
    let now = state.clock.now();
    let b = &view.booking;
    let (status_label, status_class) = booking_status(&b.status);
    let live = b.status == "pending" && b.expires_at > now;
    let lines = view
        .items
        .iter()
        .map(|i| BasketLine::of(i, &b.currency))
        .collect();
    let page = BookingPage {
        status_label,
        status_class,
        when: LocalStart::new(b.starts_at, zone(&b.venue_timezone)),
        total: Money::new(b.total_cents, &b.currency).to_string(),
        lines,
        live,
        left: countdown(b.expires_at, now),
        left_ms: (b.expires_at - now).num_milliseconds().max(0),
        own,
        pay_key: new_pay_key(),
        payment,
        tickets: view.tickets.iter().map(TicketView::of).collect(),
        layout: ctx.layout,
        view,
    };
    super::html(page.render())
}

#[derive(Debug, Deserialize)]
struct PayForm {
    method: String,
    idempotency_key: String,
}

/// The Pay step: starts a payment (the form's key makes a double submission one payment) and
/// sends the buyer to the gateway's hosted page.
#[post("/bookings/{reference}/pay")]
async fn pay(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<PayForm>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    let reference = path.into_inner();
    let Ok(method) = form.method.parse::<Method>() else {
        session::set_flash(&ctx.session, "Choose how you want to pay.");
        return Ok(see_other(&format!("/bookings/{reference}")));
    };
    let (gateway, base_url) = (state.gateway.clone(), state.settings.base_url.clone());
    let (r, key, user) = (reference.clone(), form.idempotency_key.clone(), account.id);
    let started = state
        .run(move |db, now| payments::start(db, &gateway, &base_url, user, &r, method, &key, now))
        .await?;
    let message = match started {
        Ok(started) => return Ok(see_other(&started.checkout_url)),
        Err(PaymentError::NotFound) => return Err(AppError::NotFound),
        Err(PaymentError::HoldExpired) => {
            "The hold on these seats ran out before payment; choose seats again."
        }
        Err(PaymentError::AlreadyPaid) => "This booking is already paid.",
        Err(PaymentError::NotPayable(_)) => "This booking can no longer be paid.",
        Err(PaymentError::BasketChanged) => {
            "Your seats changed since that payment was started; check the total and pay again."
        }
        Err(PaymentError::KeyReused | PaymentError::Invalid(_)) => {
            "That payment form was out of date; please choose again."
        }
        Err(e) => return Err(e.into()),
    };
    session::set_flash(&ctx.session, message);
    Ok(see_other(&format!("/bookings/{reference}")))
}

/// Where the gateway sends the buyer back, and what it polls.
#[derive(Template)]
#[template(path = "bookings/payment.html")]
struct PaymentPage {
    layout: Layout,
    reference: String,
    event_title: String,
    state: PaymentState,
}

#[derive(Template)]
#[template(path = "bookings/_payment_state.html")]
struct PaymentFragment {
    reference: String,
    state: PaymentState,
}

/// What the return page says, from the booking and its latest payment.
pub struct PaymentState {
    /// `processing`, `paid`, `failed`, `refunding`, `none`.
    pub kind: &'static str,
    pub reason: Option<String>,
    pub total: String,
    /// The booking can still be paid (show "try again").
    pub can_retry: bool,
    pub tickets: Vec<TicketView>,
    pub checkout_url: Option<String>,
}

async fn payment_state(
    state: &AppState,
    ctx: &PageContext,
    reference: String,
) -> Result<(BookingView, PaymentState), AppError> {
    let (view, _, _) = visible(state, ctx, reference).await?;
    let id = view.booking.id;
    let payment = state
        .read(move |conn, _| {
            Ok(crate::db::payments::latest(conn, id).map_err(crate::db::DbError::Query)?)
        })
        .await?;
    let b = &view.booking;
    let now = state.clock.now();
    let live = b.status == "pending" && b.expires_at > now;
    let kind = match (b.status.as_str(), payment.as_ref().map(|p| p.status)) {
        ("paid", _) => "paid",
        (_, None) => "none",
        (_, Some(PaymentStatus::Pending)) => "processing",
        (_, Some(PaymentStatus::Failed)) => "failed",
        (_, Some(PaymentStatus::Succeeded | PaymentStatus::Refunded)) => "refunding",
    };
    let payment_state = PaymentState {
        kind,
        reason: payment.as_ref().and_then(|p| p.failure_reason.clone()),
        total: Money::new(b.total_cents, &b.currency).to_string(),
        can_retry: live,
        tickets: view.tickets.iter().map(TicketView::of).collect(),
        checkout_url: payment
            .as_ref()
            .filter(|p| p.status == PaymentStatus::Pending)
            .map(|p| payments::checkout_url(&state.settings.base_url, &p.external_id)),
    };
    Ok((view, payment_state))
}

#[get("/bookings/{reference}/payment")]
async fn payment_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let (view, payment) = payment_state(&state, &ctx, reference.clone()).await?;
    super::html(
        PaymentPage {
            layout: ctx.layout,
            reference,
            event_title: view.booking.event_title,
            state: payment,
        }
        .render(),
    )
}

/// The return page's live part, polled by htmx while the payment is processing.
#[get("/bookings/{reference}/payment/state")]
async fn payment_fragment(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let (_, payment) = payment_state(&state, &ctx, reference.clone()).await?;
    super::html(
        PaymentFragment {
            reference,
            state: payment,
        }
        .render(),
    )
}

/// The tickets, ready to print (one per page section, with their QR codes).
#[derive(Template)]
#[template(path = "bookings/tickets.html")]
struct TicketsPage {
    layout: Layout,
    view: BookingView,
    when: LocalStart,
    tickets: Vec<TicketView>,
}

#[get("/bookings/{reference}/tickets")]
async fn tickets(
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
    super::html(page.render())
}

#[post("/bookings/{reference}/cancel")]
async fn cancel(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let (view, owner, own) = visible(&state, &ctx, reference.clone()).await?;
    if !own {
        // Admins cancel and refund from the box office, not from the buyer's page.
        return Err(AppError::Forbidden);
    }
    let (live, gateway) = (state.live.clone(), state.gateway.clone());
    let r = reference.clone();
    let result = state
        .run(move |db, now| {
            crate::services::payments::cancel_booking(db, &live, &gateway, owner, &r, now)
        })
        .await?;
    let message = match result {
        Ok(_) => "Your booking was cancelled and its seats released.",
        Err(holds::BookingError::NotPending(_)) => {
            "Only a booking awaiting payment can be cancelled."
        }
        Err(e) => return Err(e.into()),
    };
    session::set_flash(&ctx.session, message);
    Ok(see_other(&format!(
        "/events/{}/seats",
        view.booking.event_id
    )))
}

/// Takes one line out of a pending booking, from the booking page.
#[derive(Debug, Deserialize)]
struct RemoveForm {
    release: Option<String>,
    remove_line: Option<String>,
}

#[post("/bookings/{reference}/remove")]
async fn remove(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<RemoveForm>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let (view, owner, own) = visible(&state, &ctx, reference.clone()).await?;
    if !own {
        return Err(AppError::Forbidden);
    }
    let event: EventId = view.booking.event_id;
    let number = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i64>().ok());
    let live = state.live.clone();
    let removed = match (number(&form.release), number(&form.remove_line)) {
        (Some(seat), None) => {
            state
                .run(move |db, now| holds::release_seat(db, &live, owner, event, SeatId(seat), now))
                .await??
        }
        (None, Some(item)) => {
            state
                .run(move |db, now| holds::release_places(db, &live, owner, event, item, now))
                .await??
        }
        _ => {
            return Err(AppError::Validation(
                [("line", "Choose a line of the booking to remove.".to_owned())]
                    .into_iter()
                    .collect(),
            ));
        }
    };
    session::set_flash(
        &ctx.session,
        if removed {
            "That ticket was taken out of your booking."
        } else {
            "That ticket was not in this booking any more."
        },
    );
    Ok(see_other(&format!("/bookings/{reference}")))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show)
        .service(cancel)
        .service(remove)
        .service(pay)
        .service(payment_page)
        .service(payment_fragment)
        .service(tickets);
}
