//! Loading an event's seat map for one scope.

use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::seatmap::{self as queries, MapSection};
use crate::domain::ids::{EventId, SectionId, UserId};
use crate::domain::inventory::Counts;
use crate::domain::money::{Currency, Money};
use crate::domain::seatmap::{OVERVIEW_ABOVE, Rect, stage, tier_class};
use crate::domain::venue::SectionKind;
use crate::services::catalogue::{self, CatalogueError};

use super::basket::{Basket, basket};
use super::layouts::{Layouts, layout_views};
use super::seats::standing_views;
use super::views::{RowLabel, SEAT_RADIUS, Scope, SeatMap, SeatView, SectionView, TierLegend};

/// The map for `viewer` (signed out: `None`). `section`: a seated section's id, or `all` for
/// every seat; otherwise big venues open on the overview and small ones show every seat.
#[tracing::instrument(name = "seatmap.load", level = "debug", skip_all, fields(event.id = %event))]
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
    let currency = detail.event.currency;
    let sections: Vec<SectionView> = rows
        .iter()
        .map(|r| section_view(r, currency, counts.get(&r.id).copied()))
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
            layout_views(&layout, &states, &rows, currency, mine, now)
        }
        Scope::All => {
            let states = queries::seat_states(conn, event, None)?;
            let layout = layouts.venue(conn, detail.event.venue.id)?;
            layout_views(&layout, &states, &rows, currency, mine, now)
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
            price: t.price,
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
pub(super) fn row_labels(seats: &[SeatView]) -> Vec<RowLabel> {
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

pub(super) fn tier_position(rows: &[MapSection], tier: i64) -> usize {
    rows.iter()
        .find(|r| r.tier_id.0 == tier)
        .map_or(0, |r| usize::try_from(r.tier_position).unwrap_or(0))
}

pub(super) fn section_view(
    r: &MapSection,
    currency: Currency,
    counts: Option<Counts>,
) -> SectionView {
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

/// What a map drawn earlier depends on besides the seats' and places' states: the event, its
/// venue and sections as edited (see `db::seatmap::MapStamp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapState {
    stamp: queries::MapStamp,
    sections: Option<NaiveDateTime>,
}

/// The event's [`MapState`]; `NotFound` for no such event.
pub fn map_state(conn: &mut DbConnection, event: EventId) -> Result<MapState, CatalogueError> {
    let (stamp, sections) = queries::map_stamp(conn, event)?.ok_or(CatalogueError::NotFound)?;
    Ok(MapState { stamp, sections })
}

impl MapState {
    /// The first moment after `now` at which a map drawn now may look different without any
    /// change being made to it: a hold runs out, sales open or close, or the event starts.
    pub fn next_moment(
        &self,
        conn: &mut DbConnection,
        event: EventId,
        now: NaiveDateTime,
    ) -> Result<Option<NaiveDateTime>, CatalogueError> {
        let s = &self.stamp;
        let expiry = queries::next_expiry(conn, event, now)?;
        Ok(
            [expiry, s.sales_start_at, s.sales_end_at, Some(s.starts_at)]
                .into_iter()
                .flatten()
                .filter(|t| *t > now)
                .min(),
        )
    }
}
