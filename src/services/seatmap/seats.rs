//! Seats and standing areas with their live status (shared between viewers).

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::seatmap::{self as queries, MapSeat, MapSection};
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId, UserId};
use crate::domain::venue::SeatStatus;
use crate::services::catalogue::CatalogueError;

use super::basket::basket_id;
use super::layouts::seat_views;
use super::overview::overview_sections;
use super::views::{SeatView, SectionView, StandingView};
use crate::domain::money::Currency;

/// These seats as `viewer` sees them now (after a click).
pub fn seats(
    conn: &mut DbConnection,
    event: EventId,
    viewer: Option<UserId>,
    only: &[SeatId],
    now: NaiveDateTime,
) -> Result<Vec<SeatView>, CatalogueError> {
    if only.is_empty() {
        return Ok(Vec::new());
    }
    let currency = queries::currency(conn, event)?.ok_or(CatalogueError::NotFound)?;
    let rows = queries::sections(conn, event)?;
    let seats = queries::seats_of(conn, event, None, Some(only))?;
    let mine = match viewer {
        Some(user) => basket_id(conn, user, event, now)?,
        None => None,
    };
    Ok(seat_views(&seats, &rows, currency, mine, now))
}

/// The seats of a live change, read once for every viewer, with who holds them and who owns
/// the changed `bookings`.
pub fn raw_seats(
    conn: &mut DbConnection,
    event: EventId,
    only: &[SeatId],
    bookings: &[BookingId],
) -> Result<SharedSeats, CatalogueError> {
    let currency = queries::currency(conn, event)?.ok_or(CatalogueError::NotFound)?;
    let sections = queries::sections(conn, event)?;
    let seats = if only.is_empty() {
        Vec::new()
    } else {
        queries::seats_of(conn, event, None, Some(only))?
    };
    let mut held: Vec<BookingId> = seats
        .iter()
        .filter(|s| s.status == SeatStatus::Held)
        .filter_map(|s| s.booking_id)
        .chain(bookings.iter().copied())
        .collect();
    held.sort_unstable();
    held.dedup();
    let owners = queries::booking_owners(conn, &held)?.into_iter().collect();
    Ok(SharedSeats {
        currency,
        sections,
        seats,
        owners,
    })
}

/// Changed seats as read once for all viewers of a live update.
#[derive(Debug, Clone)]
pub struct SharedSeats {
    pub(super) currency: Currency,
    pub(super) sections: Vec<MapSection>,
    pub(super) seats: Vec<MapSeat>,
    /// Who holds the held ones, and who owns the changed bookings.
    pub(super) owners: HashMap<BookingId, UserId>,
}

impl SharedSeats {
    /// The seats as a viewer whose basket is `basket` sees them, only those of `section`
    /// when given.
    pub fn for_viewer(
        &self,
        basket: Option<BookingId>,
        section: Option<SectionId>,
        now: NaiveDateTime,
    ) -> Vec<SeatView> {
        let seats: Vec<MapSeat> = self
            .seats
            .iter()
            .filter(|s| section.is_none_or(|id| s.section_id == id))
            .cloned()
            .collect();
        seat_views(&seats, &self.sections, self.currency, basket, now)
    }

    /// Whether the change concerns `viewer`'s basket: one of the seats is now held by them
    /// (perhaps from another tab), or one of the changed bookings is theirs.
    pub fn touches(&self, viewer: UserId) -> bool {
        self.owners.values().any(|u| *u == viewer)
    }

    /// The sections the seats are in.
    pub fn sections(&self) -> impl Iterator<Item = SectionId> + '_ {
        self.seats.iter().map(|s| s.section_id)
    }
}

/// The standing areas of an event as the map shows them (for a live update).
pub fn standing(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Vec<StandingView>, CatalogueError> {
    Ok(standing_views(&overview_sections(conn, event, now)?))
}

/// The standing areas among `sections`, as the standing panel shows them.
pub(super) fn standing_views(sections: &[SectionView]) -> Vec<StandingView> {
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
