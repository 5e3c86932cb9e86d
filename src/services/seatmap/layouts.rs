//! Venue layouts turned into seat positions and section outlines.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::seatmap::{self as queries, MapSeat, MapSection};
use crate::domain::ids::{BookingId, SeatId, SectionId, VenueId};
use crate::domain::money::{Currency, Money};
use crate::domain::seatmap::{SeatState, tier_class};
use crate::services::catalogue::CatalogueError;

use super::views::SeatView;

/// Each venue's layout (its seats: section, row, number, position), read once per version of
/// the venue and kept: it changes only when the venue is edited (which moves its
/// `updated_at`), so a map reads only the event's seat states.
#[derive(Default)]
pub struct Layouts {
    pub(super) venues: Mutex<HashMap<VenueId, Arc<VenueLayout>>>,
}

/// A venue's seats in map order, at one version of the venue.
pub struct VenueLayout {
    pub(super) version: NaiveDateTime,
    pub(super) seats: Vec<LayoutSeat>,
}

pub(super) struct LayoutSeat {
    pub(super) seat_id: SeatId,
    pub(super) section_id: SectionId,
    pub(super) row: Arc<str>,
    pub(super) number: i32,
    pub(super) x: i32,
    pub(super) y: i32,
    pub(super) accessible: bool,
}

impl Layouts {
    pub fn new() -> Self {
        Layouts::default()
    }

    /// The venue's layout, read again only when the venue changed.
    pub fn venue(
        &self,
        conn: &mut DbConnection,
        venue: VenueId,
    ) -> Result<Arc<VenueLayout>, CatalogueError> {
        let version = queries::venue_version(conn, venue)?;
        let cached = self
            .venues
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&venue)
            .filter(|l| l.version == version)
            .cloned();
        if let Some(layout) = cached {
            return Ok(layout);
        }
        // Rows repeat along a row: one shared string per row of a section.
        let mut rows: HashMap<(SectionId, String), Arc<str>> = HashMap::new();
        let seats = queries::venue_seats(conn, venue)?
            .into_iter()
            .map(|r| {
                let row = rows
                    .entry((r.section_id, r.row_label))
                    .or_insert_with_key(|(_, label)| Arc::from(label.as_str()))
                    .clone();
                LayoutSeat {
                    seat_id: r.seat_id,
                    section_id: r.section_id,
                    row,
                    number: r.number,
                    x: r.x,
                    y: r.y,
                    accessible: r.accessible,
                }
            })
            .collect();
        let layout = Arc::new(VenueLayout { version, seats });
        self.venues
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(venue, layout.clone());
        Ok(layout)
    }
}

/// The event's seats that have states (those on sale), in the layout's map order.
pub(super) fn layout_views(
    layout: &VenueLayout,
    states: &[queries::SeatStateRow],
    sections: &[MapSection],
    currency: Currency,
    basket: Option<BookingId>,
    now: NaiveDateTime,
) -> Vec<SeatView> {
    let by_seat: HashMap<SeatId, &queries::SeatStateRow> =
        states.iter().map(|s| (s.seat_id, s)).collect();
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
pub(super) fn section_strings(
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
pub(super) fn seat_views(
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
