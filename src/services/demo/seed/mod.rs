//! Writes the demo catalogue, relative to a given day, inside one write transaction.

mod calendar;
mod event;
mod sales;
mod venue;

use chrono::{NaiveDate, NaiveDateTime};
use std::collections::HashMap;

use crate::db::models::*;
use crate::db::{DbConnection, DbError, seed as rows};
use crate::domain::ids::*;
use crate::domain::user::Role;
use crate::services::demo::content;
use crate::services::demo::plan::VenuePlan;
use crate::services::demo::rng::SplitMix64;
use event::insert_event;
use venue::insert_venue;

/// What the seeding wrote, for the start-up log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub venues: usize,
    pub events: usize,
    pub seats: usize,
    pub bookings: usize,
}

/// Demo buyers own the demo's past sales; their password hash is unusable, so nobody can log
/// in as them.
const DEMO_BUYERS: usize = 24;

const UNUSABLE_PASSWORD: &str = "!demo-account-no-login";

/// The demo's two organizers: a theatre trust whose events need a platform admin's approval
/// (the house organizer, renamed), and a promoter whose editors publish directly and whose
/// buyers may pay through SimPay or LotusPay.
pub const THEATRES: &str = "Northern Stages Trust";
pub const PROMOTER: &str = "Thamesgate Live";
const THEATRES_VENUES: &[&str] = &["alderman-theatre", "cowgate-studio"];

fn organizers(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<(OrganizerId, OrganizerId), DbError> {
    use crate::db::organizers::{self, HOUSE};
    organizers::update(conn, HOUSE, THEATRES, true, now)?;
    let promoter = organizers::insert(conn, PROMOTER, false, now)?
        .ok_or_else(|| DbError::Query(diesel::result::Error::NotFound))?;
    // The promoter takes payments through both providers (issue 23); the theatres through
    // SimPay alone, the default.
    use crate::providers::ProviderId;
    crate::db::providers::set_for_organizer(
        conn,
        promoter,
        &[ProviderId::SimPay, ProviderId::LotusPay],
    )?;
    Ok((HOUSE, promoter))
}

/// Seeds the demo into the current transaction. `today` anchors the dates (events are
/// `day_offset` days from it), `now` stamps the rows. Deterministic for a given `today`.
pub fn seed(
    conn: &mut DbConnection,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<SeedSummary, DbError> {
    let mut summary = SeedSummary::default();
    let mut rng = SplitMix64::new(0xB0C5_0FF1_CE00_2026);

    let buyers = (1..=DEMO_BUYERS)
        .map(|n| {
            let email = format!("buyer{n:02}@demo.boxoffice.test");
            let name = format!("Demo Buyer {n}");
            rows::insert_user(
                conn,
                &NewUser {
                    email: &email,
                    name: &name,
                    password_hash: UNUSABLE_PASSWORD,
                    role: Role::User,
                    created_at: now,
                    updated_at: now,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;

    let (theatres, promoter) = organizers(conn, now)?;
    let venue_plans = content::venues();
    let mut venues: HashMap<&str, (VenueId, &VenuePlan, HashMap<String, SectionId>)> =
        HashMap::new();
    for plan in &venue_plans {
        let organizer = if THEATRES_VENUES.contains(&plan.slug.as_str()) {
            theatres
        } else {
            promoter
        };
        let (id, sections, seats) = insert_venue(conn, plan, organizer, now)?;
        summary.venues += 1;
        summary.seats += seats;
        venues.insert(plan.slug.as_str(), (id, plan, sections));
    }

    for plan in content::events() {
        let Some((venue_id, venue, sections)) = venues.get(plan.venue_slug.as_str()) else {
            continue;
        };
        summary.bookings += insert_event(
            conn, &plan, *venue_id, venue, sections, &buyers, today, now, &mut rng,
        )?;
        summary.events += 1;
    }
    Ok(summary)
}
