//! The admin's booking documents built with `json!` in `admin_bookings`, described for the
//! OpenAPI document only: when a member is added there, it is added here.

use crate::domain::email::EmailStatus;
use crate::domain::event::EventStatus;
use crate::domain::ids::{EmailId, EventId, RefundId};
use crate::domain::payment::{PaymentStatus, RefundStatus};
use crate::domain::ticket::TicketStatus;

use super::AdminBookingJson;

/// A page of the admin's booking search.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AdminBookingPage {
    items: Vec<AdminBookingJson<'static>>,
    page: u32,
    per_page: u32,
    total: i64,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AdminBookingEvent)]
pub struct Event {
    id: EventId,
    title: String,
    /// RFC 3339, UTC.
    starts_at: String,
    status: EventStatus,
}

/// Every ticket of the booking, void ones too.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AdminBookingTicket)]
pub struct Ticket {
    code: String,
    status: TicketStatus,
    /// Where: section, row and seat in words.
    place: String,
    checked_in_at: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AdminBookingPayment)]
pub struct Payment {
    /// The provider's reference for the payment.
    external_id: String,
    /// The provider that took it: `simpay` or `lotuspay`.
    provider: crate::providers::ProviderId,
    /// What has been refunded of it so far.
    refunded_cents: i64,
    method: String,
    status: PaymentStatus,
    amount_cents: i64,
    currency: String,
    failure_reason: Option<String>,
    created_at: String,
    succeeded_at: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AdminBookingRefund)]
pub struct Refund {
    id: RefundId,
    /// The provider's reference for the refund, once it made it.
    external_id: Option<String>,
    status: RefundStatus,
    amount_cents: i64,
    currency: String,
    reason: String,
    attempts: i32,
    last_error: Option<String>,
    created_at: String,
    succeeded_at: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AdminBookingEmail)]
pub struct Email {
    id: EmailId,
    /// Which email (`booking_confirmed`, `tickets`, …).
    kind: String,
    status: EmailStatus,
    attempts: i32,
    last_error: Option<String>,
    created_at: String,
    sent_at: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AdminBookingMoment)]
pub struct Moment {
    at: String,
    /// `booking`, `payment`, `refund`, `email`, `check_in`, …
    kind: String,
    text: String,
}

/// One booking with everything the admin's page shows.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AdminBookingDetail {
    #[serde(flatten)]
    booking: AdminBookingJson<'static>,
    paid_at: Option<String>,
    cancelled_at: Option<String>,
    refunded_at: Option<String>,
    event: Event,
    all_tickets: Vec<Ticket>,
    payments: Vec<Payment>,
    refunds: Vec<Refund>,
    emails: Vec<Email>,
    timeline: Vec<Moment>,
}

/// Which email was queued again.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Resent {
    queued: String,
}
