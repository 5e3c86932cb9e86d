//! A demo event's sales written out, each row as the app would have left it at the end of that
//! sale's story: the bookings (paid, refunded, expired, cancelled), the event's inventory (what
//! is sold now), the items, payments, the gateway's intents and refunds, and the tickets (valid,
//! used at the door, or void).

use chrono::{NaiveDateTime, TimeDelta};
use std::collections::HashMap;

use super::calendar::HOLD;
use crate::db::models::*;
use crate::db::seed::{
    SeedBooking, SeedGatewayRefund, SeedIntent, SeedRefund, SeedTicket, payment_ids,
};
use crate::db::{DbConnection, DbError, seed as rows};
use crate::domain::ids::*;
use crate::domain::venue::SeatStatus;
use crate::services::demo::rng::SplitMix64;

/// How a sale's story ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Paid; its holders came through the door at `arrival` (events that started).
    Paid { arrival: Option<NaiveDateTime> },
    /// Paid, then refunded at `at`: its seats and places went back on sale.
    Refunded {
        at: NaiveDateTime,
        reason: &'static str,
    },
    /// A basket nobody paid for, swept when its hold ran out.
    Expired,
    /// A basket its buyer gave up at `at`.
    Cancelled { at: NaiveDateTime },
}

/// One sale or basket: these seats, or `quantity` places in a standing area (its index).
pub(super) struct Sale {
    pub reference: String,
    pub buyer: UserId,
    pub seats: Vec<(SeatId, TierId, i64)>,
    pub standing: Option<(usize, TierId, i64, i32)>,
    /// The basket opened.
    pub opened: NaiveDateTime,
    /// It was paid (for a basket never paid: when it opened).
    pub paid: NaiveDateTime,
    pub outcome: Outcome,
}

impl Sale {
    /// Sold now: its seats and places count as sold.
    pub fn sells(&self) -> bool {
        matches!(self.outcome, Outcome::Paid { .. })
    }

    /// Money was taken (it has a payment and tickets).
    pub fn was_paid(&self) -> bool {
        matches!(
            self.outcome,
            Outcome::Paid { .. } | Outcome::Refunded { .. }
        )
    }

    fn total(&self) -> i64 {
        self.seats.iter().map(|(_, _, p)| p).sum::<i64>()
            + self.standing.map_or(0, |(_, _, p, q)| p * i64::from(q))
    }

    fn booking<'a>(&'a self, event_id: EventId, currency: &'a str) -> SeedBooking<'a> {
        let expires_at = self.opened + HOLD;
        let paid_at = self.was_paid().then_some(self.paid);
        let (status, cancelled_at, refunded_at, updated_at) = match self.outcome {
            Outcome::Paid { .. } => ("paid", None, None, self.paid),
            Outcome::Refunded { at, .. } => ("refunded", None, Some(at), at),
            Outcome::Expired => ("expired", None, None, expires_at + TimeDelta::seconds(20)),
            Outcome::Cancelled { at } => ("cancelled", Some(at), None, at),
        };
        SeedBooking {
            reference: &self.reference,
            user_id: self.buyer,
            event_id,
            status,
            total_cents: self.total(),
            currency,
            expires_at,
            paid_at,
            cancelled_at,
            refunded_at,
            created_at: self.opened,
            updated_at,
        }
    }
}

/// The event the sales are of, and its inventory: the seats on sale as `(seat, section)` in
/// map order, each seated section's tier and price, and the standing areas on sale as
/// `(index, section, capacity)`.
pub(super) struct Inventory<'a> {
    pub event_id: EventId,
    pub title: &'a str,
    pub currency: &'a str,
    pub seats: &'a [(SeatId, SectionId)],
    pub tier_of: &'a HashMap<SectionId, (TierId, i64)>,
    pub standing: &'a [(usize, SectionId, i32)],
}

/// Writes the sales (in the order they were made) and the event's inventory. Ticket codes come
/// from `codes`, door times from `door`.
pub(super) fn write_sales(
    conn: &mut DbConnection,
    inv: &Inventory<'_>,
    sales: &mut [Sale],
    now: NaiveDateTime,
    codes: &mut SplitMix64,
    door: &mut SplitMix64,
) -> Result<(), DbError> {
    sales.sort_by_key(|s| s.opened);
    let event_id = inv.event_id;
    let bookings: Vec<SeedBooking<'_>> = sales
        .iter()
        .map(|s| s.booking(event_id, inv.currency))
        .collect();
    rows::insert_bookings(conn, &bookings)?;
    let booking_ids = rows::booking_ids(conn, event_id)?;
    let booking_of = |sale: &Sale| booking_ids.get(&sale.reference).copied();

    // Inventory: seated counters start at zero and follow the seat rows (triggers); a standing
    // area's sold counter is what its live lines hold.
    let mut seats_per_section: HashMap<SectionId, i32> = HashMap::new();
    for (_, section) in inv.seats {
        *seats_per_section.entry(*section).or_default() += 1;
    }
    let mut seated: Vec<(SectionId, i32)> = seats_per_section.into_iter().collect();
    seated.sort();
    for (section, count) in seated {
        rows::insert_event_section(
            conn,
            &NewEventSection {
                event_id,
                section_id: section,
                tier_id: inv.tier_of[&section].0,
                capacity: count,
                sold: 0,
                updated_at: now,
            },
        )?;
    }
    let mut standing_ids = Vec::with_capacity(inv.standing.len());
    for (n, section, capacity) in inv.standing {
        let sold: i32 = sales
            .iter()
            .filter(|s| s.sells())
            .filter_map(|s| s.standing)
            .filter(|(index, ..)| index == n)
            .map(|(.., quantity)| quantity)
            .sum();
        standing_ids.push(rows::insert_event_section(
            conn,
            &NewEventSection {
                event_id,
                section_id: *section,
                tier_id: inv.tier_of[section].0,
                capacity: *capacity,
                sold,
                updated_at: now,
            },
        )?);
    }
    let owner: HashMap<SeatId, (BookingId, NaiveDateTime)> = sales
        .iter()
        .filter(|s| s.sells())
        .filter_map(|s| Some((booking_of(s)?, s.paid, &s.seats)))
        .flat_map(|(b, at, seats)| seats.iter().map(move |(seat, ..)| (*seat, (b, at))))
        .collect();
    let inventory: Vec<NewEventSeat> = inv
        .seats
        .iter()
        .map(|(seat, section)| {
            let sold = owner.get(seat);
            NewEventSeat {
                event_id,
                seat_id: *seat,
                section_id: *section,
                status: if sold.is_some() {
                    SeatStatus::Sold
                } else {
                    SeatStatus::Available
                },
                booking_id: sold.map(|(b, _)| *b),
                updated_at: sold.map_or(now, |(_, at)| *at),
            }
        })
        .collect();
    rows::insert_event_seats(conn, &inventory)?;

    // Items: live while the booking sells; a refund or an unpaid basket left them behind.
    let event_seat_ids = rows::event_seat_ids(conn, event_id)?;
    let mut items = Vec::new();
    for sale in sales.iter() {
        let Some(booking_id) = booking_of(sale) else {
            continue;
        };
        for (seat, tier, price) in &sale.seats {
            items.push(NewBookingItem {
                booking_id,
                event_id,
                event_seat_id: event_seat_ids.get(seat).copied(),
                event_section_id: None,
                tier_id: *tier,
                quantity: 1,
                unit_price_cents: *price,
                active: sale.sells(),
            });
        }
        if let Some((n, tier, price, quantity)) = sale.standing {
            items.push(NewBookingItem {
                booking_id,
                event_id,
                event_seat_id: None,
                event_section_id: Some(standing_ids[n]),
                tier_id: tier,
                quantity,
                unit_price_cents: price,
                active: sale.sells(),
            });
        }
    }
    rows::insert_booking_items(conn, &items)?;
    write_money(conn, inv, sales, &booking_ids)?;

    // Tickets: one per seat or place of a paid sale; void once refunded; used at the door.
    let paid: HashMap<BookingId, &Sale> = sales
        .iter()
        .filter(|s| s.was_paid())
        .filter_map(|s| Some((booking_of(s)?, s)))
        .collect();
    let mut tickets = Vec::new();
    for (item_id, booking_id, seat, _, quantity) in rows::booking_items_of(conn, event_id)? {
        let Some(sale) = paid.get(&booking_id) else {
            continue;
        };
        for _ in 0..quantity {
            let (status, checked_in_at) = match sale.outcome {
                Outcome::Refunded { .. } => ("void", None),
                Outcome::Paid {
                    arrival: Some(arrival),
                } if door.between(1, 100) <= 97 => (
                    "checked_in",
                    Some(arrival + TimeDelta::seconds(i64::from(door.between(0, 150)))),
                ),
                _ => ("valid", None),
            };
            tickets.push((
                booking_id,
                item_id,
                seat,
                codes.code(12),
                status,
                checked_in_at,
                sale.paid,
            ));
        }
    }
    let tickets: Vec<SeedTicket<'_>> = tickets
        .iter()
        .map(
            |(booking_id, item_id, seat, code, status, checked_in_at, paid)| SeedTicket {
                booking_id: *booking_id,
                booking_item_id: *item_id,
                event_id,
                event_seat_id: *seat,
                code,
                status,
                checked_in_at: *checked_in_at,
                created_at: *paid,
            },
        )
        .collect();
    rows::insert_tickets(conn, &tickets)?;
    Ok(())
}

/// Payments of the paid sales, the gateway's side of them, and the refunds of those refunded
/// (settled on both sides: the refund row, the payment `refunded`, the intent's money back).
fn write_money(
    conn: &mut DbConnection,
    inv: &Inventory<'_>,
    sales: &[Sale],
    booking_ids: &HashMap<String, BookingId>,
) -> Result<(), DbError> {
    let paid: Vec<(&Sale, BookingId, String)> = sales
        .iter()
        .filter(|s| s.was_paid())
        .filter_map(|s| {
            let id = booking_ids.get(&s.reference).copied()?;
            Some((s, id, format!("demo_pay_{}", s.reference)))
        })
        .collect();
    // Checkout: the payment opened a little before the gateway took it.
    let started = |s: &Sale| s.opened.max(s.paid - TimeDelta::seconds(40));
    let refunded_at = |s: &Sale| match s.outcome {
        Outcome::Refunded { at, .. } => Some(at + TimeDelta::seconds(3)),
        _ => None,
    };
    let payments: Vec<NewPayment<'_>> = paid
        .iter()
        .map(|(sale, booking_id, external_id)| NewPayment {
            booking_id: *booking_id,
            external_id,
            idempotency_key: external_id,
            method: "card",
            status: if sale.sells() {
                "succeeded"
            } else {
                "refunded"
            },
            amount_cents: sale.total(),
            currency: inv.currency,
            created_at: started(sale),
            updated_at: refunded_at(sale).unwrap_or(sale.paid),
            succeeded_at: Some(sale.paid),
        })
        .collect();
    rows::insert_payments(conn, &payments)?;
    let intents: Vec<SeedIntent<'_>> = paid
        .iter()
        .map(|(sale, _, external_id)| SeedIntent {
            external_id,
            idempotency_key: format!("demo:{external_id}"),
            merchant_reference: &sale.reference,
            description: format!("{} · booking {}", inv.title, sale.reference),
            amount_cents: sale.total(),
            currency: inv.currency,
            method: "card",
            status: "succeeded",
            card_last4: Some("4242"),
            refunded_cents: if sale.sells() { 0 } else { sale.total() },
            return_url: format!("/bookings/{}/payment", sale.reference),
            created_at: started(sale),
            updated_at: refunded_at(sale).unwrap_or(sale.paid),
            completed_at: Some(sale.paid),
        })
        .collect();
    rows::insert_gateway_intents(conn, &intents)?;

    let refunded: Vec<(&Sale, BookingId, &str, String)> = paid
        .iter()
        .filter(|(sale, ..)| !sale.sells())
        .map(|(sale, id, external_id)| {
            (
                *sale,
                *id,
                external_id.as_str(),
                format!("demo_re_{}", sale.reference),
            )
        })
        .collect();
    if refunded.is_empty() {
        return Ok(());
    }
    let payment_of = payment_ids(conn, inv.event_id)?;
    let externals: Vec<&str> = refunded.iter().map(|(_, _, e, _)| *e).collect();
    let intent_of = rows::intent_ids(conn, &externals)?;
    let mut refunds = Vec::with_capacity(refunded.len());
    let mut gateway = Vec::with_capacity(refunded.len());
    for (sale, booking_id, external_id, refund_id) in &refunded {
        let (Outcome::Refunded { at, reason }, Some(payment), Some(intent)) = (
            sale.outcome,
            payment_of.get(booking_id),
            intent_of.get(*external_id),
        ) else {
            continue;
        };
        let key = format!("refund:payment:{payment}");
        gateway.push(SeedGatewayRefund {
            external_id: refund_id,
            intent_id: *intent,
            idempotency_key: key.clone(),
            amount_cents: sale.total(),
            reason,
            created_at: at + TimeDelta::seconds(2),
        });
        refunds.push(SeedRefund {
            payment_id: *payment,
            booking_id: *booking_id,
            amount_cents: sale.total(),
            currency: inv.currency,
            status: "succeeded",
            idempotency_key: key,
            external_id: Some(refund_id),
            reason,
            created_at: at,
            updated_at: at + TimeDelta::seconds(3),
            succeeded_at: Some(at + TimeDelta::seconds(3)),
        });
    }
    rows::insert_refunds(conn, &refunds)?;
    rows::insert_gateway_refunds(conn, &gateway)?;
    Ok(())
}
