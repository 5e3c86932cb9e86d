//! The export document's shape: stable and documented (ToSchema), so that what people
//! download and what the API answers read the same. Additions only; anything else is a new
//! [`super::EXPORT_FORMAT`].

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::booking::BookingStatus;
use crate::domain::email::EmailStatus;
use crate::domain::ids::{EventId, OrganizerId, SeatId, UserId};
use crate::domain::payment::{PaymentStatus, RefundStatus};
use crate::domain::queue::TicketState;
use crate::domain::ticket::TicketStatus;
use crate::domain::user::Role;

/// Everything the app holds about the caller.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AccountExport)]
pub struct AccountExport {
    /// `boxoffice.account-export.v1`.
    pub format: &'static str,
    pub generated_at: String,
    pub profile: ExportProfile,
    /// Every booking, newest first, with its lines, tickets, payments and refunds.
    pub bookings: Vec<ExportBooking>,
    /// Emails sent or to be sent to the account or its address.
    pub emails: Vec<ExportEmail>,
    /// Browser sessions (signed-in devices).
    pub sessions: Vec<ExportSession>,
    /// API tokens (never the tokens themselves).
    pub api_tokens: Vec<ExportApiToken>,
    /// Emailed links: address confirmations, password resets, sign-in links.
    pub emailed_links: Vec<ExportLink>,
    /// Places in events' waiting rooms.
    pub waiting_rooms: Vec<ExportQueueTicket>,
    /// Waiting rooms an admin excluded the account from.
    pub waiting_room_exclusions: Vec<ExportExclusion>,
    /// Seats and places given back lately (kept a while to stop hold-and-release loops).
    pub seats_given_back: Vec<ExportRelease>,
    /// The audit log's entries made by the account or about it.
    pub audit: Vec<ExportAuditEntry>,
    /// The box-office teams the account is in, with its role in each.
    pub teams: Vec<ExportTeam>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportTeam {
    pub organizer_id: OrganizerId,
    pub organizer: String,
    /// `owner`, `editor`, `box_office`, `door` or `viewer`.
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportProfile {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub created_at: String,
    pub updated_at: String,
    pub email_verified_at: Option<String>,
    pub disabled_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportBooking {
    pub reference: String,
    pub event_id: EventId,
    pub event_title: String,
    pub event_starts_at: String,
    pub venue: String,
    pub status: BookingStatus,
    pub total_cents: i64,
    pub currency: String,
    pub created_at: String,
    /// When the hold on its seats ends or ended.
    pub expires_at: String,
    pub paid_at: Option<String>,
    pub cancelled_at: Option<String>,
    pub refunded_at: Option<String>,
    pub items: Vec<ExportItem>,
    pub tickets: Vec<ExportTicket>,
    pub payments: Vec<ExportPayment>,
    pub refunds: Vec<ExportRefund>,
}

/// A line of a booking: a seat, or places in a standing section.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportItem {
    pub seat_id: Option<SeatId>,
    pub section: String,
    pub row: Option<String>,
    pub number: Option<i32>,
    pub quantity: i32,
    pub price_cents: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportTicket {
    pub code: String,
    pub status: TicketStatus,
    pub seat_id: Option<SeatId>,
    pub section: String,
    pub row: Option<String>,
    pub number: Option<i32>,
    pub issued_at: String,
    pub checked_in_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportPayment {
    /// The payment provider's id for it.
    pub external_id: String,
    pub method: String,
    pub status: PaymentStatus,
    pub amount_cents: i64,
    pub currency: String,
    pub failure_reason: Option<String>,
    pub created_at: String,
    pub succeeded_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportRefund {
    pub amount_cents: i64,
    pub currency: String,
    pub status: RefundStatus,
    pub reason: String,
    pub created_at: String,
    pub succeeded_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportEmail {
    /// What it is about: `welcome`, `booking_confirmed`, `password_reset`…
    pub kind: String,
    pub recipient: String,
    pub status: EmailStatus,
    pub created_at: String,
    pub sent_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportSession {
    pub created_at: String,
    pub last_seen_at: String,
    /// When it was logged out (it may also have timed out).
    pub ended_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportApiToken {
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportLink {
    /// `verify_email`, `reset_password` or `login`.
    pub purpose: String,
    pub sent_to: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    pub used_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportQueueTicket {
    pub event_id: EventId,
    pub state: TicketState,
    /// The place in the line, once numbered.
    pub number: Option<i64>,
    pub joined_at: String,
    pub claimed_at: Option<String>,
    pub turn_until: Option<String>,
    pub ended_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportExclusion {
    pub event_id: EventId,
    pub excluded_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportRelease {
    pub event_id: EventId,
    pub quantity: i32,
    pub released_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAuditEntry {
    pub action: String,
    /// `user`, `booking`, `event`…
    pub subject_type: String,
    pub subject_id: Option<i64>,
    /// Whether the account did it (otherwise it was done to the account).
    pub by_you: bool,
    /// The entry's detail (JSON).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub created_at: String,
}
