//! Door check-in: a ticket code typed or scanned at the door of one event. A guarded update
//! (`status = 'valid'` → `checked_in`) admits a ticket once; scanning it again says when it was
//! admitted, changing nothing.

use chrono::NaiveDateTime;

use crate::db::audit::{NewAuditEntry, record};
use crate::db::checkin as queries;
pub use crate::db::checkin::DoorEvent;
use crate::db::{Db, DbConnection, DbError};
use crate::domain::access::Scope;
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId, UserId};
use crate::domain::local_time::{to_local, zone};
use crate::domain::seatmap::place_label;
use crate::metrics::labels::CheckIn;

/// What the door is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Come in.
    Valid { place: String, holder: String },
    /// Admitted before, at `at` (venue time, `HH:MM`).
    AlreadyCheckedIn {
        place: String,
        holder: String,
        at: String,
    },
    /// A ticket for another event.
    WrongEvent { event_title: String },
    /// The booking was refunded (or the ticket voided).
    Refunded,
    /// No ticket has this code.
    Unknown,
}

/// Checked in against sold, for the door's counter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DoorCounts {
    pub checked_in: i64,
    pub sold: i64,
}

/// A code as people type it: case, spaces and dashes do not matter, and the letters base 32
/// leaves out are read as the digits they look like (O → 0, I and L → 1).
pub fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// Checks a ticket in at `event`'s door, in one write transaction.
#[tracing::instrument(name = "checkin.check_in", skip_all, fields(event.id = %event, admin.id = %by))]
pub fn check_in(
    db: &Db,
    event: EventId,
    code: &str,
    by: UserId,
    now: NaiveDateTime,
) -> Result<Verdict, DbError> {
    let code = normalize(code);
    let verdict = db.write(|c| -> Result<Verdict, DbError> {
        let Some(t) = queries::ticket_by_code(c, &code)? else {
            return Ok(Verdict::Unknown);
        };
        if t.event_id != event {
            let event_title = crate::db::catalogue::event_title(c, t.event_id)?;
            return Ok(Verdict::WrongEvent { event_title });
        }
        if !t.status.is_live() || t.booking_status != BookingStatus::Paid {
            return Ok(Verdict::Refunded);
        }
        let place = place_of(c, t.booking_id, &code)?;
        if queries::admit(c, t.id, by, now)? {
            record(
                c,
                &NewAuditEntry {
                    actor_user_id: Some(by),
                    action: "ticket.checked_in",
                    subject_type: "booking",
                    subject_id: Some(t.booking_id.0),
                    detail: &serde_json::json!({ "ticket_id": t.id, "place": place }).to_string(),
                    created_at: now,
                },
            )?;
            return Ok(Verdict::Valid {
                place,
                holder: t.holder,
            });
        }
        let at = t.checked_in_at.unwrap_or(now);
        let tz = queries::venue_timezone(c, event)?;
        Ok(Verdict::AlreadyCheckedIn {
            place,
            holder: t.holder,
            at: to_local(at, zone(&tz)).format("%H:%M").to_string(),
        })
    })?;
    db.metrics().check_in(match &verdict {
        Verdict::Valid { .. } => CheckIn::Admitted,
        Verdict::AlreadyCheckedIn { .. } => CheckIn::AlreadyCheckedIn,
        Verdict::WrongEvent { .. } => CheckIn::WrongEvent,
        Verdict::Refunded => CheckIn::Refunded,
        Verdict::Unknown => CheckIn::Unknown,
    });
    Ok(verdict)
}

/// "Stalls, row F, seat 12" or "Floor, standing".
fn place_of(c: &mut DbConnection, booking: BookingId, code: &str) -> Result<String, DbError> {
    let ticket = crate::db::bookings::tickets_of(c, &[booking])?
        .into_iter()
        .find(|t| t.code == code);
    Ok(match ticket {
        Some(t) => place_label(&t.section, t.row.as_deref(), t.number),
        None => "a place".to_owned(),
    })
}

/// Tickets checked in and tickets sold (live tickets of paid bookings) for the event.
pub fn counts(conn: &mut DbConnection, event: EventId) -> Result<DoorCounts, DbError> {
    Ok(DoorCounts {
        checked_in: crate::db::stats::tickets_checked_in(conn, event)?,
        sold: crate::db::stats::tickets_sold(conn, event)?,
    })
}

/// The events a door can choose from, soonest first.
/// The events of `scope` at the door around now.
pub fn door_events(
    conn: &mut DbConnection,
    scope: &Scope,
    now: NaiveDateTime,
) -> Result<Vec<DoorEvent>, DbError> {
    Ok(queries::door_events(conn, scope, now)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_the_way_people_type_them() {
        assert_eq!(normalize("k7qm-3xpa 9d2f rt4b"), "K7QM3XPA9D2FRT4B");
        assert_eq!(normalize("  O0Il  "), "0011");
        assert_eq!(normalize(""), "");
    }
}
