//! The SQL of holding seats and places (ARCHITECTURE §3, "Seat holds: the heart").
//!
//! How a hold stays correct under a stampede:
//! - PostgreSQL: the hold's transaction (READ COMMITTED, with a lock timeout; see
//!   [`super::Db::write`]) takes `SELECT … FOR UPDATE` row locks on the requested `event_seats`
//!   rows **in id order** (so two holds never deadlock on each other), checks each one is free
//!   (or under an expired hold), then changes them. Nobody else can change those rows until it
//!   commits.
//! - SQLite: the same code runs in a `BEGIN IMMEDIATE` transaction under the process's single
//!   writer lock; the lock is the whole database.
//! - Whatever the code does, the database refuses a double hold on its own: the seat update is
//!   guarded (`… WHERE status = 'available'`, its row count checked), a partial unique index
//!   allows one live booking item per seat, standing places move with a guarded counter update
//!   (`held + sold + blocked + n <= capacity`), and a buyer has at most one pending booking per
//!   event. A locking bug becomes an error, never an oversell.

mod basket;
mod event;
mod given_back;
mod places;
mod release;
mod seats;

pub use basket::{
    Basket, BookingHead, NewBooking, NewItem, add_to_total, find_by_reference, insert_booking,
    insert_items, lock_pending_booking, pending_booking, quantity_held, refresh_total,
};
pub use event::{HoldEvent, event, event_and_account_for_hold, tickets_for_event, tickets_held_by};
pub use given_back::{
    GivenBack, places_given_back_since, purge_releases, record_releases, seats_given_back_by,
    seats_given_back_since,
};
pub use places::{
    expired_holders_of_section, places_held_in_section, places_left, standing_section, take_places,
};
pub use release::{Released, end_pending, expired_pending, release_places, release_seat};
pub use seats::{
    SEAT_LOCK_COLUMNS, SeatLock, SeatLockColumns, SeatPlace, SectionPrice, lock_seats, peek_seats,
    seat_places, section_prices, take_seats,
};
