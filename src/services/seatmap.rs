//! The live seat map as one viewer sees it: sections, seats in that viewer's colours (theirs,
//! someone else's, free, sold), the legend, standing areas, and the viewer's basket. The page,
//! the htmx answers to a click and the live stream all draw from here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::bookings::ItemRow;
use crate::db::seatmap::{self as queries, MapSeat, MapSection};
use crate::domain::ids::{BookingId, EventId, SeatId, SectionId, UserId, VenueId};
use crate::domain::inventory::Counts;
use crate::domain::local_time::rfc3339_utc;
use crate::domain::money::Money;
use crate::domain::seatmap::{
    OVERVIEW_ABOVE, Rect, SeatState, countdown, seat_label, stage, tier_class,
};
use crate::domain::venue::{SeatStatus, SectionKind};
use crate::services::catalogue::{self, CatalogueError, EventDetail};

/// Seat radius in map units (seat centres are 10 units apart in the demo layouts).
pub const SEAT_RADIUS: i32 = 4;

/// What part of the venue the map shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Big venues: the sections only; pick one to see its seats.
    Overview,
    /// One seated section's seats.
    Section(SectionId),
    /// Every seat.
    All,
}

impl Scope {
    /// The query string that shows this scope again ("" for the default).
    pub fn query(self) -> String {
        match self {
            Scope::Overview => String::new(),
            Scope::Section(id) => format!("section={id}"),
            Scope::All => "section=all".to_owned(),
        }
    }

    pub fn section(self) -> Option<SectionId> {
        match self {
            Scope::Section(id) => Some(id),
            _ => None,
        }
    }
}

/// A seat drawn on the map (and listed in the list view). The strings a section's seats share
/// are shared (a 20,000-seat map builds 20,000 of these).
#[derive(Debug, Clone)]
pub struct SeatView {
    pub id: SeatId,
    pub section_id: SectionId,
    pub section: Arc<str>,
    pub row: Arc<str>,
    pub number: i32,
    pub cx: i32,
    pub cy: i32,
    pub accessible: bool,
    pub state: SeatState,
    pub price: Arc<str>,
    pub tier_class: &'static str,
}

impl SeatView {
    /// What a screen reader says: "Stalls, row F, seat 12, £65.00, available". (The map's
    /// template writes the same words without building the string.)
    pub fn label(&self) -> String {
        seat_label(
            &self.section,
            &self.row,
            self.number,
            &self.price,
            self.state,
            self.accessible,
        )
    }

    pub fn status(&self) -> &'static str {
        self.state.as_str()
    }

    pub fn actionable(&self) -> bool {
        self.state.actionable()
    }

    pub fn mine(&self) -> bool {
        self.state == SeatState::Mine
    }

    /// The form field a click sends: `hold` for a free seat, `release` for one of the buyer's.
    pub fn action(&self) -> &'static str {
        if self.mine() { "release" } else { "hold" }
    }

    /// Top-left corner of a wheelchair space's square.
    pub fn corner_x(&self) -> i32 {
        self.cx - SEAT_RADIUS
    }

    pub fn corner_y(&self) -> i32 {
        self.cy - SEAT_RADIUS
    }
}

/// A section on the map.
#[derive(Debug, Clone)]
pub struct SectionView {
    pub id: SectionId,
    pub name: String,
    pub standing: bool,
    pub rect: Rect,
    pub tier_class: &'static str,
    pub price: String,
    pub capacity: i64,
    pub available: i64,
}

impl SectionView {
    pub fn label_x(&self) -> i32 {
        self.rect.centre_x()
    }

    pub fn label_y(&self) -> i32 {
        self.rect.y + self.rect.height / 2
    }

    pub fn sold_out(&self) -> bool {
        self.available <= 0
    }

    /// "Block 101: 312 left, £45.00 each" (it starts with what the shape shows, so speech
    /// input users can say what they see).
    pub fn label(&self) -> String {
        if self.sold_out() {
            format!("{}: Sold out, {} each", self.name, self.price)
        } else {
            format!(
                "{}: {} left, {} each",
                self.name, self.available, self.price
            )
        }
    }
}

/// A price tier in the legend.
#[derive(Debug, Clone)]
pub struct TierLegend {
    pub id: i64,
    pub name: String,
    pub price: String,
    pub class: &'static str,
    pub available: i64,
}

/// A standing area and what is left of it.
#[derive(Debug, Clone)]
pub struct StandingView {
    pub section_id: SectionId,
    pub name: String,
    pub price: String,
    pub tier_class: &'static str,
    pub available: i64,
    pub capacity: i64,
}

/// One line of the basket.
#[derive(Debug, Clone)]
pub struct BasketLine {
    /// The seat, for seat lines; standing lines have none.
    pub seat_id: Option<SeatId>,
    pub item_id: i64,
    pub what: String,
    pub quantity: i32,
    pub price: String,
}

impl BasketLine {
    /// A booking's line as the basket and the booking page show it.
    pub fn of(item: &ItemRow, currency: &str) -> Self {
        BasketLine {
            seat_id: item.seat_id,
            item_id: item.item_id,
            what: crate::domain::seatmap::place_label(
                &item.section,
                item.row.as_deref(),
                item.number,
            ),
            quantity: item.quantity,
            price: Money::new(i64::from(item.quantity) * item.unit_price_cents, currency)
                .to_string(),
        }
    }
}

/// The buyer's pending booking for this event.
#[derive(Debug, Clone)]
pub struct BasketView {
    pub booking_id: BookingId,
    pub reference: String,
    /// RFC 3339 in UTC, for the countdown.
    pub expires_at: String,
    /// Milliseconds left when drawn (the countdown counts from there, whatever the device's clock).
    pub left_ms: i64,
    /// What the countdown shows before the script takes over ("14:59").
    pub left: String,
    pub lines: Vec<BasketLine>,
    pub count: i64,
    pub total: String,
}

/// The viewer's basket: none, live, or just run out (so the page can say so).
#[derive(Debug, Clone)]
pub enum Basket {
    Empty,
    Live(BasketView),
    /// The hold ran out; its seats are free again.
    Expired {
        reference: String,
    },
}

impl Basket {
    pub fn live(&self) -> Option<&BasketView> {
        match self {
            Basket::Live(b) => Some(b),
            _ => None,
        }
    }

    pub fn expired_reference(&self) -> Option<&str> {
        match self {
            Basket::Expired { reference } => Some(reference),
            _ => None,
        }
    }

    /// The pending booking, while it holds.
    pub fn booking_id(&self) -> Option<BookingId> {
        self.live().map(|b| b.booking_id)
    }

    /// The seats it holds.
    pub fn seat_ids(&self) -> Vec<SeatId> {
        self.live()
            .map(|b| b.lines.iter().filter_map(|l| l.seat_id).collect())
            .unwrap_or_default()
    }
}

/// A row's name drawn at its start.
#[derive(Debug, Clone)]
pub struct RowLabel {
    pub text: String,
    pub x: i32,
    pub y: i32,
}

/// Everything the seat map page draws.
pub struct SeatMap {
    pub detail: EventDetail,
    /// Text size on the map, in map units (big venues need bigger letters).
    pub font_size: i32,
    pub scope: Scope,
    /// The venue is big enough to open on the overview.
    pub big: bool,
    pub seat_count: i64,
    pub view_box: String,
    pub stage: Rect,
    pub sections: Vec<SectionView>,
    pub seats: Vec<SeatView>,
    /// Row letters beside the first seat of each row (a section's close-up only).
    pub row_labels: Vec<RowLabel>,
    pub tiers: Vec<TierLegend>,
    pub standing: Vec<StandingView>,
    pub basket: Basket,
    /// Holds are possible now.
    pub on_sale: bool,
}

impl SeatMap {
    /// The section being shown, if one is.
    pub fn section(&self) -> Option<&SectionView> {
        let id = self.scope.section()?;
        self.sections.iter().find(|s| s.id == id)
    }

    pub fn seated_sections(&self) -> Vec<&SectionView> {
        self.sections.iter().filter(|s| !s.standing).collect()
    }

    pub fn has_seats(&self) -> bool {
        self.seat_count > 0
    }
}

/// The map for `viewer` (signed out: `None`). `section`: a seated section's id, or `all` for
/// every seat; otherwise big venues open on the overview and small ones show every seat.
pub fn load(
    conn: &mut DbConnection,
    layouts: &Layouts,
    event: EventId,
    viewer: Option<UserId>,
    section: Option<&str>,
    now: NaiveDateTime,
) -> Result<SeatMap, CatalogueError> {
    let detail = catalogue::event(conn, event, now)?;
    let rows = queries::sections(conn, event)?;
    let counts = catalogue::section_counts(conn, event, now)?;
    let currency = detail.event.currency.clone();
    let sections: Vec<SectionView> = rows
        .iter()
        .map(|r| section_view(r, &currency, counts.get(&r.id).copied()))
        .collect();
    let seat_count: i64 = rows
        .iter()
        .filter(|r| r.kind == SectionKind::Seated)
        .map(|r| i64::from(r.capacity))
        .sum();
    let big = seat_count > OVERVIEW_ABOVE;
    let chosen = section.and_then(|s| {
        if s == "all" {
            return Some(Scope::All);
        }
        let id = SectionId(s.parse().ok()?);
        sections
            .iter()
            .any(|v| v.id == id && !v.standing)
            .then_some(Scope::Section(id))
    });
    let scope = chosen.unwrap_or(if big { Scope::Overview } else { Scope::All });
    let basket = match viewer {
        Some(user) => basket(conn, user, event, now)?,
        None => Basket::Empty,
    };
    let mine = basket.booking_id();
    let seats = match scope {
        Scope::Overview => Vec::new(),
        Scope::Section(id) => {
            let states = queries::seat_states(conn, event, Some(id))?;
            let layout = layouts.venue(conn, detail.event.venue.id)?;
            layout_views(&layout, &states, &rows, &currency, mine, now)
        }
        Scope::All => {
            let states = queries::seat_states(conn, event, None)?;
            let layout = layouts.venue(conn, detail.event.venue.id)?;
            layout_views(&layout, &states, &rows, &currency, mine, now)
        }
    };
    let layout = Rect::union(sections.iter().map(|s| s.rect)).unwrap_or(Rect {
        x: 0,
        y: 0,
        width: 100,
        height: 100,
    });
    let shown = match scope {
        Scope::Section(id) => sections
            .iter()
            .find(|s| s.id == id)
            .map_or(layout, |s| s.rect),
        _ => layout,
    };
    let gap = (layout.height / 30).clamp(10, 40);
    let stage = stage(layout, gap);
    // A section view zooms in; the whole map also shows the stage above it.
    let view = match scope {
        Scope::Section(_) => shown.padded(18),
        _ => Rect::union([layout, stage]).unwrap_or(layout).padded(gap),
    };
    let tiers = detail
        .tiers
        .iter()
        .map(|t| TierLegend {
            id: t.id.0,
            name: t.name.clone(),
            price: t.price.clone(),
            class: tier_class(tier_position(&rows, t.id.0)),
            available: t.available,
        })
        .collect();
    let standing = standing_views(&sections);
    let on_sale = matches!(
        detail.event.sale,
        crate::domain::event::SaleState::OnSale | crate::domain::event::SaleState::FewLeft
    );
    let row_labels = match scope {
        Scope::Section(_) => row_labels(&seats),
        _ => Vec::new(),
    };
    let font_size = match scope {
        Scope::Section(_) => (view.width / 45).clamp(6, 24),
        _ => (layout.width / 45).clamp(9, 48),
    };
    Ok(SeatMap {
        detail,
        font_size,
        scope,
        big,
        seat_count,
        view_box: view.view_box(),
        stage,
        sections,
        seats,
        row_labels,
        tiers,
        standing,
        basket,
        on_sale,
    })
}

/// One label per row, left of the row's leftmost seat.
fn row_labels(seats: &[SeatView]) -> Vec<RowLabel> {
    let mut first: Vec<(Arc<str>, i32, i32)> = Vec::new();
    for s in seats {
        match first.iter_mut().find(|(row, _, _)| *row == s.row) {
            Some(entry) if s.cx < entry.1 => *entry = (s.row.clone(), s.cx, s.cy),
            Some(_) => {}
            None => first.push((s.row.clone(), s.cx, s.cy)),
        }
    }
    first
        .into_iter()
        .map(|(text, x, y)| RowLabel {
            text: text.to_string(),
            x: x - SEAT_RADIUS - 3,
            y,
        })
        .collect()
}

fn tier_position(rows: &[MapSection], tier: i64) -> usize {
    rows.iter()
        .find(|r| r.tier_id.0 == tier)
        .map_or(0, |r| usize::try_from(r.tier_position).unwrap_or(0))
}

fn section_view(r: &MapSection, currency: &str, counts: Option<Counts>) -> SectionView {
    let counts = counts.unwrap_or(Counts {
        capacity: i64::from(r.capacity),
        available: 0,
    });
    SectionView {
        id: r.id,
        name: r.name.clone(),
        standing: r.kind == SectionKind::Standing,
        rect: Rect {
            x: r.map_x,
            y: r.map_y,
            width: r.map_width,
            height: r.map_height,
        },
        tier_class: tier_class(usize::try_from(r.tier_position).unwrap_or(0)),
        price: Money::new(r.price_cents, currency).to_string(),
        capacity: counts.capacity,
        available: counts.available,
    }
}

/// Each venue's layout (its seats: section, row, number, position), read once per version of
/// the venue and kept: it changes only when the venue is edited (which moves its
/// `updated_at`), so a map reads only the event's seat states.
#[derive(Default)]
pub struct Layouts {
    venues: Mutex<HashMap<VenueId, Arc<VenueLayout>>>,
}

/// A venue's seats in map order, at one version of the venue.
pub struct VenueLayout {
    version: NaiveDateTime,
    seats: Vec<LayoutSeat>,
}

struct LayoutSeat {
    seat_id: SeatId,
    section_id: SectionId,
    row: Arc<str>,
    number: i32,
    x: i32,
    y: i32,
    accessible: bool,
}

impl Layouts {
    pub fn new() -> Self {
        Layouts::default()
    }

    /// The venue's layout, read again only when the venue changed.
    pub fn venue(
        &self,
        conn: &mut DbConnection,
        venue: VenueId,
    ) -> Result<Arc<VenueLayout>, CatalogueError> {
        let version = queries::venue_version(conn, venue)?;
        let cached = self
            .venues
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&venue)
            .filter(|l| l.version == version)
            .cloned();
        if let Some(layout) = cached {
            return Ok(layout);
        }
        // Rows repeat along a row: one shared string per row of a section.
        let mut rows: HashMap<(SectionId, String), Arc<str>> = HashMap::new();
        let seats = queries::venue_seats(conn, venue)?
            .into_iter()
            .map(|r| {
                let row = rows
                    .entry((r.section_id, r.row_label))
                    .or_insert_with_key(|(_, label)| Arc::from(label.as_str()))
                    .clone();
                LayoutSeat {
                    seat_id: r.seat_id,
                    section_id: r.section_id,
                    row,
                    number: r.number,
                    x: r.x,
                    y: r.y,
                    accessible: r.accessible,
                }
            })
            .collect();
        let layout = Arc::new(VenueLayout { version, seats });
        self.venues
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(venue, layout.clone());
        Ok(layout)
    }
}

/// The event's seats that have states (those on sale), in the layout's map order.
fn layout_views(
    layout: &VenueLayout,
    states: &[queries::SeatStateRow],
    sections: &[MapSection],
    currency: &str,
    basket: Option<BookingId>,
    now: NaiveDateTime,
) -> Vec<SeatView> {
    let by_seat: HashMap<SeatId, &queries::SeatStateRow> =
        states.iter().map(|s| (s.seat_id, s)).collect();
    let by_section = section_strings(sections, currency);
    layout
        .seats
        .iter()
        .filter_map(|l| {
            let state = by_seat.get(&l.seat_id)?;
            let (section, price, class) = by_section.get(&l.section_id)?;
            Some(SeatView {
                id: l.seat_id,
                section_id: l.section_id,
                section: section.clone(),
                row: l.row.clone(),
                number: l.number,
                cx: l.x,
                cy: l.y,
                accessible: l.accessible,
                state: SeatState::of(
                    state.status,
                    state.held_until,
                    state.booking_id,
                    basket,
                    now,
                ),
                price: price.clone(),
                tier_class: class,
            })
        })
        .collect()
}

/// Each section's shared strings: its name, its price and its tier's colour class.
fn section_strings(
    sections: &[MapSection],
    currency: &str,
) -> HashMap<SectionId, (Arc<str>, Arc<str>, &'static str)> {
    sections
        .iter()
        .map(|s| {
            (
                s.id,
                (
                    Arc::from(s.name.as_str()),
                    Arc::from(Money::new(s.price_cents, currency).to_string()),
                    tier_class(usize::try_from(s.tier_position).unwrap_or(0)),
                ),
            )
        })
        .collect()
}

/// `basket`: the viewer's pending booking (its seats are theirs).
fn seat_views(
    seats: &[MapSeat],
    sections: &[MapSection],
    currency: &str,
    basket: Option<BookingId>,
    now: NaiveDateTime,
) -> Vec<SeatView> {
    let by_id = section_strings(sections, currency);
    seats
        .iter()
        // A seat of a section not on sale for this event is not drawn.
        .filter_map(|s| {
            let (section, price, class) = by_id.get(&s.section_id)?;
            Some(SeatView {
                id: s.seat_id,
                section_id: s.section_id,
                section: section.clone(),
                row: Arc::from(s.row_label.as_str()),
                number: s.number,
                cx: s.x,
                cy: s.y,
                accessible: s.accessible,
                state: SeatState::of(s.status, s.held_until, s.booking_id, basket, now),
                price: price.clone(),
                tier_class: class,
            })
        })
        .collect()
}

/// These seats as `viewer` sees them now (after a click).
pub fn seats(
    conn: &mut DbConnection,
    event: EventId,
    viewer: Option<UserId>,
    only: &[SeatId],
    now: NaiveDateTime,
) -> Result<Vec<SeatView>, CatalogueError> {
    if only.is_empty() {
        return Ok(Vec::new());
    }
    let currency = queries::currency(conn, event)?.ok_or(CatalogueError::NotFound)?;
    let rows = queries::sections(conn, event)?;
    let seats = queries::seats_of(conn, event, None, Some(only))?;
    let mine = match viewer {
        Some(user) => basket_id(conn, user, event, now)?,
        None => None,
    };
    Ok(seat_views(&seats, &rows, &currency, mine, now))
}

/// The viewer's pending booking for the event, while its hold lasts.
pub fn basket_id(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Option<BookingId>, CatalogueError> {
    Ok(crate::db::holds::pending_booking(conn, user, event)?
        .filter(|b| b.expires_at > now)
        .map(|b| b.id))
}

/// The seats of a live change, read once for every viewer, with who holds them.
pub fn raw_seats(
    conn: &mut DbConnection,
    event: EventId,
    only: &[SeatId],
) -> Result<SharedSeats, CatalogueError> {
    let currency = queries::currency(conn, event)?.ok_or(CatalogueError::NotFound)?;
    let sections = queries::sections(conn, event)?;
    let seats = if only.is_empty() {
        Vec::new()
    } else {
        queries::seats_of(conn, event, None, Some(only))?
    };
    let held: Vec<BookingId> = seats
        .iter()
        .filter(|s| s.status == SeatStatus::Held)
        .filter_map(|s| s.booking_id)
        .collect();
    let owners = queries::booking_owners(conn, &held)?.into_iter().collect();
    Ok(SharedSeats {
        currency,
        sections,
        seats,
        owners,
    })
}

/// Changed seats as read once for all viewers of a live update.
#[derive(Debug, Clone)]
pub struct SharedSeats {
    currency: String,
    sections: Vec<MapSection>,
    seats: Vec<MapSeat>,
    /// Who holds the held ones.
    owners: HashMap<BookingId, UserId>,
}

impl SharedSeats {
    /// The seats as a viewer whose basket is `basket` sees them, only those of `section`
    /// when given.
    pub fn for_viewer(
        &self,
        basket: Option<BookingId>,
        section: Option<SectionId>,
        now: NaiveDateTime,
    ) -> Vec<SeatView> {
        let seats: Vec<MapSeat> = self
            .seats
            .iter()
            .filter(|s| section.is_none_or(|id| s.section_id == id))
            .cloned()
            .collect();
        seat_views(&seats, &self.sections, &self.currency, basket, now)
    }

    /// Whether any of the seats is now held by `viewer` (perhaps from another tab).
    pub fn held_by(&self, viewer: UserId) -> bool {
        self.owners.values().any(|u| *u == viewer)
    }
}

/// The standing areas of an event as the map shows them (for a live update).
pub fn standing(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Vec<StandingView>, CatalogueError> {
    Ok(standing_views(&overview_sections(conn, event, now)?))
}

/// The standing areas among `sections`, as the standing panel shows them.
fn standing_views(sections: &[SectionView]) -> Vec<StandingView> {
    sections
        .iter()
        .filter(|s| s.standing)
        .map(|s| StandingView {
            section_id: s.id,
            name: s.name.clone(),
            price: s.price.clone(),
            tier_class: s.tier_class,
            available: s.available,
            capacity: s.capacity,
        })
        .collect()
}

/// How long ago a run-out basket is still worth mentioning.
const EXPIRED_NOTICE: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

/// The viewer's basket for the event.
pub fn basket(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Basket, CatalogueError> {
    let Some(latest) = queries::latest_booking(conn, user, event)? else {
        return Ok(Basket::Empty);
    };
    use crate::domain::booking::BookingStatus;
    match latest.status {
        BookingStatus::Pending if latest.expires_at > now => {}
        BookingStatus::Pending => {
            return Ok(Basket::Expired {
                reference: latest.reference,
            });
        }
        BookingStatus::Expired if latest.expires_at > now - EXPIRED_NOTICE => {
            return Ok(Basket::Expired {
                reference: latest.reference,
            });
        }
        _ => return Ok(Basket::Empty),
    }
    let items = crate::db::bookings::items_of(conn, &[latest.id])?;
    let lines: Vec<BasketLine> = items
        .iter()
        .map(|i| BasketLine::of(i, &latest.currency))
        .collect();
    let count = items.iter().map(|i| i64::from(i.quantity)).sum();
    Ok(Basket::Live(BasketView {
        booking_id: latest.id,
        reference: latest.reference,
        expires_at: rfc3339_utc(latest.expires_at),
        left_ms: (latest.expires_at - now).num_milliseconds().max(0),
        left: countdown(latest.expires_at, now),
        lines,
        count,
        total: Money::new(latest.total_cents, &latest.currency).to_string(),
    }))
}

/// The seated and standing sections with what is left in each (the overview's shapes).
pub fn overview_sections(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Vec<SectionView>, CatalogueError> {
    let currency = queries::currency(conn, event)?.ok_or(CatalogueError::NotFound)?;
    let rows = queries::sections(conn, event)?;
    let counts = catalogue::section_counts(conn, event, now)?;
    Ok(rows
        .iter()
        .map(|r| section_view(r, &currency, counts.get(&r.id).copied()))
        .collect())
}

/// Whether seats of the event can be held now (published, sales open, not started).
pub fn on_sale(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<bool, CatalogueError> {
    use crate::domain::event::SaleState;
    Ok(crate::db::holds::event(conn, event)?.is_some_and(|ev| {
        matches!(
            crate::services::holds::sale_state(&ev, now),
            SaleState::OnSale | SaleState::FewLeft
        )
    }))
}

/// The seats of the viewer's basket for the event if it has just run out (free again now, so
/// the page can redraw them at once); empty otherwise.
pub fn expired_basket_seats(
    conn: &mut DbConnection,
    user: UserId,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Vec<SeatId>, CatalogueError> {
    use crate::domain::booking::BookingStatus;
    let Some(latest) = queries::latest_booking(conn, user, event)? else {
        return Ok(Vec::new());
    };
    let ran_out = match latest.status {
        BookingStatus::Pending => latest.expires_at <= now,
        BookingStatus::Expired => true,
        _ => false,
    };
    if !ran_out {
        return Ok(Vec::new());
    }
    Ok(crate::db::bookings::items_of(conn, &[latest.id])?
        .into_iter()
        .filter_map(|i| i.seat_id)
        .collect())
}

/// What every viewer of a change needs, read once: the changed seats (with their holders) and
/// every section with what is left in it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub seats: SharedSeats,
    pub sections: Vec<SectionView>,
    /// Seats can be held (the event may have closed meanwhile).
    pub on_sale: bool,
}

impl Snapshot {
    /// The standing areas, as the standing panel shows them.
    pub fn standing(&self) -> Vec<StandingView> {
        standing_views(&self.sections)
    }
}

pub fn snapshot(
    conn: &mut DbConnection,
    event: EventId,
    seats: &[SeatId],
    now: NaiveDateTime,
) -> Result<Snapshot, CatalogueError> {
    Ok(Snapshot {
        seats: raw_seats(conn, event, seats)?,
        sections: overview_sections(conn, event, now)?,
        on_sale: on_sale(conn, event, now)?,
    })
}

/// What a page that names no section shows: big venues their sections, others every seat.
pub fn default_scope(conn: &mut DbConnection, event: EventId) -> Result<Scope, CatalogueError> {
    let seats: i64 = queries::sections(conn, event)?
        .iter()
        .filter(|r| r.kind == SectionKind::Seated)
        .map(|r| i64::from(r.capacity))
        .sum();
    Ok(if seats > OVERVIEW_ABOVE {
        Scope::Overview
    } else {
        Scope::All
    })
}
