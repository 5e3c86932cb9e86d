//! Door check-in: a ticket code typed or scanned at the door of one event. A guarded update
//! (`status = 'valid'` → `checked_in`) admits a ticket once; scanning it again says when it was
//! admitted, changing nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::audit::{NewAuditEntry, record};
use crate::db::schema::{bookings, events, tickets, users, venues};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId, UserId};
use crate::domain::local_time::{to_local, zone};

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

#[derive(Queryable)]
struct Found {
    id: i64,
    booking_id: BookingId,
    event_id: EventId,
    status: String,
    checked_in_at: Option<NaiveDateTime>,
    booking_status: BookingStatus,
    holder: String,
}

/// Checks a ticket in at `event`'s door, in one write transaction.
pub fn check_in(
    db: &Db,
    event: EventId,
    code: &str,
    by: UserId,
    now: NaiveDateTime,
) -> Result<Verdict, DbError> {
    let code = normalize(code);
    db.write(|c| -> Result<Verdict, DbError> {
        let Some(t) = tickets::table
            .inner_join(bookings::table.inner_join(users::table))
            .filter(tickets::code.eq(&code))
            .select((
                tickets::id,
                tickets::booking_id,
                tickets::event_id,
                tickets::status,
                tickets::checked_in_at,
                bookings::status,
                users::name,
            ))
            .first::<Found>(c)
            .optional()?
        else {
            return Ok(Verdict::Unknown);
        };
        if t.event_id != event {
            let event_title = events::table
                .filter(events::id.eq(t.event_id))
                .select(events::title)
                .first(c)?;
            return Ok(Verdict::WrongEvent { event_title });
        }
        if t.status == "void" || t.booking_status != BookingStatus::Paid {
            return Ok(Verdict::Refunded);
        }
        let place = place_of(c, t.booking_id, &code)?;
        let changed = diesel::update(
            tickets::table
                .filter(tickets::id.eq(t.id))
                .filter(tickets::status.eq("valid")),
        )
        .set((
            tickets::status.eq("checked_in"),
            tickets::checked_in_at.eq(Some(now)),
            tickets::checked_in_by.eq(Some(by)),
        ))
        .execute(c)?;
        if changed == 1 {
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
        let tz: String = events::table
            .inner_join(venues::table)
            .filter(events::id.eq(event))
            .select(venues::timezone)
            .first(c)?;
        Ok(Verdict::AlreadyCheckedIn {
            place,
            holder: t.holder,
            at: to_local(at, zone(&tz)).format("%H:%M").to_string(),
        })
    })
}

/// "Stalls, row F, seat 12" or "Floor, standing".
fn place_of(c: &mut DbConnection, booking: BookingId, code: &str) -> Result<String, DbError> {
    let ticket = crate::db::bookings::tickets_of(c, &[booking])?
        .into_iter()
        .find(|t| t.code == code);
    Ok(match ticket {
        Some(t) => match (t.row, t.number) {
            (Some(row), Some(n)) => format!("{}, row {row}, seat {n}", t.section),
            _ => format!("{}, standing", t.section),
        },
        None => "a place".to_owned(),
    })
}

/// Tickets checked in and tickets sold (live tickets of paid bookings) for the event.
pub fn counts(conn: &mut DbConnection, event: EventId) -> Result<DoorCounts, DbError> {
    let live = tickets::table
        .inner_join(bookings::table)
        .filter(tickets::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Paid));
    Ok(DoorCounts {
        checked_in: live
            .filter(tickets::status.eq("checked_in"))
            .count()
            .get_result(conn)?,
        sold: live
            .filter(tickets::status.ne("void"))
            .count()
            .get_result(conn)?,
    })
}

/// An event the door can be checking in: published (or finished), from yesterday on.
#[derive(Debug, Clone, Queryable)]
pub struct DoorEvent {
    pub id: EventId,
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub venue: String,
    pub timezone: String,
}

/// The events a door can choose from, soonest first.
pub fn door_events(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Vec<DoorEvent>, DbError> {
    use crate::domain::event::EventStatus;
    Ok(events::table
        .inner_join(venues::table)
        .filter(events::status.eq_any([EventStatus::Published, EventStatus::Completed]))
        .filter(events::starts_at.ge(now - chrono::TimeDelta::days(1)))
        .order((events::starts_at, events::id))
        .limit(100)
        .select((
            events::id,
            events::title,
            events::starts_at,
            venues::name,
            venues::timezone,
        ))
        .load(conn)?)
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
