//! Seats, sections and standing areas as the map draws them, from what was read.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::seatmap::{MapSeat, MapSection, SeatStateRow};
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId, UserId};
use crate::domain::inventory::Counts;
use crate::domain::money::{Currency, Money};
use crate::domain::seatmap::{Rect, SeatState, tier_class};
use crate::domain::venue::SectionKind;
use crate::services::catalogue::CatalogueError;
use crate::services::seatmap::{self, Sections, SharedSeats, VenueLayout};

use super::{SeatView, SectionView, StandingView};

/// These seats as `viewer` sees them now (after a click).
pub fn seats(
    conn: &mut DbConnection,
    event: EventId,
    viewer: Option<UserId>,
    only: &[SeatId],
    now: NaiveDateTime,
) -> Result<Vec<SeatView>, CatalogueError> {
    Ok(
        seatmap::seats(conn, event, viewer, only, now)?.map_or_else(Vec::new, |c| {
            seat_views(&c.seats, &c.sections, c.currency, c.basket, now)
        }),
    )
}

/// The seats of a live change as a viewer whose basket is `basket` sees them, only those of
/// `section` when given.
pub fn changed(
    shared: &SharedSeats,
    basket: Option<BookingId>,
    section: Option<SectionId>,
    now: NaiveDateTime,
) -> Vec<SeatView> {
    let seats: Vec<MapSeat> = shared
        .seats
        .iter()
        .filter(|s| section.is_none_or(|id| s.section_id == id))
        .cloned()
        .collect();
    seat_views(&seats, &shared.sections, shared.currency, basket, now)
}

/// The seated and standing sections with what is left in each (the overview's shapes).
pub fn overview_sections(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Vec<SectionView>, CatalogueError> {
    Ok(sections_of(&seatmap::sections(conn, event, now)?))
}

/// The sections as drawn.
pub fn sections_of(sections: &Sections) -> Vec<SectionView> {
    sections
        .rows
        .iter()
        .map(|r| section_view(r, sections.currency, sections.counts.get(&r.id).copied()))
        .collect()
}

/// The standing areas of an event as the map shows them (for an update).
pub fn standing(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Vec<StandingView>, CatalogueError> {
    Ok(standing_of(&seatmap::sections(conn, event, now)?))
}

/// The standing areas among `sections`, as the standing panel shows them.
pub fn standing_of(sections: &Sections) -> Vec<StandingView> {
    standing_of_views(&sections_of(sections))
}

pub(super) fn standing_of_views(sections: &[SectionView]) -> Vec<StandingView> {
    sections
        .iter()
        .filter(|s| s.standing)
        .map(|s| StandingView {
            section_id: s.id,
            name: s.name.clone(),
            price: s.price.clone(),
            tier_class: s.tier_class,
            available: s.available,
            capacity: s.capacity,
        })
        .collect()
}

pub(super) fn section_view(
    r: &MapSection,
    currency: Currency,
    counts: Option<Counts>,
) -> SectionView {
    let counts = counts.unwrap_or(Counts {
        capacity: i64::from(r.capacity),
        available: 0,
    });
    SectionView {
        id: r.id,
        name: r.name.clone(),
        standing: r.kind == SectionKind::Standing,
        rect: Rect {
            x: r.map_x,
            y: r.map_y,
            width: r.map_width,
            height: r.map_height,
        },
        tier_class: tier_class(usize::try_from(r.tier_position).unwrap_or(0)),
        price: Money::new(r.price_cents, currency).to_string(),
        capacity: counts.capacity,
        available: counts.available,
    }
}

/// The event's seats that have states (those on sale), in the layout's map order.
pub(super) fn layout_views(
    layout: &VenueLayout,
    states: &[SeatStateRow],
    sections: &[MapSection],
    currency: Currency,
    basket: Option<BookingId>,
    now: NaiveDateTime,
) -> Vec<SeatView> {
    let by_seat: HashMap<SeatId, &SeatStateRow> = states.iter().map(|s| (s.seat_id, s)).collect();
    let by_section = section_strings(sections, currency);
    layout
        .seats
        .iter()
        .filter_map(|l| {
            let state = by_seat.get(&l.seat_id)?;
            let (section, price, class) = by_section.get(&l.section_id)?;
            Some(SeatView {
                id: l.seat_id,
                section_id: l.section_id,
                section: section.clone(),
                row: l.row.clone(),
                number: l.number,
                cx: l.x,
                cy: l.y,
                accessible: l.accessible,
                state: SeatState::of(
                    state.status,
                    state.held_until,
                    state.booking_id,
                    basket,
                    now,
                ),
                price: price.clone(),
                tier_class: class,
            })
        })
        .collect()
}

/// Each section's shared strings: its name, its price and its tier's colour class.
fn section_strings(
    sections: &[MapSection],
    currency: Currency,
) -> HashMap<SectionId, (Arc<str>, Arc<str>, &'static str)> {
    sections
        .iter()
        .map(|s| {
            (
                s.id,
                (
                    Arc::from(s.name.as_str()),
                    Arc::from(Money::new(s.price_cents, currency).to_string()),
                    tier_class(usize::try_from(s.tier_position).unwrap_or(0)),
                ),
            )
        })
        .collect()
}

/// `basket`: the viewer's pending booking (its seats are theirs).
fn seat_views(
    seats: &[MapSeat],
    sections: &[MapSection],
    currency: Currency,
    basket: Option<BookingId>,
    now: NaiveDateTime,
) -> Vec<SeatView> {
    let by_id = section_strings(sections, currency);
    seats
        .iter()
        // A seat of a section not on sale for this event is not drawn.
        .filter_map(|s| {
            let (section, price, class) = by_id.get(&s.section_id)?;
            Some(SeatView {
                id: s.seat_id,
                section_id: s.section_id,
                section: section.clone(),
                row: Arc::from(s.row_label.as_str()),
                number: s.number,
                cx: s.x,
                cy: s.y,
                accessible: s.accessible,
                state: SeatState::of(s.status, s.held_until, s.booking_id, basket, now),
                price: price.clone(),
                tier_class: class,
            })
        })
        .collect()
}
