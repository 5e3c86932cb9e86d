//! A demo event written out: its tiers, its past sales (believable clusters of sold seats and
//! standing places), its inventory, and the bookings, payments and tickets of those sales.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use std::collections::HashMap;

use crate::db::models::*;
use crate::db::{DbConnection, DbError, seed as rows};
use crate::domain::event::EventStatus;
use crate::domain::ids::*;
use crate::domain::local_time::{from_local, zone};
use crate::domain::venue::{SeatStatus, SectionKind};
use crate::services::demo::plan::{EventPlan, VenuePlan};
use crate::services::demo::rng::SplitMix64;

/// One sold group: a booking of these seats, or of `quantity` places in a standing area.
struct Sale {
    reference: String,
    buyer: UserId,
    seats: Vec<(SeatId, TierId, i64)>,
    standing: Option<(usize, TierId, i64, i32)>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site, all of it context"
)]
pub(super) fn insert_event(
    conn: &mut DbConnection,
    plan: &EventPlan,
    venue_id: VenueId,
    venue: &VenuePlan,
    sections: &HashMap<String, SectionId>,
    buyers: &[UserId],
    today: NaiveDate,
    now: NaiveDateTime,
    rng: &mut SplitMix64,
) -> Result<usize, DbError> {
    let tz = zone(&venue.timezone);
    let day = today + TimeDelta::days(i64::from(plan.day_offset));
    let starts_local = day.and_time(plan.local_start);
    let starts_at = from_local(starts_local, tz);
    let ends_at = starts_at + TimeDelta::minutes(i64::from(plan.duration_minutes));
    let sales_start_at = plan.sales_open_days_before.map(|d| {
        from_local(
            (day - TimeDelta::days(i64::from(d)))
                .and_hms_opt(10, 0, 0)
                .unwrap_or(starts_local),
            tz,
        )
    });
    let cancelled = plan.status == EventStatus::Cancelled;
    let published = plan.status != EventStatus::Draft;
    // Seed rows are written as if created a while ago, so "published" precedes any sale.
    let created = now - TimeDelta::days(60);
    let organizer_id = crate::db::organizers::organizer_of_venue(conn, venue_id)?;
    let event_id = rows::insert_event(
        conn,
        &NewEvent {
            venue_id,
            organizer_id,
            title: &plan.title,
            slug: &plan.slug,
            summary: &plan.summary,
            description: &plan.description,
            category: plan.category,
            status: plan.status,
            featured: plan.featured,
            starts_at,
            starts_local,
            ends_at: Some(ends_at),
            currency: &plan.currency,
            sales_start_at,
            sales_end_at: None,
            max_tickets_per_order: plan.max_tickets_per_order,
            max_tickets_per_account: None,
            published_at: published.then_some(created),
            cancelled_at: cancelled.then_some(now),
            cancellation_reason: plan.cancellation_reason.as_deref(),
            created_at: created,
            updated_at: now,
        },
    )?;

    let mut tier_ids = Vec::with_capacity(plan.tiers.len());
    for (position, tier) in plan.tiers.iter().enumerate() {
        tier_ids.push(rows::insert_tier(
            conn,
            &NewTier {
                event_id,
                name: &tier.name,
                price_cents: tier.price_cents,
                position: i32::try_from(position).unwrap_or(i32::MAX),
            },
        )?);
    }
    let tier_of: HashMap<SectionId, (TierId, i64)> = plan
        .section_tiers
        .iter()
        .filter_map(|(name, index)| {
            let section = *sections.get(name)?;
            let tier = *tier_ids.get(*index)?;
            Some((section, (tier, plan.tiers.get(*index)?.price_cents)))
        })
        .collect();

    // A cancelled event's buyers would have been refunded, and a draft never sold: neither
    // gets demo sales.
    let sold_per_mille = match plan.status {
        EventStatus::Cancelled | EventStatus::Draft => 0,
        _ => plan.sold_per_mille,
    };
    // Decide the past sales: groups of 1–6 neighbouring seats (or standing places), each sold
    // with the plan's probability, so the seat map shows believable clusters.
    let mut sales: Vec<Sale> = Vec::new();
    let mut sold_seats: HashMap<SeatId, usize> = HashMap::new();
    let seats: Vec<(SeatId, SectionId)> = rows::venue_seats(conn, venue_id)?
        .into_iter()
        .filter(|(_, section)| tier_of.contains_key(section))
        .collect();
    let mut i = 0;
    while i < seats.len() {
        let group = rng.between(1, 6) as usize;
        let end = (i + group).min(seats.len());
        let section = seats[i].1;
        let end = seats[i..end]
            .iter()
            .position(|s| s.1 != section)
            .map_or(end, |p| i + p);
        if rng.between(1, 1000) <= sold_per_mille {
            let (tier, price) = tier_of[&section];
            for (seat, _) in &seats[i..end] {
                sold_seats.insert(*seat, sales.len());
            }
            sales.push(Sale {
                reference: rng.code(8),
                buyer: buyers[rng.between(0, (buyers.len() - 1) as u32) as usize],
                seats: seats[i..end]
                    .iter()
                    .map(|(s, _)| (*s, tier, price))
                    .collect(),
                standing: None,
            });
        }
        i = end;
    }
    let standing_sections: Vec<(usize, SectionId, i32)> = venue
        .sections
        .iter()
        .filter(|s| s.kind == SectionKind::Standing)
        .filter_map(|s| Some((sections[&s.name], s.capacity?)))
        .filter(|(id, _)| tier_of.contains_key(id))
        .enumerate()
        .map(|(n, (id, cap))| (n, id, cap))
        .collect();
    let mut standing_sold = vec![0i32; standing_sections.len()];
    for (n, section, capacity) in &standing_sections {
        let target = i64::from(*capacity) * i64::from(sold_per_mille) / 1000;
        let (tier, price) = tier_of[section];
        while i64::from(standing_sold[*n]) < target {
            let left = target - i64::from(standing_sold[*n]);
            let quantity = i64::from(rng.between(1, 6)).min(left) as i32;
            standing_sold[*n] += quantity;
            sales.push(Sale {
                reference: rng.code(8),
                buyer: buyers[rng.between(0, (buyers.len() - 1) as u32) as usize],
                seats: Vec::new(),
                standing: Some((*n, tier, price, quantity)),
            });
        }
    }

    // Bookings, paid a day or more before now.
    let paid_at = (now - TimeDelta::days(1)).min(starts_at - TimeDelta::days(1));
    let booking_rows: Vec<NewBooking<'_>> = sales
        .iter()
        .map(|sale| NewBooking {
            reference: &sale.reference,
            user_id: sale.buyer,
            event_id,
            status: "paid",
            total_cents: sale.seats.iter().map(|(_, _, p)| p).sum::<i64>()
                + sale.standing.map_or(0, |(_, _, p, q)| p * i64::from(q)),
            currency: &plan.currency,
            expires_at: paid_at,
            paid_at: Some(paid_at),
            created_at: paid_at,
            updated_at: paid_at,
        })
        .collect();
    rows::insert_bookings(conn, &booking_rows)?;
    let booking_ids = rows::booking_ids(conn, event_id)?;
    let booking_of = |sale: usize| booking_ids.get(&sales[sale].reference).copied();

    // Inventory: the sections on sale (seated counters start at zero and follow the seat rows),
    // then every seat of them, sold ones already with their booking.
    let mut seats_per_section: HashMap<SectionId, i32> = HashMap::new();
    for (_, section) in &seats {
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
                tier_id: tier_of[&section].0,
                capacity: count,
                sold: 0,
                updated_at: now,
            },
        )?;
    }
    let mut standing_ids = Vec::with_capacity(standing_sections.len());
    for (n, section, capacity) in &standing_sections {
        standing_ids.push(rows::insert_event_section(
            conn,
            &NewEventSection {
                event_id,
                section_id: *section,
                tier_id: tier_of[section].0,
                capacity: *capacity,
                sold: standing_sold[*n],
                updated_at: now,
            },
        )?);
    }
    let inventory: Vec<NewEventSeat> = seats
        .iter()
        .map(|(seat, section)| {
            let booking = sold_seats.get(seat).and_then(|s| booking_of(*s));
            NewEventSeat {
                event_id,
                seat_id: *seat,
                section_id: *section,
                status: if booking.is_some() {
                    SeatStatus::Sold
                } else {
                    SeatStatus::Available
                },
                booking_id: booking,
                updated_at: now,
            }
        })
        .collect();
    rows::insert_event_seats(conn, &inventory)?;

    // Items, payments and tickets of the sales.
    let event_seat_ids = rows::event_seat_ids(conn, event_id)?;
    let mut items = Vec::new();
    let mut payments_refs = Vec::new();
    for (index, sale) in sales.iter().enumerate() {
        let Some(booking_id) = booking_of(index) else {
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
                active: true,
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
                active: true,
            });
        }
        payments_refs.push((
            booking_id,
            format!("demo_pay_{}", sale.reference),
            booking_rows[index].total_cents,
        ));
    }
    rows::insert_booking_items(conn, &items)?;
    let payment_rows: Vec<NewPayment<'_>> = payments_refs
        .iter()
        .map(|(booking_id, external_id, amount)| NewPayment {
            booking_id: *booking_id,
            external_id,
            idempotency_key: external_id,
            method: "card",
            status: "succeeded",
            amount_cents: *amount,
            currency: &plan.currency,
            created_at: paid_at,
            updated_at: paid_at,
            succeeded_at: Some(paid_at),
        })
        .collect();
    rows::insert_payments(conn, &payment_rows)?;
    let intents: Vec<NewGatewayIntent<'_>> = payments_refs
        .iter()
        .zip(
            sales
                .iter()
                .enumerate()
                .filter(|(i, _)| booking_of(*i).is_some()),
        )
        .map(|((_, external_id, amount), (_, sale))| NewGatewayIntent {
            external_id,
            idempotency_key: format!("demo:{external_id}"),
            merchant_reference: &sale.reference,
            description: format!("{} · booking {}", plan.title, sale.reference),
            amount_cents: *amount,
            currency: &plan.currency,
            method: "card",
            status: "succeeded",
            card_last4: Some("4242"),
            return_url: format!("/bookings/{}/payment", sale.reference),
            created_at: paid_at,
            updated_at: paid_at,
            completed_at: Some(paid_at),
        })
        .collect();
    rows::insert_gateway_intents(conn, &intents)?;

    let mut codes = Vec::new();
    for (item_id, booking_id, seat, _, quantity) in rows::booking_items_of(conn, event_id)? {
        for _ in 0..quantity {
            codes.push((booking_id, item_id, seat, rng.code(12)));
        }
    }
    let tickets: Vec<NewTicket<'_>> = codes
        .iter()
        .map(|(booking_id, item_id, seat, code)| NewTicket {
            booking_id: *booking_id,
            booking_item_id: *item_id,
            event_id,
            event_seat_id: *seat,
            code,
            status: "valid",
            created_at: paid_at,
        })
        .collect();
    rows::insert_tickets(conn, &tickets)?;
    Ok(sales.len())
}
