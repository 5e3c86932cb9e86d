//! An event's map for one scope, drawn from what `services::seatmap::load` read.

use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::seatmap::MapSection;
use crate::domain::ids::EventId;
use crate::domain::seatmap::{Rect, stage, tier_class};
use crate::services::catalogue::CatalogueError;
use crate::services::seatmap::{self, Layouts, MapData, Scope};

use super::seats::{layout_views, section_view, standing_of_views};
use super::{RowLabel, SEAT_RADIUS, SeatMap, SeatView, SectionView, TierLegend};

/// The map of `event` for everyone (see `services::seatmap::load` on `section`).
pub fn load(
    conn: &mut DbConnection,
    layouts: &Layouts,
    event: EventId,
    section: Option<&str>,
    now: NaiveDateTime,
) -> Result<SeatMap, CatalogueError> {
    Ok(drawn(
        seatmap::load(conn, layouts, event, section, now)?,
        now,
    ))
}

/// The map as the page draws it.
fn drawn(data: MapData, now: NaiveDateTime) -> SeatMap {
    let MapData {
        detail,
        sections: rows,
        counts,
        scope,
        big,
        seat_count,
        seats,
        on_sale,
    } = data;
    let currency = detail.event.currency;
    let sections: Vec<SectionView> = rows
        .iter()
        .map(|r| section_view(r, currency, counts.get(&r.id).copied()))
        .collect();
    let seats = seats.map_or_else(Vec::new, |s| {
        layout_views(&s.layout, &s.states, &rows, currency, None, now)
    });
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
    let standing = standing_of_views(&sections);
    let row_labels = match scope {
        Scope::Section(_) => row_labels(&seats),
        _ => Vec::new(),
    };
    let font_size = match scope {
        Scope::Section(_) => (view.width / 45).clamp(6, 24),
        _ => (layout.width / 45).clamp(9, 48),
    };
    SeatMap {
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
        on_sale,
    }
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
