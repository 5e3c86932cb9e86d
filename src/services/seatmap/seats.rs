//! Seats with their live state: those an action changed, and those of a live change (shared
//! between viewers, with who holds them).

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::seatmap::{self as queries, MapSeat, MapSection};
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId, UserId};
use crate::domain::money::Currency;
use crate::domain::venue::SeatStatus;
use crate::services::catalogue::CatalogueError;

use super::basket::basket_id;

/// Seats as one viewer's action left them, with the sections they are drawn with.
#[derive(Debug, Clone)]
pub struct ChangedSeats {
    pub currency: Currency,
    pub sections: Vec<MapSection>,
    pub seats: Vec<MapSeat>,
    /// The viewer's pending booking (its seats are theirs).
    pub basket: Option<BookingId>,
}

/// These seats as `viewer` sees them now (after a click); `None` for no seats.
pub fn seats(
    conn: &mut DbConnection,
    event: EventId,
    viewer: Option<UserId>,
    only: &[SeatId],
    now: NaiveDateTime,
) -> Result<Option<ChangedSeats>, CatalogueError> {
    if only.is_empty() {
        return Ok(None);
    }
    let currency = queries::currency(conn, event)?.ok_or(CatalogueError::NotFound)?;
    let sections = queries::sections(conn, event)?;
    let seats = queries::seats_of(conn, event, None, Some(only))?;
    let basket = match viewer {
        Some(user) => basket_id(conn, user, event, now)?,
        None => None,
    };
    Ok(Some(ChangedSeats {
        currency,
        sections,
        seats,
        basket,
    }))
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
    pub currency: Currency,
    pub sections: Vec<MapSection>,
    pub seats: Vec<MapSeat>,
    /// Who holds the held ones, and who owns the changed bookings.
    owners: HashMap<BookingId, UserId>,
}

impl SharedSeats {
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
