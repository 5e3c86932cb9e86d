//! A manual refund's inventory changes: the booking's seats and places go back on sale.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{booking_items, event_seats, event_sections, events, tickets};
use crate::domain::event::EventStatus;
use crate::domain::ids::{BookingId, BookingItemId, EventId, EventSeatId, EventSectionId, SeatId};
use crate::domain::ticket::TicketStatus;
use crate::domain::venue::SeatStatus;

/// Whether the event still sells: published and not started.
pub fn event_on_sale(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    events::table
        .filter(events::id.eq(event))
        .select((events::status, events::starts_at))
        .first::<(EventStatus, NaiveDateTime)>(conn)
        .map(|(status, starts_at)| status == EventStatus::Published && starts_at > now)
}

/// What a refunded booking gave back to sale.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GivenBack {
    pub seats: Vec<(EventId, SeatId)>,
    pub places: i64,
}

/// A refunded booking's seats and places go back on sale: each sold seat whose ticket is void
/// (a ticket already used at the door keeps its seat), and each standing line's places less
/// those already admitted. Their lines stop being live. Call after the tickets were voided,
/// in the same transaction.
pub fn give_back(
    conn: &mut DbConnection,
    booking: BookingId,
    now: NaiveDateTime,
) -> QueryResult<GivenBack> {
    let admitted_seats = tickets::table
        .filter(tickets::booking_id.eq(booking))
        .filter(tickets::status.ne(TicketStatus::Void))
        .filter(tickets::event_seat_id.is_not_null())
        .select(tickets::event_seat_id.assume_not_null());
    let freed: Vec<(EventSeatId, EventId, SeatId)> = event_seats::table
        .filter(event_seats::booking_id.eq(Some(booking)))
        .filter(event_seats::status.eq(SeatStatus::Sold))
        .filter(event_seats::id.ne_all(admitted_seats))
        .select((event_seats::id, event_seats::event_id, event_seats::seat_id))
        .load(conn)?;
    let ids: Vec<EventSeatId> = freed.iter().map(|(id, _, _)| *id).collect();
    if !ids.is_empty() {
        // Guarded: only seats this booking still owns as sold.
        diesel::update(
            event_seats::table
                .filter(event_seats::id.eq_any(&ids))
                .filter(event_seats::booking_id.eq(Some(booking)))
                .filter(event_seats::status.eq(SeatStatus::Sold)),
        )
        .set((
            event_seats::status.eq(SeatStatus::Available),
            event_seats::booking_id.eq(None::<BookingId>),
            event_seats::held_until.eq(None::<NaiveDateTime>),
            event_seats::updated_at.eq(now),
        ))
        .execute(conn)?;
        diesel::update(
            booking_items::table
                .filter(booking_items::booking_id.eq(booking))
                .filter(booking_items::event_seat_id.eq_any(ids.iter().map(|i| Some(*i)))),
        )
        .set(booking_items::active.eq(false))
        .execute(conn)?;
    }
    let lines: Vec<(BookingItemId, Option<EventSectionId>, i32)> = booking_items::table
        .filter(booking_items::booking_id.eq(booking))
        .filter(booking_items::active.eq(true))
        .filter(booking_items::event_section_id.is_not_null())
        .select((
            booking_items::id,
            booking_items::event_section_id,
            booking_items::quantity,
        ))
        .load(conn)?;
    let mut places = 0i64;
    for (item, section, quantity) in lines {
        let Some(section) = section else { continue };
        let admitted: i64 = tickets::table
            .filter(tickets::booking_item_id.eq(item))
            .filter(tickets::status.eq(TicketStatus::CheckedIn))
            .count()
            .get_result(conn)?;
        let back = i32::try_from(i64::from(quantity) - admitted).unwrap_or(0);
        if back > 0 {
            // Guarded: never below zero sold (the CHECK backs this up).
            let moved = diesel::update(
                event_sections::table
                    .filter(event_sections::id.eq(section))
                    .filter(event_sections::sold.ge(back)),
            )
            .set((
                event_sections::sold.eq(event_sections::sold - back),
                event_sections::updated_at.eq(now),
            ))
            .execute(conn)?;
            if moved != 1 {
                return Err(diesel::result::Error::RollbackTransaction);
            }
            places += i64::from(back);
        }
        diesel::update(booking_items::table.filter(booking_items::id.eq(item)))
            .set(booking_items::active.eq(false))
            .execute(conn)?;
    }
    Ok(GivenBack {
        seats: freed.into_iter().map(|(_, e, s)| (e, s)).collect(),
        places,
    })
}
