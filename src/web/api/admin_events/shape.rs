//! The admin's event documents, built with `json!` in `body.rs` and read from a loose JSON
//! object there, described for the OpenAPI document only: when a member is added there, it is
//! added here.

#![expect(
    dead_code,
    reason = "schema-only: describes documents built and read with json!"
)]

use std::collections::BTreeMap;

use crate::domain::event::{Category, EventStatus};
use crate::domain::ids::{EventId, OrganizerId, TierId, VenueId};

#[derive(utoipa::ToSchema)]
#[schema(as = AdminEventVenue)]
pub struct Venue {
    id: VenueId,
    name: String,
    city: String,
}

#[derive(utoipa::ToSchema)]
#[schema(as = AdminEventTier)]
pub struct Tier {
    id: TierId,
    name: String,
    price_cents: i64,
}

/// An event as the admin sees it, drafts too. Times are RFC 3339, UTC.
#[derive(utoipa::ToSchema)]
pub struct AdminEvent {
    id: EventId,
    /// The organizer the event (and its venue) belongs to.
    organizer_id: OrganizerId,
    title: String,
    slug: String,
    summary: String,
    description: String,
    category: Category,
    status: EventStatus,
    starts_at: String,
    ends_at: Option<String>,
    venue: Venue,
    currency: String,
    min_price_cents: Option<i64>,
    capacity: i64,
    available: i64,
    sold: i64,
    tiers: Vec<Tier>,
    /// `"<section_id>": tier_id`.
    section_tiers: BTreeMap<String, TierId>,
    sales_start_at: Option<String>,
    sales_end_at: Option<String>,
    max_tickets_per_order: i64,
    /// `null`: no limit.
    max_tickets_per_account: Option<i64>,
    /// Send it back with an edit (`PATCH`): an edit of an older version is refused (409).
    version: i32,
}

/// The admin's event list.
#[derive(utoipa::ToSchema)]
pub struct AdminEventList {
    items: Vec<AdminEvent>,
}

/// A tier as an edit sends it: `id` names an existing tier (none can be removed).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AdminEventTierInput)]
pub struct TierInput {
    id: Option<TierId>,
    name: String,
    price_cents: i64,
}

/// The fields of an event an admin writes; every one optional in an edit. What is missing
/// or wrong for the event to be valid is answered as 422 with a message per field. Times are
/// RFC 3339.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AdminEventFields {
    /// The organizer the event is for (defaults to the venue's; must be the venue's).
    organizer_id: Option<OrganizerId>,
    title: Option<String>,
    summary: Option<String>,
    description: Option<String>,
    /// One of the categories.
    category: Option<String>,
    currency: Option<String>,
    venue_id: Option<VenueId>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    sales_start_at: Option<String>,
    sales_end_at: Option<String>,
    max_tickets_per_order: Option<i64>,
    /// `null`: no limit.
    max_tickets_per_account: Option<i64>,
    tiers: Option<Vec<TierInput>>,
    /// `"<section_id>": <index into tiers>` (or into the current tiers when `tiers` is not
    /// sent).
    section_tiers: Option<BTreeMap<String, i64>>,
    /// A new event is `draft` (the default) or `published`; an edit may publish (`published`)
    /// or close it (`completed`). Cancelling has its own call.
    status: Option<EventStatus>,
}

/// An edit: the fields to change, and the version the edit started from.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AdminEventEdit {
    /// The event's `version` when the edit started.
    version: i32,
    #[serde(flatten)]
    fields: AdminEventFields,
}
