//! The buyer's basket as the seat map shows it, and what ran out of it.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::bookings::ItemRow;
use crate::db::seatmap::{self as queries};
use crate::domain::ids::{BookingId, BookingItemId, EventId, SeatId, UserId};
use crate::domain::local_time::rfc3339_utc;
use crate::domain::money::{Currency, Money};
use crate::domain::seatmap::countdown;
use crate::services::catalogue::CatalogueError;

/// One line of the basket.
#[derive(Debug, Clone)]
pub struct BasketLine {
    /// The seat, for seat lines; standing lines have none.
    pub seat_id: Option<SeatId>,
    pub item_id: BookingItemId,
    pub what: String,
    pub quantity: i32,
    pub price: Money,
}

impl BasketLine {
    /// A booking's line as the basket and the booking page show it.
    pub fn of(item: &ItemRow, currency: Currency) -> Self {
        BasketLine {
            seat_id: item.seat_id,
            item_id: item.item_id,
            what: crate::domain::seatmap::place_label(
                &item.section,
                item.row.as_deref(),
                item.number,
            ),
            quantity: item.quantity,
            price: Money::new(i64::from(item.quantity) * item.unit_price_cents, currency),
        }
    }
}

/// The buyer's pending booking for this event.
#[derive(Debug, Clone)]
pub struct BasketView {
    pub booking_id: BookingId,
    pub reference: String,
    /// RFC 3339 in UTC, for the countdown.
    pub expires_at: String,
    /// Milliseconds left when drawn (the countdown counts from there, whatever the device's clock).
    pub left_ms: i64,
    /// What the countdown shows before the script takes over ("14:59").
    pub left: String,
    pub lines: Vec<BasketLine>,
    pub count: i64,
    pub total: Money,
}

/// The viewer's basket: none, live, or just run out (so the page can say so).
#[derive(Debug, Clone)]
pub enum Basket {
    Empty,
    Live(BasketView),
    /// The hold ran out; its seats are free again.
    Expired {
        reference: String,
    },
}

impl Basket {
    pub fn live(&self) -> Option<&BasketView> {
        match self {
            Basket::Live(b) => Some(b),
            _ => None,
        }
    }

    pub fn expired_reference(&self) -> Option<&str> {
        match self {
            Basket::Expired { reference } => Some(reference),
            _ => None,
        }
    }

    /// The pending booking, while it holds.
    pub fn booking_id(&self) -> Option<BookingId> {
        self.live().map(|b| b.booking_id)
    }

    /// The seats it holds.
    pub fn seat_ids(&self) -> Vec<SeatId> {
        self.live()
            .map(|b| b.lines.iter().filter_map(|l| l.seat_id).collect())
            .unwrap_or_default()
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
pub(super) const EXPIRED_NOTICE: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

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
    let lines: Vec<BasketLine> = items
        .iter()
        .map(|i| BasketLine::of(i, latest.total.currency))
        .collect();
    let count = items.iter().map(|i| i64::from(i.quantity)).sum();
    Ok(Basket::Live(BasketView {
        booking_id: latest.id,
        reference: latest.reference,
        expires_at: rfc3339_utc(latest.expires_at),
        left_ms: (latest.expires_at - now).num_milliseconds().max(0),
        left: countdown(latest.expires_at, now),
        lines,
        count,
        total: latest.total,
    }))
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
