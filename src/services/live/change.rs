//! What changed at one event, as the hub batches it.

use std::collections::BTreeSet;

use crate::domain::ids::{BookingId, EventId, SeatId};

/// What changed at one event: seat ids only (viewers read the seats' new state), whether
/// standing places moved, and the bookings whose contents changed (their owners' baskets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub event: EventId,
    pub seats: Vec<SeatId>,
    pub standing: bool,
    pub bookings: Vec<BookingId>,
}

impl Change {
    /// These seats changed.
    pub fn seats(event: EventId, seats: Vec<SeatId>) -> Self {
        Change {
            event,
            seats,
            standing: false,
            bookings: Vec::new(),
        }
    }

    /// Standing places changed.
    pub fn standing(event: EventId) -> Self {
        Change {
            event,
            seats: Vec::new(),
            standing: true,
            bookings: Vec::new(),
        }
    }

    /// ... in these bookings.
    pub fn of(mut self, bookings: impl IntoIterator<Item = BookingId>) -> Self {
        self.bookings.extend(bookings);
        self
    }

    pub(super) fn is_empty(&self) -> bool {
        self.seats.is_empty() && !self.standing
    }
}

/// A change with its seats and bookings sorted and once each.
pub(super) fn merged(change: Change) -> Change {
    let mut out = Change {
        seats: Vec::new(),
        bookings: Vec::new(),
        standing: false,
        event: change.event,
    };
    merge(&mut out, change);
    out
}

pub(super) fn merge(into: &mut Change, change: Change) {
    let seats: BTreeSet<SeatId> = into.seats.drain(..).chain(change.seats).collect();
    let bookings: BTreeSet<BookingId> = into.bookings.drain(..).chain(change.bookings).collect();
    into.seats = seats.into_iter().collect();
    into.bookings = bookings.into_iter().collect();
    into.standing |= change.standing;
}
