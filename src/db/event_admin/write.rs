//! The event editor's guarded writes (`WHERE version = ?`, `WHERE status = ?`, "nothing held or
//! sold"): the service checks their affected-row counts.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::db::DbConnection;
use crate::db::models::NewEventSeat;
use crate::db::schema::{
    booking_items, bookings, event_seats, event_sections, events, organizers, price_tiers, seats,
};
use crate::domain::event::{Category, EventStatus};
use crate::domain::ids::{EventId, EventSectionId, SeatId, SectionId, TierId, VenueId};
use crate::domain::venue::SeatStatus;

/// The event fields an edit writes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = events)]
#[diesel(treat_none_as_null = true)]
pub struct EventChanges<'a> {
    pub venue_id: VenueId,
    pub title: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub category: Category,
    pub starts_at: NaiveDateTime,
    pub starts_local: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub currency: &'a str,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
    pub max_tickets_per_order: i32,
    /// `None` clears the cap (`treat_none_as_null`).
    pub max_tickets_per_account: Option<i32>,
    pub updated_at: NaiveDateTime,
}

/// The optimistic-concurrency write: changes the event only if it is still at `version` and in
/// one of `statuses`, and bumps the version. Returns the number of rows changed (0 or 1).
pub fn update_guarded(
    conn: &mut DbConnection,
    id: EventId,
    version: i32,
    statuses: &[EventStatus],
    changes: &EventChanges<'_>,
) -> QueryResult<usize> {
    diesel::update(
        events::table
            .filter(events::id.eq(id))
            .filter(events::version.eq(version))
            .filter(events::status.eq_any(statuses)),
    )
    .set((changes, events::version.eq(events::version + 1)))
    .execute(conn)
}

/// draft → published, guarded on the version, the status, a start still to come and at least
/// one section on sale.
pub fn publish(
    conn: &mut DbConnection,
    id: EventId,
    version: i32,
    from: EventStatus,
    unapproved: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    // Publishing what was never approved is allowed only while the organizer does not
    // require approval (unless the approver publishes: `unapproved` false).
    let approval_required = exists(
        organizers::table
            .filter(organizers::id.eq(events::organizer_id))
            .filter(organizers::requires_approval.eq(true)),
    );
    diesel::update(
        events::table
            .filter(events::id.eq(id))
            .filter(events::version.eq(version))
            .filter(events::status.eq(from))
            .filter(events::starts_at.gt(now))
            .filter(exists(
                event_sections::table.filter(event_sections::event_id.eq(id)),
            ))
            .filter(not(approval_required).or((!unapproved).into_sql::<Bool>())),
    )
    .set((
        events::status.eq(EventStatus::Published),
        events::published_at.eq(now),
        events::updated_at.eq(now),
        events::version.eq(events::version + 1),
    ))
    .execute(conn)
}

/// A workflow move that changes nothing but the status (submit, approve, send back), guarded
/// on the version and the status it starts from.
pub fn move_status(
    conn: &mut DbConnection,
    id: EventId,
    version: i32,
    from: EventStatus,
    to: EventStatus,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        events::table
            .filter(events::id.eq(id))
            .filter(events::version.eq(version))
            .filter(events::status.eq(from)),
    )
    .set((
        events::status.eq(to),
        events::updated_at.eq(now),
        events::version.eq(events::version + 1),
    ))
    .execute(conn)
}

/// Deletes an event that never had a booking (its tiers, inventory and waiting room go with it,
/// by their foreign keys' cascades); 0 when it has one. The bookings' foreign key (no cascade)
/// refuses the delete too, should a booking arrive between the check and the delete.
pub fn delete_unbooked(conn: &mut DbConnection, id: EventId) -> QueryResult<usize> {
    diesel::delete(events::table.filter(events::id.eq(id)).filter(not(exists(
        bookings::table.filter(bookings::event_id.eq(id)),
    ))))
    .execute(conn)
}

/// published → completed, guarded on the version and the status.
pub fn close(
    conn: &mut DbConnection,
    id: EventId,
    version: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        events::table
            .filter(events::id.eq(id))
            .filter(events::version.eq(version))
            .filter(events::status.eq(EventStatus::Published)),
    )
    .set((
        events::status.eq(EventStatus::Completed),
        events::updated_at.eq(now),
        events::version.eq(events::version + 1),
    ))
    .execute(conn)
}

pub fn update_tier(
    conn: &mut DbConnection,
    event: EventId,
    tier: TierId,
    name: &str,
    price_cents: i64,
    position: i32,
) -> QueryResult<usize> {
    diesel::update(
        price_tiers::table
            .filter(price_tiers::id.eq(tier))
            .filter(price_tiers::event_id.eq(event)),
    )
    .set((
        price_tiers::name.eq(name),
        price_tiers::price_cents.eq(price_cents),
        price_tiers::position.eq(position),
    ))
    .execute(conn)
}

/// Gives a section on sale another tier, only while nothing in it is held or sold.
pub fn retier_section(
    conn: &mut DbConnection,
    event_section: EventSectionId,
    tier: TierId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        event_sections::table
            .filter(event_sections::id.eq(event_section))
            .filter(event_sections::held.eq(0))
            .filter(event_sections::sold.eq(0)),
    )
    .set((
        event_sections::tier_id.eq(tier),
        event_sections::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Takes a section off sale (its seat rows go with it), only while nothing in it is held or
/// sold and no booking, live or past, ever referred to it.
pub fn remove_section(
    conn: &mut DbConnection,
    event: EventId,
    section: SectionId,
) -> QueryResult<usize> {
    let seat_rows = event_seats::table
        .filter(event_seats::event_id.eq(event))
        .filter(event_seats::section_id.eq(section))
        .select(event_seats::id.nullable());
    let es_ids = event_sections::table
        .filter(event_sections::event_id.eq(event))
        .filter(event_sections::section_id.eq(section))
        .select(event_sections::id.nullable());
    let referenced = exists(
        booking_items::table.filter(
            booking_items::event_seat_id
                .eq_any(seat_rows)
                .or(booking_items::event_section_id.eq_any(es_ids)),
        ),
    );
    let free: bool = diesel::select(not(referenced)).get_result(conn)?;
    if !free {
        return Ok(0);
    }
    diesel::delete(
        event_seats::table
            .filter(event_seats::event_id.eq(event))
            .filter(event_seats::section_id.eq(section))
            .filter(event_seats::status.eq_any(vec![SeatStatus::Available, SeatStatus::Blocked])),
    )
    .execute(conn)?;
    diesel::delete(
        event_sections::table
            .filter(event_sections::event_id.eq(event))
            .filter(event_sections::section_id.eq(section))
            .filter(event_sections::held.eq(0))
            .filter(event_sections::sold.eq(0)),
    )
    .execute(conn)
}

/// Removes all of an event's inventory, only while it has no booking at all.
pub fn clear_inventory(conn: &mut DbConnection, event: EventId) -> QueryResult<bool> {
    let booked: bool = diesel::select(exists(bookings::table.filter(bookings::event_id.eq(event))))
        .get_result(conn)?;
    if booked {
        return Ok(false);
    }
    diesel::delete(event_seats::table.filter(event_seats::event_id.eq(event))).execute(conn)?;
    diesel::delete(event_sections::table.filter(event_sections::event_id.eq(event)))
        .execute(conn)?;
    Ok(true)
}

/// A seated section's seats as `(seat, blocked by the venue)`, in map order.
pub fn section_seats(
    conn: &mut DbConnection,
    section: SectionId,
) -> QueryResult<Vec<(SeatId, bool)>> {
    seats::table
        .filter(seats::section_id.eq(section))
        .order((seats::row_index, seats::number, seats::id))
        .select((seats::id, seats::blocked))
        .load(conn)
}

/// The seat rows of a section put on sale (blocked ones counted by the triggers).
pub fn seat_rows(
    event: EventId,
    section: SectionId,
    seats: &[(SeatId, bool)],
    now: NaiveDateTime,
) -> Vec<NewEventSeat> {
    seats
        .iter()
        .map(|(seat, blocked)| NewEventSeat {
            event_id: event,
            seat_id: *seat,
            section_id: section,
            status: if *blocked {
                SeatStatus::Blocked
            } else {
                SeatStatus::Available
            },
            booking_id: None,
            updated_at: now,
        })
        .collect()
}
