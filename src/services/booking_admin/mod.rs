//! The admin's bookings (issue 7): search, one booking's record and history, a manual refund,
//! resending its emails, and an event's attendee list as CSV.
//!
//! A manual refund is one write transaction: the booking row is locked (`FOR UPDATE` on
//! PostgreSQL; SQLite's single writer does the same), `paid` → `refunded` is a guarded update,
//! the unused tickets go void, the seats and places go back on sale while the event still
//! sells, the payment's refund row is created once (one refund per payment, a unique index,
//! with the payment's own idempotency key) and its `payments.refund` job queued, and the
//! buyer's email and the audit row are written. The gateway is asked by that job, through the
//! same `payments::send_refund` as every other refund, so a double submit refunds once.

pub mod csv;
pub mod timeline;

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::db::audit::{NewAuditEntry, record};
use crate::db::booking_admin::{
    self as queries, AdminBookingRow, AdminRefund, AdminTicket, BookingEmailRow, Filters, Moments,
};
use crate::db::bookings::ItemRow;
use crate::db::payments::{self as payment_queries, Payment};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId, UserId};
use crate::domain::local_time::rfc3339_utc;
use crate::domain::money::Money;
use crate::live::{Change, LiveHub};
use crate::mail::templates::EmailKind;
use crate::services::bookings::BookingView;
use crate::services::payments::{REFUND_JOB, REFUND_MAX_ATTEMPTS, queue_booking_email};

/// Bookings per page of the list.
pub const PAGE_SIZE: i64 = 50;
/// The longest a refund's reason may be.
pub const REASON_MAX: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum BookingAdminError {
    #[error("no such booking")]
    NotFound,
    #[error("invalid input")]
    Invalid(BTreeMap<&'static str, String>),
    #[error("the booking is {0}, not paid")]
    NotPaid(BookingStatus),
    #[error("the booking has no email to send again")]
    NothingToResend,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for BookingAdminError {
    fn from(e: diesel::result::Error) -> Self {
        BookingAdminError::Db(DbError::Query(e))
    }
}

/// The list's query as typed: blanks mean "any".
#[derive(Debug, Clone, Default)]
pub struct SearchInput {
    pub event_id: Option<i64>,
    pub status: Option<String>,
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// The list's query, parsed.
#[derive(Debug, Clone)]
pub struct Search {
    pub filters: Filters,
    pub page: u32,
    pub per_page: i64,
}

impl Search {
    /// Parses the typed query; an unknown status is a field error, not an empty list.
    pub fn parse(input: SearchInput) -> Result<Search, BookingAdminError> {
        let status = match input.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(raw.parse::<BookingStatus>().map_err(|_| {
                BookingAdminError::Invalid(
                    [(
                        "status",
                        "Choose pending, paid, expired, cancelled or refunded.".to_owned(),
                    )]
                    .into_iter()
                    .collect(),
                )
            })?),
        };
        let q = input
            .q
            .map(|q| q.trim().chars().take(100).collect::<String>())
            .filter(|q| !q.is_empty());
        Ok(Search {
            filters: Filters {
                event: input.event_id.map(EventId),
                status,
                q,
            },
            page: input.page.unwrap_or(1).clamp(1, 100_000),
            per_page: i64::from(input.per_page.unwrap_or(PAGE_SIZE as u32).clamp(1, 100)),
        })
    }
}

/// A booking of the list: its view (the buyer's API document) and its buyer.
#[derive(Debug, Clone)]
pub struct Listed {
    pub view: BookingView,
    pub buyer: queries::Buyer,
}

/// One page of the list and how many bookings match in all.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Listed>,
    pub total: i64,
    pub page: u32,
    pub per_page: i64,
}

impl Page {
    pub fn last_page(&self) -> u32 {
        let pages = (self.total + self.per_page - 1) / self.per_page;
        u32::try_from(pages.max(1)).unwrap_or(u32::MAX)
    }
}

/// Bookings matching the search, newest first, a page at a time. Four queries a page.
pub fn search(conn: &mut DbConnection, search: &Search) -> Result<Page, DbError> {
    let offset = i64::from(search.page - 1) * search.per_page;
    let rows = queries::search(conn, &search.filters, search.per_page, offset)?;
    let total = queries::count(conn, &search.filters)?;
    let ids: Vec<BookingId> = rows.iter().map(|r| r.booking.id).collect();
    let mut items = crate::db::bookings::items_of(conn, &ids)?;
    let mut tickets = crate::db::bookings::tickets_of(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|AdminBookingRow { booking, buyer }| {
            let id = booking.id;
            let paid = booking.status == "paid";
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut items)
                .into_iter()
                .partition(|i| i.booking_id == id);
            items = rest;
            let (my_tickets, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut tickets)
                .into_iter()
                .partition(|t| t.booking_id == id);
            tickets = rest;
            Listed {
                view: BookingView {
                    booking,
                    items: mine,
                    tickets: if paid { my_tickets } else { Vec::new() },
                },
                buyer,
            }
        })
        .collect();
    Ok(Page {
        items,
        total,
        page: search.page,
        per_page: search.per_page,
    })
}

/// Everything about one booking.
#[derive(Debug, Clone)]
pub struct Detail {
    pub row: AdminBookingRow,
    pub view: BookingView,
    pub moments: Moments,
    pub items: Vec<ItemRow>,
    pub tickets: Vec<AdminTicket>,
    pub payments: Vec<Payment>,
    pub refunds: Vec<AdminRefund>,
    pub emails: Vec<BookingEmailRow>,
    pub timeline: Vec<timeline::Entry>,
}

impl Detail {
    pub fn status(&self) -> &str {
        &self.row.booking.status
    }

    pub fn refundable(&self) -> bool {
        self.status() == "paid"
    }

    pub fn total(&self) -> String {
        Money::new(self.row.booking.total_cents, &self.row.booking.currency).to_string()
    }
}

/// One booking's record and history, by reference (exact; references are upper case).
pub fn detail(conn: &mut DbConnection, reference: &str) -> Result<Option<Detail>, DbError> {
    let reference = reference.trim().to_uppercase();
    let Some(row) = queries::by_reference(conn, &reference)? else {
        return Ok(None);
    };
    let id = row.booking.id;
    let view = crate::services::bookings::one(conn, id)?
        .ok_or(DbError::Query(diesel::result::Error::NotFound))?;
    let moments = queries::moments(conn, id)?;
    let tickets = queries::tickets_of(conn, id)?;
    let payments = queries::payments_of(conn, id)?;
    let refunds = queries::refunds_of(conn, id)?;
    let emails = queries::emails_of(conn, row.buyer.id, &row.booking.reference)?;
    let audit = queries::audit_of(conn, id)?;
    let timeline = timeline::build(&timeline::Sources {
        status: &row.booking.status,
        created_at: row.booking.created_at,
        expires_at: row.booking.expires_at,
        moments: &moments,
        payments: &payments,
        refunds: &refunds,
        emails: &emails,
        tickets: &tickets,
        audit: &audit,
    });
    Ok(Some(Detail {
        items: view.items.clone(),
        row,
        view,
        moments,
        tickets,
        payments,
        refunds,
        emails,
        timeline,
    }))
}

/// A refund's reason: 1 to 500 characters once trimmed.
pub fn parse_reason(raw: &str) -> Result<String, BookingAdminError> {
    let reason = raw.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(BookingAdminError::Invalid(
            [(
                "reason",
                format!(
                    "Say why the booking is refunded (1 to {REASON_MAX} characters); the buyer is told."
                ),
            )]
            .into_iter()
            .collect(),
        ));
    }
    Ok(reason.to_owned())
}

/// What a refund call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refunded {
    /// Refunded now; the gateway is asked in the background.
    Now,
    /// It was refunded already: nothing changed.
    Already,
}

/// Refunds a paid booking by hand (see the module's notes). A booking already refunded
/// answers [`Refunded::Already`] and changes nothing; any other status is refused.
pub fn refund(
    db: &Db,
    live: &LiveHub,
    reference: &str,
    reason: &str,
    admin: UserId,
    now: NaiveDateTime,
) -> Result<Refunded, BookingAdminError> {
    let reason = parse_reason(reason)?;
    let reference = reference.trim().to_uppercase();
    let (outcome, given) = db.write(|c| -> Result<_, BookingAdminError> {
        let head = crate::db::holds::find_by_reference(c, &reference)?
            .ok_or(BookingAdminError::NotFound)?;
        // The event's section rows first (db::lock_order), then the booking.
        crate::db::lock_order::lock_event_sections(c, head.event_id)?;
        // Locked until the end of the transaction: a second refund waits here, then sees it
        // refunded.
        let booking =
            payment_queries::booking(c, head.id, true)?.ok_or(BookingAdminError::NotFound)?;
        match booking.status {
            BookingStatus::Paid => {}
            BookingStatus::Refunded => return Ok((Refunded::Already, None)),
            other => return Err(BookingAdminError::NotPaid(other)),
        }
        // Guarded (`WHERE status = 'paid'`): the lock's backup.
        if !crate::db::cancellation::mark_refunded(c, booking.id, now)? {
            return Ok((Refunded::Already, None));
        }
        let given = if queries::event_on_sale(c, booking.event_id, now)? {
            queries::give_back(c, booking.id, now)?
        } else {
            queries::GivenBack::default()
        };
        let refund = match payment_queries::succeeded_of(c, booking.id)? {
            Some(payment) => {
                let (refund, created) = payment_queries::create_refund(c, &payment, &reason, now)?;
                if created {
                    crate::db::jobs::enqueue(
                        c,
                        REFUND_JOB,
                        &serde_json::json!({ "refund_id": refund }).to_string(),
                        Some(&format!("{REFUND_JOB}:{refund}")),
                        REFUND_MAX_ATTEMPTS,
                        now,
                        now,
                    )?;
                }
                Some(refund)
            }
            None => None,
        };
        queue_booking_email(
            c,
            EmailKind::BookingRefunded,
            &format!("booking_refunded:{}", booking.id),
            booking.id,
            Some(&reason),
            now,
        )?;
        record(
            c,
            &NewAuditEntry {
                actor_user_id: Some(admin),
                action: "booking.refunded",
                subject_type: "booking",
                subject_id: Some(booking.id.0),
                detail: &serde_json::json!({
                    "reason": reason,
                    "refund_id": refund,
                    "seats_released": given.seats.len(),
                    "places_released": given.places,
                })
                .to_string(),
                created_at: now,
            },
        )?;
        Ok((Refunded::Now, Some((booking.event_id, given))))
    })?;
    if let Some((event, given)) = given {
        let mut changes: Vec<Change> = given
            .seats
            .into_iter()
            .map(|(event, seat)| Change {
                event,
                seats: vec![seat],
                standing: false,
            })
            .collect();
        if given.places > 0 {
            changes.push(Change {
                event,
                seats: Vec::new(),
                standing: true,
            });
        }
        live.publish_all(changes);
    }
    Ok(outcome)
}

/// Queues the booking's email again with a fresh dedupe key: the confirmation with its
/// tickets for a paid booking, otherwise the last email it was sent. Answers the kind queued.
pub fn resend(
    conn: &mut DbConnection,
    reference: &str,
    admin: UserId,
    now: NaiveDateTime,
) -> Result<String, BookingAdminError> {
    let reference = reference.trim().to_uppercase();
    let row = queries::by_reference(conn, &reference)?.ok_or(BookingAdminError::NotFound)?;
    let id = row.booking.id;
    let fresh = fresh_suffix();
    let kind = if row.booking.status == "paid" {
        let kind = EmailKind::BookingConfirmed;
        queue_booking_email(
            conn,
            kind,
            &format!("{}:{id}:resend:{fresh}", kind.as_str()),
            id,
            None,
            now,
        )?;
        kind.as_str().to_owned()
    } else {
        let last = queries::last_email(conn, row.buyer.id, &row.booking.reference)?
            .ok_or(BookingAdminError::NothingToResend)?;
        crate::db::outbox::enqueue(
            conn,
            &crate::db::outbox::NewEmail {
                dedupe_key: &format!("{}:{id}:resend:{fresh}", last.kind),
                kind: &last.kind,
                recipient: &last.recipient,
                user_id: last.user_id.map(UserId),
                payload: &last.payload,
            },
            now,
        )?;
        last.kind
    };
    record(
        conn,
        &NewAuditEntry {
            actor_user_id: Some(admin),
            action: "booking.email_resent",
            subject_type: "booking",
            subject_id: Some(id.0),
            detail: &serde_json::json!({ "kind": kind }).to_string(),
            created_at: now,
        },
    )?;
    Ok(kind)
}

/// A random suffix that makes a resend's dedupe key its own.
fn fresh_suffix() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The header of the attendee list.
pub const CSV_HEADER: [&str; 13] = [
    "reference",
    "booking_status",
    "buyer_name",
    "buyer_email",
    "section",
    "row",
    "seat",
    "tier",
    "price",
    "currency",
    "ticket_code",
    "ticket_status",
    "checked_in_at",
];

/// The event's attendee list: the event's slug (for the file name) and the CSV, one line per
/// ticket. `None` when there is no such event.
pub fn attendees_csv(
    conn: &mut DbConnection,
    event: EventId,
) -> Result<Option<(String, String)>, DbError> {
    let Some(slug) = queries::event_slug(conn, event)? else {
        return Ok(None);
    };
    let mut out = csv::record(&CSV_HEADER);
    for a in queries::attendees(conn, event)? {
        let cells = [
            a.reference,
            a.booking_status,
            a.name,
            a.email,
            a.section,
            a.row.unwrap_or_default(),
            a.seat
                .map_or_else(|| "standing".to_owned(), |n| n.to_string()),
            a.tier,
            plain_amount(a.price_cents, &a.currency),
            a.currency,
            a.code,
            a.status,
            a.checked_in_at.map(rfc3339_utc).unwrap_or_default(),
        ];
        out.push_str(&csv::record(&cells));
    }
    Ok(Some((slug, out)))
}

/// `45.00` (or `4500` for a zero-decimal currency): a number a spreadsheet reads as one.
fn plain_amount(cents: i64, currency: &str) -> String {
    match currency {
        "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "HUF" => cents.to_string(),
        _ => format!("{}.{:02}", cents / 100, (cents % 100).abs()),
    }
}

/// The events the list can be filtered by: `(id, label)`, newest first.
pub fn event_choices(conn: &mut DbConnection) -> Result<Vec<(i64, String)>, DbError> {
    Ok(queries::events_for_filter(conn)?
        .into_iter()
        .map(|(id, title, starts_at)| (id.0, format!("{title} · {}", starts_at.format("%Y-%m-%d"))))
        .collect())
}
