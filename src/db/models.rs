//! Rows as the queries read and write them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::*;
use crate::domain::event::{Category, EventStatus};
use crate::domain::ids::*;
use crate::domain::money::Currency;
use crate::domain::user::Role;
use crate::domain::venue::{SeatStatus, SectionKind};

/// What signing in needs to know about an account.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct LoginRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub session_epoch: i64,
    pub email_verified_at: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
}

/// An event with the venue fields every listing shows.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: EventId,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub category: Category,
    pub status: EventStatus,
    pub featured: bool,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub currency: Currency,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
    pub max_tickets_per_order: i32,
    pub max_tickets_per_account: Option<i32>,
    pub cancellation_reason: Option<String>,
    #[diesel(embed)]
    pub venue: VenueRef,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = venues)]
pub struct VenueRef {
    pub id: VenueId,
    pub name: String,
    pub address: String,
    pub city: String,
    pub country: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = price_tiers)]
pub struct TierRow {
    pub id: TierId,
    pub event_id: EventId,
    pub name: String,
    pub price_cents: i64,
}

/// One seat of an event, as the seat map and the seats API show it; its tier is its section's.
#[derive(Debug, Clone, Queryable)]
pub struct EventSeatRow {
    pub seat_id: SeatId,
    pub section_id: SectionId,
    pub section: String,
    pub row_label: String,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
    pub tier_id: TierId,
    pub price_cents: i64,
    pub status: SeatStatus,
    pub held_until: Option<NaiveDateTime>,
}

/// One section on sale at an event, with its tier, price and counters.
#[derive(Debug, Clone, Queryable)]
pub struct SectionRow {
    pub id: EventSectionId,
    pub event_id: EventId,
    pub section_id: SectionId,
    pub name: String,
    pub kind: SectionKind,
    pub tier_id: TierId,
    pub price_cents: i64,
    pub capacity: i32,
    pub held: i32,
    pub sold: i32,
    pub blocked: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = venues)]
pub struct NewVenue<'a> {
    pub organizer_id: OrganizerId,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
    pub address: &'a str,
    pub city: &'a str,
    pub country: &'a str,
    pub timezone: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sections)]
pub struct NewSection<'a> {
    pub venue_id: VenueId,
    pub name: &'a str,
    pub kind: SectionKind,
    pub capacity: Option<i32>,
    pub position: i32,
    pub map_x: i32,
    pub map_y: i32,
    pub map_width: i32,
    pub map_height: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = seats)]
pub struct NewSeat<'a> {
    pub section_id: SectionId,
    pub row_label: &'a str,
    pub row_index: i32,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events)]
pub struct NewEvent<'a> {
    pub venue_id: VenueId,
    /// The venue's organizer (a composite foreign key makes any other impossible).
    pub organizer_id: OrganizerId,
    pub title: &'a str,
    pub slug: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub category: Category,
    pub status: EventStatus,
    pub featured: bool,
    pub starts_at: NaiveDateTime,
    pub starts_local: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub currency: &'a str,
    pub sales_start_at: Option<NaiveDateTime>,
    pub sales_end_at: Option<NaiveDateTime>,
    pub max_tickets_per_order: i32,
    pub max_tickets_per_account: Option<i32>,
    pub published_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancellation_reason: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = price_tiers)]
pub struct NewTier<'a> {
    pub event_id: EventId,
    pub name: &'a str,
    pub price_cents: i64,
    pub position: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = event_seats)]
pub struct NewEventSeat {
    pub event_id: EventId,
    pub seat_id: SeatId,
    pub section_id: SectionId,
    pub status: SeatStatus,
    pub booking_id: Option<BookingId>,
    pub updated_at: NaiveDateTime,
}

/// A section put on sale for an event. Seated counters start at zero and follow the seat rows
/// (triggers); a standing section's counters are its inventory.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = event_sections)]
pub struct NewEventSection {
    pub event_id: EventId,
    pub section_id: SectionId,
    pub tier_id: TierId,
    pub capacity: i32,
    pub sold: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = booking_items)]
pub struct NewBookingItem {
    pub booking_id: BookingId,
    pub event_id: EventId,
    pub event_seat_id: Option<EventSeatId>,
    pub event_section_id: Option<EventSectionId>,
    pub tier_id: TierId,
    pub quantity: i32,
    pub unit_price_cents: i64,
    pub active: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = payments)]
pub struct NewPayment<'a> {
    pub booking_id: BookingId,
    pub external_id: &'a str,
    pub idempotency_key: &'a str,
    pub method: &'a str,
    pub status: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub succeeded_at: Option<NaiveDateTime>,
}
