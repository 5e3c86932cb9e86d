//! "Download my data": everything the app holds about an account, as one JSON document (the
//! page's attachment and `GET /api/v1/me/export` are the same document). Times are RFC 3339 in
//! UTC, money is minor units with a currency. Never a secret: no password or token hash.

mod shape;

pub use shape::*;

use crate::db::DbConnection;
use crate::db::account_data::export as q;
use crate::domain::ids::UserId;
use crate::domain::local_time::rfc3339_utc;

use super::account::AccountError;

/// What this document's shape is called; a change that is not an addition changes it.
pub const EXPORT_FORMAT: &str = "boxoffice.account-export.v1";

fn at(t: chrono::NaiveDateTime) -> String {
    rfc3339_utc(t)
}

fn at_opt(t: Option<chrono::NaiveDateTime>) -> Option<String> {
    t.map(rfc3339_utc)
}

/// The account's data, read in one transaction's view where the backend gives one (callers run
/// it in `Db::read`).
#[tracing::instrument(name = "accounts.export", skip_all, fields(user.id = %user))]
pub fn export(
    conn: &mut DbConnection,
    user: UserId,
    now: chrono::NaiveDateTime,
) -> Result<Option<AccountExport>, AccountError> {
    let Some(p) = q::profile(conn, user)? else {
        return Ok(None);
    };
    let bookings = bookings(conn, user)?;
    let emails = q::emails_of(conn, user, &p.email)?
        .into_iter()
        .map(|e| ExportEmail {
            kind: e.kind,
            recipient: e.recipient,
            status: e.status,
            created_at: at(e.created_at),
            sent_at: at_opt(e.sent_at),
        })
        .collect();
    let sessions = q::sessions_of(conn, user)?
        .into_iter()
        .map(|(created, seen, ended)| ExportSession {
            created_at: at(created),
            last_seen_at: at(seen),
            ended_at: at_opt(ended),
        })
        .collect();
    let api_tokens = q::api_tokens_of(conn, user)?
        .into_iter()
        .map(|(created, expires, used, revoked)| ExportApiToken {
            created_at: at(created),
            expires_at: at(expires),
            last_used_at: at_opt(used),
            revoked_at: at_opt(revoked),
        })
        .collect();
    let emailed_links = q::links_of(conn, user)?
        .into_iter()
        .map(|(purpose, sent_to, created, expires, used)| ExportLink {
            purpose,
            sent_to,
            created_at: at(created),
            expires_at: at(expires),
            used_at: at_opt(used),
        })
        .collect();
    let waiting_rooms = q::queue_tickets_of(conn, user)?
        .into_iter()
        .map(|t| ExportQueueTicket {
            event_id: t.event_id,
            state: t.state,
            number: t.seq,
            joined_at: at(t.joined_at),
            claimed_at: at_opt(t.claimed_at),
            turn_until: at_opt(t.active_until),
            ended_at: at_opt(t.ended_at),
        })
        .collect();
    let waiting_room_exclusions = q::exclusions_of(conn, user)?
        .into_iter()
        .map(|(event_id, when)| ExportExclusion {
            event_id,
            excluded_at: at(when),
        })
        .collect();
    let seats_given_back = q::releases_of(conn, user)?
        .into_iter()
        .map(|(event_id, quantity, when)| ExportRelease {
            event_id,
            quantity,
            released_at: at(when),
        })
        .collect();
    let audit = q::audit_of(conn, user)?
        .into_iter()
        .map(|a| ExportAuditEntry {
            by_you: a.actor_user_id == Some(user.0),
            detail: serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::String(a.detail)),
            action: a.action,
            subject_type: a.subject_type,
            subject_id: a.subject_id,
            created_at: at(a.created_at),
        })
        .collect();
    let memberships = crate::db::organizers::memberships(conn, user)?;
    let names = crate::db::organizers::names(conn, &memberships)?;
    let teams = memberships
        .iter()
        .map(|m| ExportTeam {
            organizer_id: m.organizer,
            organizer: names
                .iter()
                .find(|(id, _)| *id == m.organizer)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            role: m.role.as_str().to_owned(),
        })
        .collect();
    Ok(Some(AccountExport {
        format: EXPORT_FORMAT,
        generated_at: at(now),
        profile: ExportProfile {
            id: p.id,
            name: p.name,
            email: p.email,
            role: p.role,
            created_at: at(p.created_at),
            updated_at: at(p.updated_at),
            email_verified_at: at_opt(p.email_verified_at),
            disabled_at: at_opt(p.disabled_at),
        },
        bookings,
        emails,
        sessions,
        api_tokens,
        emailed_links,
        waiting_rooms,
        waiting_room_exclusions,
        seats_given_back,
        audit,
        teams,
    }))
}

/// The bookings with their lines, tickets, payments and refunds: five queries in all.
fn bookings(conn: &mut DbConnection, user: UserId) -> Result<Vec<ExportBooking>, AccountError> {
    let rows = q::bookings_of(conn, user)?;
    let ids: Vec<_> = rows.iter().map(|b| b.id).collect();
    let items = crate::db::bookings::items_of(conn, &ids)?;
    let tickets = q::tickets_of(conn, &ids)?;
    let payments = q::payments_of(conn, &ids)?;
    let refunds = q::refunds_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|b| ExportBooking {
            items: items
                .iter()
                .filter(|i| i.booking_id == b.id)
                .map(|i| ExportItem {
                    seat_id: i.seat_id,
                    section: i.section.clone(),
                    row: i.row.clone(),
                    number: i.number,
                    quantity: i.quantity,
                    price_cents: i.unit_price_cents,
                })
                .collect(),
            tickets: tickets
                .iter()
                .filter(|t| t.booking_id == b.id)
                .map(|t| ExportTicket {
                    code: t.code.clone(),
                    status: t.status,
                    seat_id: t.seat_id,
                    section: t.section.clone(),
                    row: t.row.clone(),
                    number: t.number,
                    issued_at: at(t.created_at),
                    checked_in_at: at_opt(t.checked_in_at),
                })
                .collect(),
            payments: payments
                .iter()
                .filter(|p| p.booking_id == b.id)
                .map(|p| ExportPayment {
                    external_id: p.external_id.clone(),
                    method: p.method.clone(),
                    status: p.status,
                    amount_cents: p.amount_cents,
                    currency: p.currency.clone(),
                    failure_reason: p.failure_reason.clone(),
                    created_at: at(p.created_at),
                    succeeded_at: at_opt(p.succeeded_at),
                })
                .collect(),
            refunds: refunds
                .iter()
                .filter(|r| r.booking_id == b.id)
                .map(|r| ExportRefund {
                    amount_cents: r.amount_cents,
                    currency: r.currency.clone(),
                    status: r.status,
                    reason: r.reason.clone(),
                    created_at: at(r.created_at),
                    succeeded_at: at_opt(r.succeeded_at),
                })
                .collect(),
            reference: b.reference,
            event_id: b.event_id,
            event_title: b.event_title,
            event_starts_at: at(b.starts_at),
            venue: b.venue,
            status: b.status,
            total_cents: b.total_cents,
            currency: b.currency,
            created_at: at(b.created_at),
            expires_at: at(b.expires_at),
            paid_at: at_opt(b.paid_at),
            cancelled_at: at_opt(b.cancelled_at),
            refunded_at: at_opt(b.refunded_at),
        })
        .collect())
}
