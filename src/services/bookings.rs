//! Bookings as their owner sees them.

use crate::db::bookings::{self as queries, BookingListRow, ItemRow, TicketRow};
use crate::db::{DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, UserId};

/// A booking with its lines and, once paid, its tickets.
#[derive(Debug, Clone)]
pub struct BookingView {
    pub booking: BookingListRow,
    pub items: Vec<ItemRow>,
    pub tickets: Vec<TicketRow>,
}

/// The user's bookings, newest first, each with its items and (when paid) tickets. Three
/// queries for the whole list.
pub fn for_user(conn: &mut DbConnection, user: UserId) -> Result<Vec<BookingView>, DbError> {
    let bookings = queries::for_user(conn, user)?;
    let ids: Vec<BookingId> = bookings.iter().map(|b| b.id).collect();
    let mut items = queries::items_of(conn, &ids)?;
    let mut tickets = queries::tickets_of(conn, &ids)?;
    Ok(bookings
        .into_iter()
        .map(|booking| {
            let id = booking.id;
            let paid = booking.status == BookingStatus::Paid;
            BookingView {
                items: take_where(&mut items, |i| i.booking_id == id),
                tickets: if paid {
                    take_where(&mut tickets, |t| t.booking_id == id)
                } else {
                    Vec::new()
                },
                booking,
            }
        })
        .collect())
}

/// One booking with its lines and (when paid) tickets.
pub fn one(conn: &mut DbConnection, id: BookingId) -> Result<Option<BookingView>, DbError> {
    let Some(booking) = queries::by_id(conn, id)? else {
        return Ok(None);
    };
    let items = queries::items_of(conn, &[id])?;
    let tickets = if booking.status == BookingStatus::Paid {
        queries::tickets_of(conn, &[id])?
    } else {
        Vec::new()
    };
    Ok(Some(BookingView {
        booking,
        items,
        tickets,
    }))
}

fn take_where<T>(from: &mut Vec<T>, keep: impl Fn(&T) -> bool) -> Vec<T> {
    let (taken, rest): (Vec<T>, Vec<T>) = std::mem::take(from).into_iter().partition(keep);
    *from = rest;
    taken
}
