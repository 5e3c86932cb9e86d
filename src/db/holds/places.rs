//! Standing places: moved between a section's counters with guarded updates.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{booking_items, bookings, event_sections, price_tiers};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId, EventSectionId, SectionId, TierId};

/// Moves `quantity` standing places of a section from free to held, if that many are free.
pub fn take_places(
    conn: &mut DbConnection,
    event_section_id: EventSectionId,
    quantity: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        event_sections::table
            .filter(event_sections::id.eq(event_section_id))
            .filter(
                (event_sections::held + event_sections::sold + event_sections::blocked + quantity)
                    .le(event_sections::capacity),
            ),
    )
    .set((
        event_sections::held.eq(event_sections::held + quantity),
        event_sections::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// A section's standing row for the event, if the section is standing and on sale.
pub fn standing_section(
    conn: &mut DbConnection,
    event: EventId,
    section: SectionId,
) -> QueryResult<Option<(EventSectionId, TierId, i64)>> {
    use crate::db::schema::sections;
    event_sections::table
        .inner_join(sections::table)
        .inner_join(price_tiers::table.on(price_tiers::id.eq(event_sections::tier_id)))
        .filter(event_sections::event_id.eq(event))
        .filter(event_sections::section_id.eq(section))
        .filter(sections::kind.eq("standing"))
        .select((
            event_sections::id,
            event_sections::tier_id,
            price_tiers::price_cents,
        ))
        .first(conn)
        .optional()
}

/// Pending bookings holding places in this standing section (of `event`) whose hold has run
/// out. Read from the event's own expired pending bookings (index `bookings (event_id, status,
/// expires_at)`), so its cost does not grow with other events' unswept holds (issue 18).
pub fn expired_holders_of_section(
    conn: &mut DbConnection,
    event: EventId,
    event_section_id: EventSectionId,
    now: NaiveDateTime,
) -> QueryResult<Vec<BookingId>> {
    booking_items::table
        .inner_join(bookings::table)
        .filter(bookings::event_id.eq(event))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .filter(bookings::expires_at.le(now))
        .filter(booking_items::event_section_id.eq(event_section_id))
        .filter(booking_items::active.eq(true))
        .select(bookings::id)
        .distinct()
        .load(conn)
}

/// Standing places free in a section now (expired holds already given back).
pub fn places_left(conn: &mut DbConnection, event_section_id: EventSectionId) -> QueryResult<i64> {
    let (capacity, held, sold, blocked): (i32, i32, i32, i32) = event_sections::table
        .filter(event_sections::id.eq(event_section_id))
        .select((
            event_sections::capacity,
            event_sections::held,
            event_sections::sold,
            event_sections::blocked,
        ))
        .first(conn)?;
    Ok(i64::from((capacity - held - sold - blocked).max(0)))
}

/// Standing places `user` holds now in a section of the event (their live basket lines there).
pub fn places_held_in_section(
    conn: &mut DbConnection,
    booking: BookingId,
    event_section: EventSectionId,
) -> QueryResult<i64> {
    let items: Vec<i32> = booking_items::table
        .filter(booking_items::booking_id.eq(booking))
        .filter(booking_items::active.eq(true))
        .filter(booking_items::event_section_id.eq(Some(event_section)))
        .select(booking_items::quantity)
        .load(conn)?;
    Ok(items.iter().map(|q| i64::from(*q)).sum())
}
