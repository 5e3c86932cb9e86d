//! The event editor (issue 7): create, edit, publish, close and duplicate events.
//!
//! Every write runs inside the caller's write transaction (`Db::write`). Edits name the version
//! they started from; the one `UPDATE events … WHERE id = ? AND version = ?` that bumps it decides
//! whether they land ([`EventAdminError::Conflict`] otherwise). Inventory changes are guarded in
//! SQL too: a section changes tier or leaves sale only while nothing in it is held or sold.
//! Cancelling is not here: see `services::cancellation`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;

use crate::db::audit::{self, NewAuditEntry};
use crate::db::catalogue as catalogue_queries;
use crate::db::event_admin::{self as queries, AdminEventRow, EventChanges, VenueBrief};
use crate::db::models::{NewEvent, NewEventSection, NewTier};
use crate::db::seed as rows;
use crate::db::{DbConnection, DbError};
use crate::domain::event::{Category, EventStatus};
use crate::domain::ids::{EventId, SectionId, TierId, UserId, VenueId};
use crate::domain::inventory::{Counts, SectionCounters};
use crate::domain::local_time::{from_local, to_local, zone};
use crate::domain::venue::SectionKind;

pub use crate::db::event_admin::VenueSection;

/// Field → message, as the forms and the API's 422 show them.
pub type Errors = BTreeMap<&'static str, String>;

pub const TITLE_MAX: usize = 200;
pub const MAX_TICKETS: i64 = 50;
/// The highest per-account cap a box office may set on an event.
pub const MAX_TICKETS_PER_ACCOUNT: i64 = 1_000;
pub const LIST_LIMIT: i64 = 500;

#[derive(Debug, thiserror::Error)]
pub enum EventAdminError {
    #[error("invalid event")]
    Invalid(Errors),
    #[error("no such event")]
    NotFound,
    /// Someone else changed the event since `version`; the current event is carried along.
    #[error("the event was changed by someone else")]
    Conflict(Box<AdminEvent>),
    #[error("a {0} event can't be edited")]
    NotEditable(EventStatus),
    #[error("a {from} event can't become {to}")]
    Transition { from: EventStatus, to: EventStatus },
    #[error("the event can't be published: {0}")]
    CannotPublish(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for EventAdminError {
    fn from(e: diesel::result::Error) -> Self {
        EventAdminError::Db(DbError::Query(e))
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> EventAdminError {
    EventAdminError::Invalid([(field, message.into())].into_iter().collect())
}

/// A time as the caller gave it: an instant (the API, RFC 3339) or the wall-clock time at the
/// venue (the form's `datetime-local` fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Utc(NaiveDateTime),
    Local(NaiveDateTime),
}

impl When {
    fn resolve(self, tz: chrono_tz::Tz) -> NaiveDateTime {
        match self {
            When::Utc(t) => t,
            When::Local(t) => from_local(t, tz),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierInput {
    /// An existing tier of the event (edits); `None` adds a tier.
    pub id: Option<TierId>,
    pub name: String,
    pub price_cents: i64,
}

/// An event as the form or the API describes it, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub category: String,
    pub venue_id: Option<VenueId>,
    pub starts_at: Option<When>,
    pub ends_at: Option<When>,
    pub currency: String,
    pub sales_start_at: Option<When>,
    pub sales_end_at: Option<When>,
    pub max_tickets_per_order: Option<i64>,
    /// The most tickets one account may have for the event (held and bought); `None`: no cap.
    pub max_tickets_per_account: Option<i64>,
    pub tiers: Vec<TierInput>,
    /// Section id → index into `tiers`. Sections not named are not on sale.
    pub section_tiers: BTreeMap<i64, i64>,
    /// What the edge could not even read (a malformed time or number), by field.
    pub errors: Errors,
}

/// The checked event, times in UTC.
struct Valid {
    title: String,
    summary: String,
    description: String,
    category: Category,
    venue: VenueBrief,
    starts_at: NaiveDateTime,
    starts_local: NaiveDateTime,
    ends_at: Option<NaiveDateTime>,
    currency: String,
    sales_start_at: Option<NaiveDateTime>,
    sales_end_at: Option<NaiveDateTime>,
    max_tickets_per_order: i32,
    max_tickets_per_account: Option<i32>,
    tiers: Vec<TierInput>,
    /// Section → tier index.
    sections: Vec<(SectionId, usize)>,
}

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
            title: self.row.title.clone(),
            summary: self.row.summary.clone(),
            description: self.row.description.clone(),
            category: self.row.category.as_str().to_owned(),
            venue_id: Some(self.row.venue_id),
            starts_at: Some(When::Utc(self.row.starts_at)),
            ends_at: self.row.ends_at.map(When::Utc),
            currency: self.row.currency.clone(),
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
    status: Option<EventStatus>,
    q: &str,
    now: NaiveDateTime,
) -> Result<Vec<AdminEvent>, EventAdminError> {
    let words: Vec<String> = q
        .split_whitespace()
        .take(8)
        .map(|w| w.chars().take(60).collect::<String>().to_lowercase())
        .collect();
    let rows = queries::list(conn, status, &words, LIST_LIMIT)?;
    let mut venue_ids: Vec<VenueId> = rows.iter().map(|r| r.venue_id).collect();
    venue_ids.sort();
    venue_ids.dedup();
    let venues = queries::venues_of(conn, &venue_ids)?;
    documents(conn, rows, venues, now)
}

pub fn status_counts(conn: &mut DbConnection) -> Result<Vec<(EventStatus, i64)>, EventAdminError> {
    let counts = queries::status_counts(conn)?;
    Ok(EventStatus::ALL
        .iter()
        .map(|s| {
            let n = counts.iter().find(|(c, _)| c == s).map_or(0, |(_, n)| *n);
            (*s, n)
        })
        .collect())
}

pub fn venues(conn: &mut DbConnection) -> Result<Vec<VenueBrief>, EventAdminError> {
    Ok(queries::all_venues(conn)?)
}

pub fn venue_sections(
    conn: &mut DbConnection,
    venue: VenueId,
) -> Result<Vec<VenueSection>, EventAdminError> {
    Ok(queries::venue_sections(conn, venue)?)
}

fn documents(
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

fn validate(
    conn: &mut DbConnection,
    input: &EventInput,
    now: NaiveDateTime,
    start_unchanged: Option<NaiveDateTime>,
) -> Result<Valid, EventAdminError> {
    let mut errors = input.errors.clone();
    let title = input.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        errors.insert(
            "title",
            format!("Give a title of 1 to {TITLE_MAX} characters."),
        );
    }
    if input.summary.chars().count() > 500 {
        errors.insert(
            "summary",
            "Keep the summary under 500 characters.".to_owned(),
        );
    }
    if input.description.chars().count() > 20_000 {
        errors.insert(
            "description",
            "Keep the description under 20,000 characters.".to_owned(),
        );
    }
    let category = input.category.trim().parse::<Category>().ok();
    if category.is_none() {
        errors.insert(
            "category",
            format!(
                "Choose one of: {}.",
                Category::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let venue = match input.venue_id {
        Some(id) => queries::venue(conn, id)?,
        None => None,
    };
    if venue.is_none() {
        errors.insert("venue_id", "Choose a venue.".to_owned());
    }
    let tz = zone(venue.as_ref().map_or("UTC", |v| v.timezone.as_str()));
    let starts_at = input.starts_at.map(|w| w.resolve(tz));
    match starts_at {
        None => {
            errors
                .entry("starts_at")
                .or_insert_with(|| "Give the start date and time.".to_owned());
        }
        Some(t) if t <= now && start_unchanged != Some(t) => {
            errors.insert("starts_at", "The start must be in the future.".to_owned());
        }
        Some(_) => {}
    }
    let ends_at = input.ends_at.map(|w| w.resolve(tz));
    if let (Some(s), Some(e)) = (starts_at, ends_at)
        && e <= s
    {
        errors.insert("ends_at", "The end must be after the start.".to_owned());
    }
    let currency = input.currency.trim().to_owned();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.insert(
            "currency",
            "Give a currency code of three capital letters, like EUR.".to_owned(),
        );
    }
    let sales_start_at = input.sales_start_at.map(|w| w.resolve(tz));
    let sales_end_at = input.sales_end_at.map(|w| w.resolve(tz));
    if let (Some(a), Some(b)) = (sales_start_at, sales_end_at)
        && b <= a
    {
        errors.insert(
            "sales_end_at",
            "Sales must end after they start.".to_owned(),
        );
    }
    if let Some(s) = starts_at {
        if sales_start_at.is_some_and(|a| a >= s) {
            errors.insert(
                "sales_start_at",
                "Sales must open before the event starts.".to_owned(),
            );
        }
        if sales_end_at.is_some_and(|b| b > s) {
            errors
                .entry("sales_end_at")
                .or_insert_with(|| "Sales must end by the time the event starts.".to_owned());
        }
    }
    let max = input.max_tickets_per_order.unwrap_or(10);
    if !(1..=MAX_TICKETS).contains(&max) {
        errors.insert(
            "max_tickets_per_order",
            format!("Allow 1 to {MAX_TICKETS} tickets per order."),
        );
    }
    let per_account = input.max_tickets_per_account;
    if per_account.is_some_and(|n| !(1..=MAX_TICKETS_PER_ACCOUNT).contains(&n)) {
        errors.insert(
            "max_tickets_per_account",
            format!(
                "Allow 1 to {MAX_TICKETS_PER_ACCOUNT} tickets per account, or leave it empty for no limit."
            ),
        );
    }
    check_tiers(&input.tiers, &mut errors);
    let mut sections = Vec::new();
    if let Some(venue) = &venue {
        let of_venue = queries::venue_sections(conn, venue.id)?;
        let mut bad = Vec::new();
        for (section, tier) in &input.section_tiers {
            let known = of_venue.iter().find(|s| s.id.0 == *section);
            match (known, usize::try_from(*tier).ok()) {
                (Some(s), Some(i)) if i < input.tiers.len() && s.capacity > 0 => {
                    sections.push((s.id, i));
                }
                (Some(s), _) if s.capacity == 0 => {
                    bad.push(format!("section {} has no seats to sell", s.name))
                }
                (Some(s), _) => bad.push(format!("section {} names no tier of this event", s.name)),
                (None, _) => bad.push(format!("{section} is not a section of this venue")),
            }
        }
        if !bad.is_empty() {
            errors.insert(
                "section_tiers",
                format!("Check the sections: {}.", bad.join("; ")),
            );
        } else if sections.is_empty() {
            errors.insert(
                "section_tiers",
                "Put at least one section on sale.".to_owned(),
            );
        }
    }
    match (errors.is_empty(), category, venue, starts_at) {
        (true, Some(category), Some(venue), Some(starts_at)) => Ok(Valid {
            title,
            summary: input.summary.trim().to_owned(),
            description: input.description.trim().to_owned(),
            category,
            starts_local: to_local(starts_at, tz).naive_local(),
            venue,
            starts_at,
            ends_at,
            currency,
            sales_start_at,
            sales_end_at,
            max_tickets_per_order: i32::try_from(max).unwrap_or(10),
            max_tickets_per_account: per_account.and_then(|n| i32::try_from(n).ok()),
            tiers: input
                .tiers
                .iter()
                .map(|t| TierInput {
                    name: t.name.trim().to_owned(),
                    ..t.clone()
                })
                .collect(),
            sections,
        }),
        _ => Err(EventAdminError::Invalid(errors)),
    }
}

fn check_tiers(tiers: &[TierInput], errors: &mut Errors) {
    if tiers.is_empty() {
        errors.insert("tiers", "Add at least one price tier.".to_owned());
        return;
    }
    let mut problems = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (i, t) in tiers.iter().enumerate() {
        let name = t.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            problems.push(format!(
                "tier {} needs a name of 1 to 100 characters",
                i + 1
            ));
        } else if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            problems.push(format!("two tiers are called {name}"));
        }
        names.push(name.to_owned());
        if !(0..=100_000_000).contains(&t.price_cents) {
            problems.push(format!("tier {} needs a price of 0 or more", i + 1));
        }
    }
    if !problems.is_empty() {
        errors.insert(
            "tiers",
            format!("Check the tiers: {}.", problems.join("; ")),
        );
    }
}

/// A URL slug from the title, made unique among events.
fn unique_slug(conn: &mut DbConnection, title: &str) -> Result<String, EventAdminError> {
    let mut base = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            base.push(c);
        } else if !base.ends_with('-') && !base.is_empty() {
            base.push('-');
        }
    }
    let mut base: String = base.trim_end_matches('-').chars().take(180).collect();
    if base.is_empty() {
        base = "event".to_owned();
    }
    for n in 1..=10_000u32 {
        let slug = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if !queries::slug_taken(conn, &slug)? {
            return Ok(slug);
        }
    }
    Err(invalid("title", "Too many events share this title."))
}

/// Puts these sections on sale with these tiers: one inventory row per section, one seat row
/// per seat of a seated one (`blocked` where the venue never sells the seat; the triggers count
/// it in the section's `blocked` counter).
fn add_inventory(
    conn: &mut DbConnection,
    event: EventId,
    venue: VenueId,
    mapping: &[(SectionId, TierId)],
    now: NaiveDateTime,
) -> Result<(), EventAdminError> {
    let sections = queries::venue_sections(conn, venue)?;
    for (section, tier) in mapping {
        let Some(s) = sections.iter().find(|s| s.id == *section) else {
            return Err(invalid(
                "section_tiers",
                "A section is not part of this venue.",
            ));
        };
        rows::insert_event_section(
            conn,
            &NewEventSection {
                event_id: event,
                section_id: s.id,
                tier_id: *tier,
                capacity: s.capacity,
                sold: 0,
                updated_at: now,
            },
        )?;
        if s.kind == SectionKind::Seated {
            let seats = queries::section_seats(conn, s.id)?;
            rows::insert_event_seats(conn, &queries::seat_rows(event, s.id, &seats, now))?;
        }
    }
    Ok(())
}

fn record(
    conn: &mut DbConnection,
    actor: UserId,
    action: &str,
    event: EventId,
    detail: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), EventAdminError> {
    audit::record(
        conn,
        &NewAuditEntry {
            actor_user_id: Some(actor),
            action,
            subject_type: "event",
            subject_id: Some(event.0),
            detail: &detail.to_string(),
            created_at: now,
        },
    )?;
    Ok(())
}

fn insert(
    conn: &mut DbConnection,
    v: &Valid,
    now: NaiveDateTime,
) -> Result<EventId, EventAdminError> {
    let slug = unique_slug(conn, &v.title)?;
    let id = rows::insert_event(
        conn,
        &NewEvent {
            venue_id: v.venue.id,
            title: &v.title,
            slug: &slug,
            summary: &v.summary,
            description: &v.description,
            category: v.category,
            status: EventStatus::Draft,
            featured: false,
            starts_at: v.starts_at,
            starts_local: v.starts_local,
            ends_at: v.ends_at,
            currency: &v.currency,
            sales_start_at: v.sales_start_at,
            sales_end_at: v.sales_end_at,
            max_tickets_per_order: v.max_tickets_per_order,
            max_tickets_per_account: v.max_tickets_per_account,
            published_at: None,
            cancelled_at: None,
            cancellation_reason: None,
            created_at: now,
            updated_at: now,
        },
    )?;
    let mut tier_ids = Vec::with_capacity(v.tiers.len());
    for (position, tier) in v.tiers.iter().enumerate() {
        tier_ids.push(rows::insert_tier(
            conn,
            &NewTier {
                event_id: id,
                name: &tier.name,
                price_cents: tier.price_cents,
                position: i32::try_from(position).unwrap_or(i32::MAX),
            },
        )?);
    }
    let mapping: Vec<(SectionId, TierId)> =
        v.sections.iter().map(|(s, i)| (*s, tier_ids[*i])).collect();
    add_inventory(conn, id, v.venue.id, &mapping, now)?;
    Ok(id)
}

/// Creates a draft event with its tiers and inventory; `publish` publishes it at once.
pub fn create(
    conn: &mut DbConnection,
    actor: UserId,
    input: &EventInput,
    publish: bool,
    now: NaiveDateTime,
) -> Result<EventId, EventAdminError> {
    let valid = validate(conn, input, now, None)?;
    let id = insert(conn, &valid, now)?;
    record(
        conn,
        actor,
        "event.created",
        id,
        serde_json::json!({ "title": valid.title, "venue_id": valid.venue.id }),
        now,
    )?;
    if publish {
        transition(conn, actor, id, 1, EventStatus::Published, now)?;
    }
    Ok(id)
}

/// Applies an edit made from `version`. See the module doc for what may change when.
pub fn update(
    conn: &mut DbConnection,
    actor: UserId,
    id: EventId,
    version: i32,
    input: &EventInput,
    now: NaiveDateTime,
) -> Result<i32, EventAdminError> {
    let current = get(conn, id, now)?;
    if current.row.version != version {
        return Err(EventAdminError::Conflict(Box::new(current)));
    }
    if !matches!(
        current.row.status,
        EventStatus::Draft | EventStatus::Published
    ) {
        return Err(EventAdminError::NotEditable(current.row.status));
    }
    let v = validate(conn, input, now, Some(current.row.starts_at))?;
    let venue_changes = v.venue.id != current.row.venue_id;
    let booked = queries::has_bookings(conn, id)?;
    if venue_changes && (current.row.status != EventStatus::Draft || booked) {
        return Err(invalid(
            "venue_id",
            "The venue can only change while the event is a draft without bookings.",
        ));
    }
    if v.currency != current.row.currency && booked {
        return Err(invalid(
            "currency",
            "The currency can't change once the event has bookings.",
        ));
    }
    // Tiers: every existing tier stays (renamed or repriced); new ones are added.
    let existing: Vec<TierId> = current.tiers.iter().map(|t| t.id).collect();
    for t in &v.tiers {
        if t.id.is_some_and(|id| !existing.contains(&id)) {
            return Err(invalid("tiers", "A tier belongs to another event."));
        }
    }
    if existing
        .iter()
        .any(|id| !v.tiers.iter().any(|t| t.id == Some(*id)))
    {
        return Err(invalid(
            "tiers",
            "Tiers can be renamed, repriced or added, not removed.",
        ));
    }

    let statuses: &[EventStatus] = if venue_changes {
        &[EventStatus::Draft]
    } else {
        &[EventStatus::Draft, EventStatus::Published]
    };
    let changed = queries::update_guarded(
        conn,
        id,
        version,
        statuses,
        &EventChanges {
            venue_id: v.venue.id,
            title: &v.title,
            summary: &v.summary,
            description: &v.description,
            category: v.category,
            starts_at: v.starts_at,
            starts_local: v.starts_local,
            ends_at: v.ends_at,
            currency: &v.currency,
            sales_start_at: v.sales_start_at,
            sales_end_at: v.sales_end_at,
            max_tickets_per_order: v.max_tickets_per_order,
            max_tickets_per_account: v.max_tickets_per_account,
            updated_at: now,
        },
    )?;
    if changed == 0 {
        // Changed (or cancelled) between our read and the write.
        let now_current = get(conn, id, now)?;
        return Err(if now_current.row.version != version {
            EventAdminError::Conflict(Box::new(now_current))
        } else {
            EventAdminError::NotEditable(now_current.row.status)
        });
    }

    let mut tier_ids = Vec::with_capacity(v.tiers.len());
    for (position, t) in v.tiers.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        let tier_id = match t.id {
            Some(tier) => {
                queries::update_tier(conn, id, tier, &t.name, t.price_cents, position)
                    .map_err(tier_name_taken)?;
                tier
            }
            None => rows::insert_tier(
                conn,
                &NewTier {
                    event_id: id,
                    name: &t.name,
                    price_cents: t.price_cents,
                    position,
                },
            )
            .map_err(tier_name_taken)?,
        };
        tier_ids.push(tier_id);
    }
    let wanted: Vec<(SectionId, TierId)> =
        v.sections.iter().map(|(s, i)| (*s, tier_ids[*i])).collect();

    // Inventory changes take the event's section rows first (db::lock_order).
    crate::db::lock_order::lock_event_sections(conn, id)?;
    if venue_changes {
        if !queries::clear_inventory(conn, id)? {
            return Err(invalid(
                "venue_id",
                "The venue can only change while the event has no bookings.",
            ));
        }
        add_inventory(conn, id, v.venue.id, &wanted, now)?;
    } else {
        let names: HashMap<SectionId, String> = queries::venue_sections(conn, v.venue.id)?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let name = |s: &SectionId| names.get(s).cloned().unwrap_or_else(|| s.to_string());
        let on_sale = queries::on_sale(conn, id)?;
        for row in &on_sale {
            match wanted.iter().find(|(s, _)| *s == row.section_id) {
                None => {
                    if queries::remove_section(conn, id, row.section_id)? == 0 {
                        return Err(invalid(
                            "section_tiers",
                            format!(
                                "{} has had bookings, so it can't be taken off sale.",
                                name(&row.section_id)
                            ),
                        ));
                    }
                }
                Some((_, tier)) if *tier != row.tier_id => {
                    if queries::retier_section(conn, row.id, *tier, now)? == 0 {
                        return Err(invalid(
                            "section_tiers",
                            format!(
                                "{} has seats held or sold, so its tier can't change.",
                                name(&row.section_id)
                            ),
                        ));
                    }
                }
                Some(_) => {}
            }
        }
        let added: Vec<(SectionId, TierId)> = wanted
            .iter()
            .filter(|(s, _)| !on_sale.iter().any(|r| r.section_id == *s))
            .copied()
            .collect();
        add_inventory(conn, id, v.venue.id, &added, now)?;
    }
    record(
        conn,
        actor,
        "event.updated",
        id,
        serde_json::json!({ "from_version": version, "to_version": version + 1 }),
        now,
    )?;
    Ok(version + 1)
}

fn tier_name_taken(e: diesel::result::Error) -> EventAdminError {
    if crate::db::is_unique_violation(&e) {
        invalid("tiers", "Two tiers can't share a name.")
    } else {
        e.into()
    }
}

/// publish (draft → published) or close (published → completed), from `version`.
pub fn transition(
    conn: &mut DbConnection,
    actor: UserId,
    id: EventId,
    version: i32,
    to: EventStatus,
    now: NaiveDateTime,
) -> Result<i32, EventAdminError> {
    let current = get(conn, id, now)?;
    let from = current.row.status;
    if to == EventStatus::Cancelled || !from.can_become(to) {
        return Err(EventAdminError::Transition { from, to });
    }
    if current.row.version != version {
        return Err(EventAdminError::Conflict(Box::new(current)));
    }
    let changed = match to {
        EventStatus::Published => {
            if current.row.starts_at <= now {
                return Err(EventAdminError::CannotPublish(
                    "its start is in the past; move it to a future date first",
                ));
            }
            if current.section_tiers.is_empty() {
                return Err(EventAdminError::CannotPublish(
                    "no section is on sale; give at least one section a tier first",
                ));
            }
            queries::publish(conn, id, version, now)?
        }
        _ => queries::close(conn, id, version, now)?,
    };
    if changed == 0 {
        let latest = get(conn, id, now)?;
        return Err(if latest.row.version != version {
            EventAdminError::Conflict(Box::new(latest))
        } else {
            EventAdminError::Transition {
                from: latest.row.status,
                to,
            }
        });
    }
    let action = match to {
        EventStatus::Published => "event.published",
        _ => "event.closed",
    };
    record(
        conn,
        actor,
        action,
        id,
        serde_json::json!({ "from": from, "to": to, "version": version + 1 }),
        now,
    )?;
    Ok(version + 1)
}

/// A new draft copy: same venue, tiers, section mapping, times, sales window and limit; fresh
/// inventory; no bookings.
pub fn duplicate(
    conn: &mut DbConnection,
    actor: UserId,
    id: EventId,
    now: NaiveDateTime,
) -> Result<EventId, EventAdminError> {
    let source = get(conn, id, now)?;
    let suffix = " (copy)";
    let title: String = source
        .row
        .title
        .chars()
        .take(TITLE_MAX - suffix.len())
        .chain(suffix.chars())
        .collect();
    let slug = unique_slug(conn, &title)?;
    let r = &source.row;
    let new_id = rows::insert_event(
        conn,
        &NewEvent {
            venue_id: r.venue_id,
            title: &title,
            slug: &slug,
            summary: &r.summary,
            description: &r.description,
            category: r.category,
            status: EventStatus::Draft,
            featured: false,
            starts_at: r.starts_at,
            starts_local: source.local(r.starts_at),
            ends_at: r.ends_at,
            currency: &r.currency,
            sales_start_at: r.sales_start_at,
            sales_end_at: r.sales_end_at,
            max_tickets_per_order: r.max_tickets_per_order,
            max_tickets_per_account: r.max_tickets_per_account,
            published_at: None,
            cancelled_at: None,
            cancellation_reason: None,
            created_at: now,
            updated_at: now,
        },
    )?;
    let mut tier_map = HashMap::new();
    for t in &source.tiers {
        let tier = rows::insert_tier(
            conn,
            &NewTier {
                event_id: new_id,
                name: &t.name,
                price_cents: t.price_cents,
                position: t.position,
            },
        )?;
        tier_map.insert(t.id, tier);
    }
    let mapping: Vec<(SectionId, TierId)> = source
        .section_tiers
        .iter()
        .filter_map(|(s, t)| Some((*s, *tier_map.get(t)?)))
        .collect();
    add_inventory(conn, new_id, r.venue_id, &mapping, now)?;
    record(
        conn,
        actor,
        "event.duplicated",
        new_id,
        serde_json::json!({ "from_event_id": id, "title": title }),
        now,
    )?;
    Ok(new_id)
}
