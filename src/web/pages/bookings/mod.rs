//! `/bookings/{reference}`: one booking, for its owner (and admins; anyone else gets a 404).
//! A pending booking is the buyer's basket: its countdown, its lines (each can be taken out),
//! cancelling it, and the way to payment. A paid booking shows its tickets.

mod changes;
mod payment;
mod tickets_page;

use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::NaiveDateTime;

use crate::db::payments::Payment;
use crate::domain::booking::BookingStatus;
use crate::domain::ids::UserId;
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::money::Money;
use crate::domain::seatmap::countdown;
use crate::domain::user::Role;
use crate::services::bookings::{self, BookingView};
use crate::services::holds;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::seatmap::view::BasketLine;
use crate::web::state::AppState;

use changes::{cancel, remove};
use payment::{pay, payment_fragment, payment_page};
use tickets_page::tickets;

#[derive(Template)]
#[template(path = "bookings/show.html")]
struct BookingPage {
    layout: Layout,
    view: BookingView,
    when: LocalStart,
    total: Money,
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
    /// The ways to pay the event offers (issue 23), the first one chosen.
    options: Vec<PayOption>,
}

/// One choice of the Pay step: `provider:method`, and how the buyer reads it.
pub struct PayOption {
    pub value: String,
    pub label: String,
}

impl PayOption {
    /// Every method of each provider offered; the provider named only when there are several.
    fn all(
        providers: &crate::providers::Providers,
        offered: &[crate::providers::ProviderId],
    ) -> Vec<PayOption> {
        let several = offered.len() > 1;
        providers
            .options(offered)
            .into_iter()
            .map(|(p, m)| PayOption {
                value: format!("{}:{}", p.id(), m.as_str()),
                label: if several {
                    format!("{} · {}", m.label(), p.label())
                } else {
                    m.label().to_owned()
                },
            })
            .collect()
    }
}

impl BookingPage {
    fn new(
        layout: Layout,
        view: BookingView,
        own: bool,
        payment: Option<Payment>,
        options: Vec<PayOption>,
        now: NaiveDateTime,
    ) -> Self {
        let b = &view.booking;
        let live = b.status == BookingStatus::Pending && b.expires_at > now;
        let lines = view
            .items
            .iter()
            .map(|i| BasketLine::of(i, b.total.currency))
            .collect();
        BookingPage {
            when: LocalStart::new(b.starts_at, zone(&b.venue_timezone)),
            total: b.total,
            lines,
            live,
            left: countdown(b.expires_at, now),
            left_ms: (b.expires_at - now).num_milliseconds().max(0),
            own,
            pay_key: new_pay_key(),
            payment,
            tickets: view.tickets.iter().map(TicketView::of).collect(),
            options,
            layout,
            view,
        }
    }
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
    let (id, event) = (view.booking.id, view.booking.event_id);
    let (payment, offered) = state
        .read(move |conn, _| {
            Ok((
                crate::services::payments::latest(conn, id)?,
                crate::db::providers::offered(conn, event).map_err(crate::db::DbError::Query)?,
            ))
        })
        .await?;
    let options = PayOption::all(&state.providers, &offered);
    let page = BookingPage::new(ctx.layout, view, own, payment, options, state.clock.now());
    super::html(page.render())
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
