//! The buyer's basket for an event, and what ran out of it.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::bookings::ItemRow;
use crate::db::seatmap::{self as queries};
use crate::domain::ids::{BookingId, EventId, SeatId, UserId};
use crate::domain::money::Money;
use crate::services::catalogue::CatalogueError;

/// The viewer's basket: none, live (the pending booking and its lines), or just run out (so
/// the page can say so).
#[derive(Debug, Clone)]
pub enum Basket {
    Empty,
    Live {
        booking: BookingId,
        reference: String,
        expires_at: NaiveDateTime,
        total: Money,
        items: Vec<ItemRow>,
    },
    /// The hold ran out; its seats are free again.
    Expired {
        reference: String,
    },
}

impl Basket {
    /// The pending booking, while it holds.
    pub fn booking_id(&self) -> Option<BookingId> {
        match self {
            Basket::Live { booking, .. } => Some(*booking),
            _ => None,
        }
    }

    /// The seats it holds.
    pub fn seat_ids(&self) -> Vec<SeatId> {
        match self {
            Basket::Live { items, .. } => items.iter().filter_map(|i| i.seat_id).collect(),
            _ => Vec::new(),
        }
    }
}

/// The viewer's pending booking for the event, while its hold lasts.
pub fn basket_id(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Option<BookingId>, CatalogueError> {
    Ok(crate::db::holds::pending_booking(conn, user, event)?
        .filter(|b| b.expires_at > now)
        .map(|b| b.id))
}

/// How long ago a run-out basket is still worth mentioning.
const EXPIRED_NOTICE: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

/// The viewer's basket for the event.
pub fn basket(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Basket, CatalogueError> {
    let Some(latest) = queries::latest_booking(conn, user, event)? else {
        return Ok(Basket::Empty);
    };
    use crate::domain::booking::BookingStatus;
    match latest.status {
        BookingStatus::Pending if latest.expires_at > now => {}
        BookingStatus::Pending => {
            return Ok(Basket::Expired {
                reference: latest.reference,
            });
        }
        BookingStatus::Expired if latest.expires_at > now - EXPIRED_NOTICE => {
            return Ok(Basket::Expired {
                reference: latest.reference,
            });
        }
        _ => return Ok(Basket::Empty),
    }
    let items = crate::db::bookings::items_of(conn, &[latest.id])?;
    Ok(Basket::Live {
        booking: latest.id,
        reference: latest.reference,
        expires_at: latest.expires_at,
        total: latest.total,
        items,
    })
}

/// The seats of the viewer's basket for the event if it has just run out (free again now, so
/// the page can redraw them at once); empty otherwise.
pub fn expired_basket_seats(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Vec<SeatId>, CatalogueError> {
    use crate::domain::booking::BookingStatus;
    let Some(latest) = queries::latest_booking(conn, user, event)? else {
        return Ok(Vec::new());
    };
    let ran_out = match latest.status {
        BookingStatus::Pending => latest.expires_at <= now,
        BookingStatus::Expired => true,
        _ => false,
    };
    if !ran_out {
        return Ok(Vec::new());
    }
    Ok(crate::db::bookings::items_of(conn, &[latest.id])?
        .into_iter()
        .filter_map(|i| i.seat_id)
        .collect())
}
