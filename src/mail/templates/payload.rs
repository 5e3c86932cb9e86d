//! What the outbox stores for each email: its kind, and the JSON payload it is rendered from
//! (a snapshot taken when the business event happened); the rendered result.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::mail::Attachment;

/// Every kind of email the outbox knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    Welcome,
    VerifyEmail,
    PasswordReset,
    PasswordChanged,
    BookingConfirmed,
    PaymentFailed,
    HoldExpired,
    LatePaymentRefunded,
    EventCancelled,
    BookingRefunded,
    /// A one-time sign-in (unlock) link (`/login/link/{token}`).
    LoginLink,
    /// To the old address after an email change; the payload's `detail` is the new address,
    /// masked.
    EmailChanged,
    /// To an account's owner when someone tried to register with their address.
    RegistrationAttempt,
    /// To an account added to an organizer's team; the payload names the organizer and role.
    TeamAdded,
    /// To an address without an account, invited to a team (`/invitations/{token}`); the
    /// payload's `name` is who invited them.
    TeamInvitation,
}

impl EmailKind {
    pub const ALL: [EmailKind; 15] = [
        EmailKind::Welcome,
        EmailKind::VerifyEmail,
        EmailKind::PasswordReset,
        EmailKind::PasswordChanged,
        EmailKind::BookingConfirmed,
        EmailKind::PaymentFailed,
        EmailKind::HoldExpired,
        EmailKind::LatePaymentRefunded,
        EmailKind::EventCancelled,
        EmailKind::BookingRefunded,
        EmailKind::LoginLink,
        EmailKind::EmailChanged,
        EmailKind::RegistrationAttempt,
        EmailKind::TeamAdded,
        EmailKind::TeamInvitation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Welcome => "welcome",
            EmailKind::VerifyEmail => "verify_email",
            EmailKind::PasswordReset => "password_reset",
            EmailKind::PasswordChanged => "password_changed",
            EmailKind::BookingConfirmed => "booking_confirmed",
            EmailKind::PaymentFailed => "payment_failed",
            EmailKind::HoldExpired => "hold_expired",
            EmailKind::LatePaymentRefunded => "late_payment_refunded",
            EmailKind::EventCancelled => "event_cancelled",
            EmailKind::BookingRefunded => "booking_refunded",
            EmailKind::LoginLink => "login_link",
            EmailKind::EmailChanged => "email_changed",
            EmailKind::RegistrationAttempt => "registration_attempt",
            EmailKind::TeamAdded => "team_added",
            EmailKind::TeamInvitation => "team_invitation",
        }
    }

    pub fn parse(raw: &str) -> Option<EmailKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// Whether the payload is a [`BookingEmail`] (otherwise an [`AccountEmail`]).
    pub fn is_booking(self) -> bool {
        match self {
            EmailKind::Welcome
            | EmailKind::VerifyEmail
            | EmailKind::PasswordReset
            | EmailKind::PasswordChanged
            | EmailKind::LoginLink
            | EmailKind::EmailChanged
            | EmailKind::RegistrationAttempt
            | EmailKind::TeamAdded
            | EmailKind::TeamInvitation => false,
            EmailKind::BookingConfirmed
            | EmailKind::PaymentFailed
            | EmailKind::HoldExpired
            | EmailKind::LatePaymentRefunded
            | EmailKind::EventCancelled
            | EmailKind::BookingRefunded => true,
        }
    }
}

/// The payload of the account emails: who, and (for links that need one) the raw token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccountEmail {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// What else the email says (`email_changed`: the new address, masked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The team emails: the organizer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer: Option<String>,
    /// The team emails: the role, in words ("Box office").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// The payload of the booking emails: a snapshot of the booking when the business event happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BookingEmail {
    pub name: String,
    pub reference: String,
    pub event_title: String,
    /// "Royal Albert Hall, London"
    pub venue: String,
    /// "Sat 12 Dec 2026, 19:30 GMT" (already in the venue's time zone)
    pub starts_local: String,
    /// UTC, for the calendar file.
    pub starts_at: chrono::NaiveDateTime,
    /// UTC; when the event has no end, the calendar uses start + 3 hours.
    #[serde(default)]
    pub ends_at: Option<chrono::NaiveDateTime>,
    /// "Stalls, row F, seat 12 · £65.00", one per line of the booking.
    pub lines: Vec<String>,
    /// "£130.00"
    pub total: String,
    /// Empty except for booking_confirmed.
    #[serde(default)]
    pub tickets: Vec<TicketLine>,
    /// Why (payment_failed: the gateway's reason; late_payment_refunded: what happened).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TicketLine {
    pub code: String,
    /// "Stalls, row F, seat 12" or "Standing floor"
    pub place: String,
}

/// Subject, both bodies, and the files that go with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

/// How long the links stay valid, in words, for the emails.
pub const VERIFY_VALID_FOR: &str = "48 hours";
pub const RESET_VALID_FOR: &str = "1 hour";
pub const LOGIN_LINK_VALID_FOR: &str = "15 minutes";
pub const INVITATION_VALID_FOR: &str = "7 days";

/// An absolute link to `path` (which may carry a query) on the public site.
pub fn absolute(base_url: &Url, path: &str) -> String {
    base_url
        .join(path)
        .map_or_else(|_| format!("{base_url}{path}"), |u| u.to_string())
}
