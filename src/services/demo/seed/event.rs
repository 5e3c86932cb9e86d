//! A demo event written out: its tiers, its past sales (believable clusters of sold seats and
//! standing places, made over the weeks it has been on sale), a few unpaid baskets, and
//! (`sales.rs`) its inventory and the rows of those sales.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use std::collections::HashMap;

use super::calendar::Calendar;
use super::sales::{Inventory, Outcome, Sale, write_sales};
use crate::db::models::*;
use crate::db::{DbConnection, DbError, seed as rows};
use crate::domain::event::EventStatus;
use crate::domain::ids::*;
use crate::domain::local_time::{from_local, zone};
use crate::domain::venue::SectionKind;
use crate::services::demo::plan::{EventPlan, VenuePlan};
use crate::services::demo::rng::SplitMix64;

/// One sold group: a booking of these seats, or of `quantity` places in a standing area.
struct Pick {
    reference: String,
    buyer: UserId,
    seats: Vec<(SeatId, TierId, i64)>,
    standing: Option<(usize, TierId, i64, i32)>,
}

/// Why the demo's refunded buyers asked for their money back.
const REFUND_REASONS: [&str; 5] = [
    "The buyer can no longer attend.",
    "Booked for the wrong date; the buyer rebooked.",
    "Bought twice by mistake.",
    "The buyer is ill.",
    "A duplicate order from the same household.",
];

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
    // A cancelled event's buyers would have been refunded, and a draft never sold: neither
    // gets demo sales.
    let sold_per_mille = match plan.status {
        EventStatus::Cancelled | EventStatus::Draft => 0,
        _ => plan.sold_per_mille,
    };
    // The event's own stream for dates and fates, so the seats sold (drawn from `rng`) do not
    // depend on the day of seeding.
    let mut story = SplitMix64::new(stream_of(&plan.slug));
    let calendar = Calendar::new(starts_at, now, tz, &mut story);
    let sales_start_at = match sales_start_at {
        None if sold_per_mille > 0 => Some(calendar.on_sale),
        planned => planned,
    };
    // Seed rows are written as if created a while ago, so "published" precedes any sale.
    let created = (now - TimeDelta::days(60)).min(calendar.on_sale - TimeDelta::days(3));
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

    // Decide the past sales: groups of 1–6 neighbouring seats (or standing places), each sold
    // with the plan's probability, so the seat map shows believable clusters.
    let mut sales: Vec<Pick> = Vec::new();
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
            sales.push(Pick {
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
            sales.push(Pick {
                reference: rng.code(8),
                buyer: buyers[rng.between(0, (buyers.len() - 1) as u32) as usize],
                seats: Vec::new(),
                standing: Some((*n, tier, price, quantity)),
            });
        }
    }

    // When each sale was made and how it ended, then a few baskets nobody paid for.
    let mut sales: Vec<Sale> = sales
        .into_iter()
        // A sold-out event stays sold out: nobody gave theirs back.
        .map(|pick| story_of(pick, &calendar, sold_per_mille < 1000, &mut story))
        .collect();
    if sold_per_mille > 0 {
        let free: Vec<usize> = (0..seats.len())
            .filter(|i| !sold_seats.contains_key(&seats[*i].0))
            .collect();
        for _ in 0..story.between(2, 5) {
            let opened = calendar.unpaid_basket(&mut story);
            let outcome = if story.chance(700) {
                Outcome::Expired
            } else {
                let after = TimeDelta::seconds(i64::from(story.between(60, 600)));
                Outcome::Cancelled { at: opened + after }
            };
            let mut basket = Sale {
                reference: story.code(10),
                buyer: buyers[story.between(0, (buyers.len() - 1) as u32) as usize],
                seats: Vec::new(),
                standing: None,
                opened,
                paid: opened,
                outcome,
            };
            let quantity = story.between(1, 4) as usize;
            if !free.is_empty() && (standing_sections.is_empty() || story.chance(500)) {
                // Neighbouring free seats of one section.
                let first = free[story.between(0, (free.len() - 1) as u32) as usize];
                let section = seats[first].1;
                basket.seats = free
                    .iter()
                    .skip_while(|i| **i != first)
                    .take(quantity)
                    .take_while(|i| seats[**i].1 == section)
                    .map(|i| (seats[*i].0, tier_of[&section].0, tier_of[&section].1))
                    .collect();
            } else if let Some((n, section, _)) = standing_sections
                .get(story.between(0, standing_sections.len().max(1) as u32 - 1) as usize)
            {
                let (tier, price) = tier_of[section];
                basket.standing = Some((*n, tier, price, quantity as i32));
            } else {
                continue;
            }
            sales.push(basket);
        }
    }
    let written = sales.len();
    write_sales(
        conn,
        &Inventory {
            event_id,
            title: &plan.title,
            currency: &plan.currency,
            seats: &seats,
            tier_of: &tier_of,
            standing: &standing_sections,
        },
        &mut sales,
        now,
        rng,
        &mut story,
    )?;
    Ok(written)
}

/// A sold group's story: when it was bought, and whether it was refunded or used at the door.
fn story_of(pick: Pick, calendar: &Calendar, refunds: bool, story: &mut SplitMix64) -> Sale {
    let (opened, paid) = calendar.checkout(story);
    let refunded = calendar.refund_time(paid, story).filter(|_| refunds);
    let outcome = match refunded {
        Some(at) => Outcome::Refunded {
            at,
            reason: REFUND_REASONS[story.between(0, REFUND_REASONS.len() as u32 - 1) as usize],
        },
        None => Outcome::Paid {
            arrival: calendar.arrival(paid, story),
        },
    };
    Sale {
        reference: pick.reference,
        buyer: pick.buyer,
        seats: pick.seats,
        standing: pick.standing,
        opened,
        paid,
        outcome,
    }
}

/// The seed of an event's own stream: FNV-1a of its slug.
fn stream_of(slug: &str) -> u64 {
    slug.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}
