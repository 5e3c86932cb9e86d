//! Paying for a booking: the Pay button, the payment page and its polled state.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::booking::BookingStatus;
use crate::domain::money::Money;
use crate::domain::payment::PaymentStatus;
use crate::providers::{Method, ProviderId};
use crate::services::bookings::BookingView;
use crate::services::payments::{self, PayWith, PaymentError};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::accounts::see_other;
use crate::web::session;
use crate::web::state::AppState;

use super::{TicketView, visible};

#[derive(Debug, Deserialize)]
pub(super) struct PayForm {
    method: String,
    idempotency_key: String,
}

/// The Pay step: starts a payment (the form's key makes a double submission one payment) and
/// sends the buyer to the provider's page. `method` is `provider:method` (`lotuspay:card`), or
/// a method alone at the event's first provider.
#[post("/bookings/{reference}/pay")]
pub(super) async fn pay(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<PayForm>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let account = ctx.require_user()?;
    let reference = path.into_inner();
    let Some((provider, method)) = chosen(&form.method) else {
        session::set_flash(&ctx.session, "Choose how you want to pay.");
        return Ok(see_other(&format!("/bookings/{reference}")));
    };
    let (providers, base_url) = (state.providers.clone(), state.settings.base_url.clone());
    let (r, key, user) = (reference.clone(), form.idempotency_key.clone(), account.id);
    let started = state
        .run(move |db, now| {
            let with = PayWith::new(&r, method, provider, &key);
            payments::start(db, &providers, &base_url, user, with, now)
        })
        .await?;
    let message = match started {
        Ok(started) => return Ok(see_other(&started.checkout_url)),
        Err(e) => refusal(e)?,
    };
    session::set_flash(&ctx.session, message);
    Ok(see_other(&format!("/bookings/{reference}")))
}

/// The Pay step's choice: `provider:method`, or a method alone.
fn chosen(raw: &str) -> Option<(Option<ProviderId>, Method)> {
    match raw.split_once(':') {
        Some((provider, method)) => Some((Some(provider.parse().ok()?), method.parse().ok()?)),
        None => Some((None, raw.parse().ok()?)),
    }
}

/// What the buyer is told when the payment cannot start (404 and server errors aside).
fn refusal(e: PaymentError) -> Result<&'static str, AppError> {
    Ok(match e {
        PaymentError::NotFound => return Err(AppError::NotFound),
        PaymentError::HoldExpired => {
            "The hold on these seats ran out before payment; choose seats again."
        }
        PaymentError::AlreadyPaid => "This booking is already paid.",
        PaymentError::NotPayable(_) => "This booking can no longer be paid.",
        PaymentError::BasketChanged => {
            "Your seats changed since that payment was started; check the total and pay again."
        }
        PaymentError::KeyReused | PaymentError::Invalid(_) => {
            "That payment form was out of date; please choose again."
        }
        e => return Err(e.into()),
    })
}

/// Where the gateway sends the buyer back, and what it polls.
#[derive(Template)]
#[template(path = "bookings/payment.html")]
pub(super) struct PaymentPage {
    layout: Layout,
    reference: String,
    event_title: String,
    state: PaymentState,
    /// What the provider's signed return said (a hint: the state below is the app's own).
    return_note: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "bookings/_payment_state.html")]
pub(super) struct PaymentFragment {
    reference: String,
    state: PaymentState,
}

/// What the return page says, from the booking and its latest payment.
pub struct PaymentState {
    /// `processing`, `paid`, `failed`, `refunding`, `none`.
    pub kind: &'static str,
    pub reason: Option<String>,
    pub total: Money,
    /// The booking can still be paid (show "try again").
    pub can_retry: bool,
    pub tickets: Vec<TicketView>,
    pub checkout_url: Option<String>,
}

pub(super) async fn payment_state(
    state: &AppState,
    ctx: &PageContext,
    reference: String,
) -> Result<(BookingView, PaymentState), AppError> {
    let (view, _, _) = visible(state, ctx, reference).await?;
    let id = view.booking.id;
    let payment = state
        .read(move |conn, _| Ok(crate::services::payments::latest(conn, id)?))
        .await?;
    let b = &view.booking;
    let now = state.clock.now();
    let live = b.status == BookingStatus::Pending && b.expires_at > now;
    let kind = match (b.status, payment.as_ref().map(|p| p.status)) {
        (BookingStatus::Paid, _) => "paid",
        (_, None) => "none",
        (_, Some(PaymentStatus::Pending)) => "processing",
        (_, Some(PaymentStatus::Failed)) => "failed",
        (_, Some(PaymentStatus::Succeeded | PaymentStatus::Refunded)) => "refunding",
    };
    let payment_state = PaymentState {
        kind,
        reason: payment.as_ref().and_then(|p| p.failure_reason.clone()),
        total: b.total,
        can_retry: live,
        tickets: view.tickets.iter().map(TicketView::of).collect(),
        checkout_url: payment
            .as_ref()
            .filter(|p| p.status == PaymentStatus::Pending)
            .map(|p| payments::checkout_url(&state.providers, &state.settings.base_url, p)),
    };
    Ok((view, payment_state))
}

#[get("/bookings/{reference}/payment")]
pub(super) async fn payment_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: actix_web::HttpRequest,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let (view, payment) = payment_state(&state, &ctx, reference.clone()).await?;
    let return_note = return_note(&state.providers, req.query_string(), payment.kind);
    crate::web::pages::html(
        PaymentPage {
            layout: ctx.layout,
            reference,
            event_title: view.booking.event_title,
            state: payment,
            return_note,
        }
        .render(),
    )
}

/// What the page says of the query the buyer came back with from their provider. It is a hint
/// and never moves the payment: the state shown is the app's, from the provider's notification
/// or a lookup. A return whose signature does not check out is said to be so.
fn return_note(
    providers: &crate::providers::Providers,
    query: &str,
    kind: &str,
) -> Option<&'static str> {
    let hint = providers
        .iter()
        .find_map(|p| p.read_return_hint(query).transpose())?;
    match hint {
        Err(_) => Some(
            "The link you came back on could not be verified; what this page shows comes from the payment provider itself.",
        ),
        // Paid or failed already: the page says so itself.
        Ok(_) if kind != "processing" => None,
        Ok(hint) if hint.approved => Some(
            "Your payment provider says the payment went through; we are confirming it with them.",
        ),
        Ok(_) => Some("Your payment provider says the payment did not go through."),
    }
}

/// The return page's live part, polled by htmx while the payment is processing.
#[get("/bookings/{reference}/payment/state")]
pub(super) async fn payment_fragment(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let (_, payment) = payment_state(&state, &ctx, reference.clone()).await?;
    crate::web::pages::html(
        PaymentFragment {
            reference,
            state: payment,
        }
        .render(),
    )
}
