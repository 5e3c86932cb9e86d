//! The buyer's basket as the seat map and the booking page show it.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::bookings::ItemRow;
use crate::domain::ids::{BookingId, BookingItemId, EventId, SeatId, UserId};
use crate::domain::local_time::rfc3339_utc;
use crate::domain::money::{Currency, Money};
use crate::domain::seatmap::{countdown, place_label};
use crate::services::catalogue::CatalogueError;
use crate::services::seatmap;

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
            what: place_label(&item.section, item.row.as_deref(), item.number),
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
    /// The basket as read, drawn at `now`.
    pub fn of(read: seatmap::Basket, now: NaiveDateTime) -> Basket {
        match read {
            seatmap::Basket::Empty => Basket::Empty,
            seatmap::Basket::Expired { reference } => Basket::Expired { reference },
            seatmap::Basket::Live {
                booking,
                reference,
                expires_at,
                total,
                items,
            } => Basket::Live(BasketView {
                booking_id: booking,
                reference,
                expires_at: rfc3339_utc(expires_at),
                left_ms: (expires_at - now).num_milliseconds().max(0),
                left: countdown(expires_at, now),
                lines: items
                    .iter()
                    .map(|i| BasketLine::of(i, total.currency))
                    .collect(),
                count: items.iter().map(|i| i64::from(i.quantity)).sum(),
                total,
            }),
        }
    }

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

/// The viewer's basket for the event, read and drawn.
pub fn basket(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Basket, CatalogueError> {
    Ok(Basket::of(seatmap::basket(conn, user, event, now)?, now))
}
