//! A booking's history in one list: its own state changes, its payments, refunds and emails,
//! its tickets' check-ins and the audit rows about it, merged and sorted by time.

use chrono::NaiveDateTime;

use crate::db::booking_admin::{AdminRefund, AdminTicket, AuditRow, BookingEmailRow, Moments};
use crate::db::payments::Payment;
use crate::domain::booking::BookingStatus;
use crate::domain::email::EmailStatus;
use crate::domain::payment::PaymentStatus;
use crate::domain::seatmap::place_label;

/// One moment of a booking's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub at: NaiveDateTime,
    /// What kind of thing happened: `booking`, `payment`, `refund`, `email`, `check_in`,
    /// `admin`.
    pub kind: &'static str,
    pub text: String,
}

/// Everything the timeline is made from.
pub struct Sources<'a> {
    pub status: BookingStatus,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub moments: &'a Moments,
    pub payments: &'a [Payment],
    pub refunds: &'a [AdminRefund],
    pub emails: &'a [BookingEmailRow],
    pub tickets: &'a [AdminTicket],
    pub audit: &'a [AuditRow],
}

/// The merged history, oldest first; at the same instant, in the order a reader expects
/// (created before paid before emailed…).
pub fn build(s: &Sources) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut push = |at: NaiveDateTime, kind: &'static str, text: String| {
        out.push(Entry { at, kind, text });
    };
    push(
        s.created_at,
        "booking",
        format!(
            "Booking created; seats held until {} UTC",
            s.expires_at.format("%Y-%m-%d %H:%M")
        ),
    );
    for p in s.payments {
        let amount = p.amount;
        push(
            p.created_at,
            "payment",
            format!(
                "Payment {} started: {amount} by {}",
                p.external_id, p.method
            ),
        );
        if let Some(at) = p.succeeded_at {
            push(
                at,
                "payment",
                format!("Payment {} succeeded", p.external_id),
            );
        }
        match p.status {
            PaymentStatus::Failed => push(
                p.updated_at,
                "payment",
                format!(
                    "Payment {} failed: {}",
                    p.external_id,
                    p.failure_reason.as_deref().unwrap_or("no reason given")
                ),
            ),
            PaymentStatus::Refunded => push(
                p.updated_at,
                "payment",
                format!("Payment {} refunded", p.external_id),
            ),
            _ => {}
        }
    }
    if let Some(at) = s.moments.paid_at {
        push(at, "booking", "Booking paid; tickets issued".to_owned());
    }
    if s.status == BookingStatus::Expired {
        push(
            s.moments.updated_at,
            "booking",
            "Hold expired; seats released".to_owned(),
        );
    }
    if let Some(at) = s.moments.cancelled_at {
        push(at, "booking", "Booking cancelled".to_owned());
    }
    if let Some(at) = s.moments.refunded_at {
        push(at, "booking", "Booking refunded; tickets void".to_owned());
    }
    for r in s.refunds {
        let amount = r.amount;
        push(
            r.created_at,
            "refund",
            format!("Refund of {amount} requested: {}", r.reason),
        );
        if let Some(at) = r.succeeded_at {
            push(
                at,
                "refund",
                format!("Refund of {amount} confirmed by the gateway"),
            );
        }
    }
    for t in s.tickets {
        if let Some(at) = t.checked_in_at {
            push(
                at,
                "check_in",
                format!(
                    "Ticket {} checked in ({})",
                    t.code,
                    place_label(&t.section, t.row.as_deref(), t.number)
                ),
            );
        }
    }
    for e in s.emails {
        push(e.created_at, "email", format!("Email {} queued", e.kind));
        if let Some(at) = e.sent_at {
            push(at, "email", format!("Email {} sent", e.kind));
        } else if e.status == EmailStatus::Failed {
            push(
                e.created_at,
                "email",
                format!(
                    "Email {} failed after {} attempts: {}",
                    e.kind,
                    e.attempts,
                    e.last_error.as_deref().unwrap_or("no error kept")
                ),
            );
        }
    }
    for a in s.audit {
        // The door's audit row repeats the ticket's own check-in, listed above.
        if a.action == "ticket.checked_in" {
            continue;
        }
        let who = a.actor.as_deref().unwrap_or("the system");
        let reason = serde_json::from_str::<serde_json::Value>(&a.detail)
            .ok()
            .and_then(|d| d["reason"].as_str().map(str::to_owned));
        let text = match reason {
            Some(reason) => format!("{} by {who}: {reason}", a.action),
            None => format!("{} by {who}", a.action),
        };
        push(a.created_at, "admin", text);
    }
    // A stable sort: entries of one instant keep the order they were pushed in.
    out.sort_by_key(|e| e.at);
    out
}
