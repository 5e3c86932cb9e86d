//! The admin's events: one, the list, counts by status, and the venues to choose from.

use crate::domain::access::Scope;
use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::catalogue as catalogue_queries;
use crate::db::event_admin::VenueSection;
use crate::db::event_admin::{self as queries, AdminEventRow, VenueBrief};
use crate::domain::event::EventStatus;
use crate::domain::ids::{EventId, SectionId, TierId, VenueId};
use crate::domain::inventory::{Counts, SectionCounters};
use crate::domain::local_time::{to_local, zone};

use super::input::{Errors, EventAdminError, EventInput, LIST_LIMIT, TierInput, When};

/// An event as the admin sees it (the admin document of the API, and the form's values).
#[derive(Debug, Clone)]
pub struct AdminEvent {
    pub row: AdminEventRow,
    pub venue: VenueBrief,
    pub tiers: Vec<queries::TierLine>,
    /// Section → tier, for the sections on sale.
    pub section_tiers: Vec<(SectionId, TierId)>,
    pub min_price_cents: Option<i64>,
    pub capacity: i64,
    pub available: i64,
    pub sold: i64,
}

impl AdminEvent {
    /// The event as an edit starts from it (times in UTC, tiers with their ids).
    pub fn to_input(&self) -> EventInput {
        let index: HashMap<TierId, i64> = self
            .tiers
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i as i64))
            .collect();
        EventInput {
            organizer_id: Some(self.row.organizer_id),
            title: self.row.title.clone(),
            summary: self.row.summary.clone(),
            description: self.row.description.clone(),
            category: self.row.category.as_str().to_owned(),
            venue_id: Some(self.row.venue_id),
            starts_at: Some(When::Utc(self.row.starts_at)),
            ends_at: self.row.ends_at.map(When::Utc),
            currency: self.row.currency.to_string(),
            sales_start_at: self.row.sales_start_at.map(When::Utc),
            sales_end_at: self.row.sales_end_at.map(When::Utc),
            max_tickets_per_order: Some(i64::from(self.row.max_tickets_per_order)),
            max_tickets_per_account: self.row.max_tickets_per_account.map(i64::from),
            tiers: self
                .tiers
                .iter()
                .map(|t| TierInput {
                    id: Some(t.id),
                    name: t.name.clone(),
                    price_cents: t.price_cents,
                })
                .collect(),
            section_tiers: self
                .section_tiers
                .iter()
                .filter_map(|(s, t)| Some((s.0, *index.get(t)?)))
                .collect(),
            errors: Errors::new(),
        }
    }

    /// A UTC instant as the wall-clock time at the venue (the form's `datetime-local` value).
    pub fn local(&self, t: NaiveDateTime) -> NaiveDateTime {
        to_local(t, zone(&self.venue.timezone)).naive_local()
    }
}

/// One event with its venue, tiers, mapping and counts.
pub fn get(
    conn: &mut DbConnection,
    id: EventId,
    now: NaiveDateTime,
) -> Result<AdminEvent, EventAdminError> {
    let row = queries::event(conn, id)?.ok_or(EventAdminError::NotFound)?;
    let venue = queries::venue(conn, row.venue_id)?.ok_or(EventAdminError::NotFound)?;
    let mut all = documents(conn, vec![row], vec![venue], now)?;
    all.pop().ok_or(EventAdminError::NotFound)
}

/// Events of every status (drafts too) for the admin list.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    status: Option<EventStatus>,
    q: &str,
    now: NaiveDateTime,
) -> Result<Vec<AdminEvent>, EventAdminError> {
    let words: Vec<String> = q
        .split_whitespace()
        .take(8)
        .map(|w| w.chars().take(60).collect::<String>().to_lowercase())
        .collect();
    let rows = queries::list(conn, scope, status, &words, LIST_LIMIT)?;
    let mut venue_ids: Vec<VenueId> = rows.iter().map(|r| r.venue_id).collect();
    venue_ids.sort();
    venue_ids.dedup();
    let venues = queries::venues_of(conn, &venue_ids)?;
    documents(conn, rows, venues, now)
}

pub fn status_counts(
    conn: &mut DbConnection,
    scope: &Scope,
) -> Result<Vec<(EventStatus, i64)>, EventAdminError> {
    let counts = queries::status_counts(conn, scope)?;
    Ok(EventStatus::ALL
        .iter()
        .map(|s| {
            let n = counts.iter().find(|(c, _)| c == s).map_or(0, |(_, n)| *n);
            (*s, n)
        })
        .collect())
}

/// The venues an event may be put on by someone whose scope is `scope`.
pub fn venues(conn: &mut DbConnection, scope: &Scope) -> Result<Vec<VenueBrief>, EventAdminError> {
    Ok(queries::all_venues(conn, scope)?)
}

pub fn venue_sections(
    conn: &mut DbConnection,
    venue: VenueId,
) -> Result<Vec<VenueSection>, EventAdminError> {
    Ok(queries::venue_sections(conn, venue)?)
}

pub(super) fn documents(
    conn: &mut DbConnection,
    rows: Vec<AdminEventRow>,
    venues: Vec<VenueBrief>,
    now: NaiveDateTime,
) -> Result<Vec<AdminEvent>, EventAdminError> {
    let ids: Vec<EventId> = rows.iter().map(|r| r.id).collect();
    let sections = catalogue_queries::sections(conn, &ids)?;
    let expired = catalogue_queries::expired_holds(conn, &sections, now)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(venue) = venues.iter().find(|v| v.id == row.venue_id).cloned() else {
            continue;
        };
        let tiers = queries::tiers(conn, row.id)?;
        let mine: Vec<_> = sections.iter().filter(|s| s.event_id == row.id).collect();
        let mut totals = Counts::default();
        let mut sold = 0;
        for s in &mine {
            totals += SectionCounters {
                capacity: i64::from(s.capacity),
                held: i64::from(s.held),
                sold: i64::from(s.sold),
                blocked: i64::from(s.blocked),
                expired: expired.get(&s.id).copied().unwrap_or(0),
            }
            .counts();
            sold += i64::from(s.sold);
        }
        let min_price_cents = mine.iter().map(|s| s.price_cents).min();
        out.push(AdminEvent {
            section_tiers: mine.iter().map(|s| (s.section_id, s.tier_id)).collect(),
            row,
            venue,
            tiers,
            min_price_cents,
            capacity: totals.capacity,
            available: totals.available,
            sold,
        });
    }
    Ok(out)
}
