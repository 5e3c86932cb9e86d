//! A payment after the hold ran out re-claims the same seats and places if they are free.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;

use crate::db::holds::Released;
use crate::db::payments::{self as queries, BookingForPayment, NewTicket, Payment};
use crate::db::{DbConnection, DbError, write_transaction};
use crate::domain::ids::{BookingId, EventSeatId};
use crate::domain::payment::new_ticket_code;

/// Why a claim could not take every seat and place (rolls its savepoint back).
#[derive(Debug)]
pub(super) enum ClaimError {
    Taken,
    Db(DbError),
}

impl From<DbError> for ClaimError {
    fn from(e: DbError) -> Self {
        ClaimError::Db(e)
    }
}

impl From<diesel::result::Error> for ClaimError {
    fn from(e: diesel::result::Error) -> Self {
        ClaimError::Db(DbError::Query(e))
    }
}

/// Sells the booking its seats and places and issues its tickets: the ones it holds, or
/// (after its hold ran out) the same ones again if they are still free. All or nothing: in a
/// savepoint, so a claim that cannot take everything changes nothing. `None` then.
#[tracing::instrument(name = "payments.late_claim", skip_all, fields(booking.id = %booking.id, payment.id = %payment.id))]
pub(super) fn claim(
    c: &mut DbConnection,
    booking: &BookingForPayment,
    payment: &Payment,
    now: NaiveDateTime,
) -> Result<Option<Released>, DbError> {
    let result = write_transaction(c, |c| -> Result<Released, ClaimError> {
        let items = queries::items_for_claim(c, booking.id)?;
        let seat_rows: Vec<EventSeatId> = items.iter().filter_map(|i| i.event_seat_id).collect();
        let mut released = Released::default();
        if !seat_rows.is_empty() {
            let seats = queries::lock_event_seats(c, &seat_rows)?;
            let mut stale = BTreeSet::new();
            for seat in &seats {
                let ours = seat.booking_id == Some(booking.id);
                if ours && seat.status == crate::domain::venue::SeatStatus::Held {
                    continue;
                }
                if !seat.is_free(now) {
                    return Err(ClaimError::Taken);
                }
                if let Some(other) = seat.booking_id.filter(|b| *b != booking.id) {
                    stale.insert(other);
                }
            }
            if !stale.is_empty() {
                // Someone else's hold on one of these seats ran out: end it, which frees it.
                let stale: Vec<BookingId> = stale.into_iter().collect();
                released.extend(crate::services::holds::expire(c, &stale, now)?);
            }
            if queries::sell_seats(c, &seat_rows, booking.id, now)? != seat_rows.len() {
                return Err(ClaimError::Taken);
            }
            // Sold now: the map's viewers redraw these seats.
            released
                .seats
                .extend(seats.iter().map(|s| (booking.event_id, s.seat_id)));
        }
        for item in &items {
            let Some(section) = item.event_section_id else {
                continue;
            };
            let sold = if item.active {
                queries::sell_held_places(c, section, item.quantity, now)?
            } else {
                queries::sell_free_places(c, section, item.quantity, now)?
            };
            if !sold {
                return Err(ClaimError::Taken);
            }
            released.standing_events.push(booking.event_id);
        }
        queries::reactivate_items(c, booking.id)?;
        if !queries::mark_paid(c, booking.id, payment, now)? {
            return Err(ClaimError::Taken);
        }
        let mut tickets = Vec::new();
        for item in &items {
            let count = if item.event_seat_id.is_some() {
                1
            } else {
                item.quantity
            };
            for _ in 0..count {
                tickets.push(NewTicket {
                    booking: booking.id,
                    item: item.id,
                    event: booking.event_id,
                    event_seat: item.event_seat_id,
                    code: new_ticket_code(),
                });
            }
        }
        queries::insert_tickets(c, &tickets, now)?;
        Ok(released)
    });
    match result {
        Ok(released) => Ok(Some(released)),
        Err(ClaimError::Taken) => Ok(None),
        Err(ClaimError::Db(e)) => Err(e),
    }
}
