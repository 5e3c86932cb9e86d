//! The seat heatmap: how each section and seat of an event sells.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::db::{DbConnection, DbError};
use crate::domain::ids::{EventId, SectionId};
use crate::domain::seatmap::Rect;

/// A section of the heatmap: how much of it sold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatSection {
    pub name: String,
    pub rect: Rect,
    pub standing: bool,
    pub sold: i64,
    pub capacity: i64,
    pub percent: i64,
    /// `heat-0` (nothing sold) … `heat-5` (sold out).
    pub class: &'static str,
}

impl HeatSection {
    pub fn label_x(&self) -> i32 {
        self.rect.centre_x()
    }

    pub fn label_y(&self) -> i32 {
        self.rect.y + self.rect.height / 2
    }
}

/// A seat of the heatmap: `sold`, `held`, `available` or `blocked`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatSeat {
    pub cx: i32,
    pub cy: i32,
    pub class: &'static str,
}

/// The venue drawn with what sold: every section shaded by its sold share, and, for venues
/// small enough to read seat by seat, every seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heatmap {
    pub view_box: String,
    pub stage: Rect,
    pub font_size: i32,
    pub sections: Vec<HeatSection>,
    pub seats: Vec<HeatSeat>,
}

/// Shade of a sold share: five steps, and a sixth for sold out.
pub fn heat_class(sold: i64, capacity: i64) -> &'static str {
    if capacity <= 0 || sold <= 0 {
        return "heat-0";
    }
    if sold >= capacity {
        return "heat-5";
    }
    match sold * 100 / capacity {
        0..25 => "heat-1",
        25..50 => "heat-2",
        50..75 => "heat-3",
        _ => "heat-4",
    }
}

pub fn heatmap(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> Result<Heatmap, DbError> {
    use crate::db::seatmap as map_queries;
    use crate::domain::seatmap::{OVERVIEW_ABOVE, stage};
    use crate::domain::venue::{SeatStatus, SectionKind};
    let counters: BTreeMap<SectionId, (i64, i64)> = crate::db::catalogue::sections(conn, &[event])?
        .into_iter()
        .map(|s| {
            (
                s.section_id,
                (
                    i64::from(s.sold),
                    i64::from(s.capacity) - i64::from(s.blocked),
                ),
            )
        })
        .collect();
    let rows = map_queries::sections(conn, event)?;
    let sections: Vec<HeatSection> = rows
        .iter()
        .map(|r| {
            let (sold, capacity) = counters.get(&r.id).copied().unwrap_or((0, 0));
            HeatSection {
                name: r.name.clone(),
                rect: Rect {
                    x: r.map_x,
                    y: r.map_y,
                    width: r.map_width,
                    height: r.map_height,
                },
                standing: r.kind == SectionKind::Standing,
                sold,
                capacity,
                percent: if capacity > 0 {
                    sold * 100 / capacity
                } else {
                    0
                },
                class: heat_class(sold, capacity),
            }
        })
        .collect();
    let seat_count: i64 = rows
        .iter()
        .filter(|r| r.kind == SectionKind::Seated)
        .map(|r| i64::from(r.capacity))
        .sum();
    let seats = if seat_count <= OVERVIEW_ABOVE {
        map_queries::seats_of(conn, event, None, None)?
            .into_iter()
            .map(|s| HeatSeat {
                cx: s.x,
                cy: s.y,
                class: match s.status {
                    SeatStatus::Sold => "sold",
                    SeatStatus::Blocked => "blocked",
                    SeatStatus::Held if s.held_until.is_some_and(|until| until > now) => "held",
                    _ => "available",
                },
            })
            .collect()
    } else {
        Vec::new()
    };
    let layout = Rect::union(sections.iter().map(|s| s.rect)).unwrap_or(Rect {
        x: 0,
        y: 0,
        width: 100,
        height: 100,
    });
    let gap = (layout.height / 30).clamp(10, 40);
    let stage = stage(layout, gap);
    let view = Rect::union([layout, stage]).unwrap_or(layout).padded(gap);
    Ok(Heatmap {
        view_box: view.view_box(),
        stage,
        font_size: (layout.width / 45).clamp(9, 48),
        sections,
        seats,
    })
}
