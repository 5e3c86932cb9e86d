//! The six halls' seat layouts, by venue slug: the geometry that `venues.json` leaves out.

use super::shapes::{
    SEAT_PITCH, block, curved, rect, row_label, row_number, standing, widening_rows,
};
use super::{ARENA, CLUB, CONGRESS, MUSIC_HALL, STUDIO, THEATRE};
use crate::services::demo::plan::SectionPlan;

/// The sections of the venue `slug`, in map order (none for a venue without a layout).
pub(super) fn sections(slug: &str) -> Vec<SectionPlan> {
    match slug {
        ARENA => arena_sections(),
        THEATRE => theatre_sections(),
        CLUB => vec![
            standing("Floor", 450, rect(0, 40, 300, 200)),
            standing("Gallery", 80, rect(0, 260, 300, 50)),
        ],
        MUSIC_HALL => music_hall_sections(),
        STUDIO => vec![studio_access(block(
            "Studio",
            (0, 40),
            7,
            12,
            row_label,
            false,
        ))],
        CONGRESS => vec![
            curved(
                "Auditorium",
                &(0..16).map(|r| 22 + r / 2).collect::<Vec<_>>(),
                (200, 60),
                12,
                3000,
                |row, number, len| row == 15 && (number <= 2 || number > len - 2),
            ),
            standing("Expo Hall", 300, rect(420, 40, 260, 260)),
        ],
        _ => Vec::new(),
    }
}

/// The studio's wheelchair spaces: the two end seats of the front row.
fn studio_access(mut section: SectionPlan) -> SectionPlan {
    let last = section.seats.iter().map(|s| s.number).max().unwrap_or(0);
    for seat in section.seats.iter_mut() {
        seat.accessible = seat.row_index == 0 && (seat.number == 1 || seat.number == last);
    }
    section
}

/// Thamesgate Arena: stage at the top of the map, the floor in the middle. The lower bowl
/// (blocks 101–111, lettered rows) forms a U around the floor: three blocks down the left
/// side, five across the far end, three up the right side. The upper tier (blocks 201–213,
/// numbered rows) wraps around the lower bowl the same way. Every block is 30 seats wide.
fn arena_sections() -> Vec<SectionPlan> {
    const W: i32 = 30 * SEAT_PITCH; // block width
    const GAP: i32 = 20;
    const LOWER_ROWS: i32 = 22;
    const UPPER_SIDE_ROWS: i32 = 30;
    const UPPER_END_ROWS: i32 = 35;
    let lower_h = LOWER_ROWS * SEAT_PITCH;
    let upper_side_h = UPPER_SIDE_ROWS * SEAT_PITCH;

    // Column positions.
    let upper_left = 0;
    let lower_left = upper_left + W + GAP;
    let lower_right = lower_left + 4 * (W + GAP);
    let upper_right = lower_right + W + GAP;
    let lower_end_y = 3 * (lower_h + GAP);
    let upper_end_y = lower_end_y + lower_h + GAP;

    let mut sections = Vec::new();
    let lower = |number: i32, at: (i32, i32)| {
        block(
            &format!("Block {number}"),
            at,
            LOWER_ROWS,
            30,
            row_label,
            true,
        )
    };
    // Lower bowl: left side (top to bottom), far end (left to right), right side (bottom to top).
    for i in 0..3 {
        sections.push(lower(101 + i, (lower_left, i * (lower_h + GAP))));
    }
    for i in 0..5 {
        sections.push(lower(104 + i, (lower_left + i * (W + GAP), lower_end_y)));
    }
    for i in 0..3 {
        sections.push(lower(109 + i, (lower_right, (2 - i) * (lower_h + GAP))));
    }
    // Upper tier, same order.
    let upper = |number: i32, at: (i32, i32), rows: i32| {
        block(&format!("Block {number}"), at, rows, 30, row_number, false)
    };
    for i in 0..3 {
        sections.push(upper(
            201 + i,
            (upper_left, i * (upper_side_h + GAP)),
            UPPER_SIDE_ROWS,
        ));
    }
    for i in 0..7 {
        sections.push(upper(
            204 + i,
            (upper_left + i * (W + GAP), upper_end_y),
            UPPER_END_ROWS,
        ));
    }
    for i in 0..3 {
        sections.push(upper(
            211 + i,
            (upper_right, (2 - i) * (upper_side_h + GAP)),
            UPPER_SIDE_ROWS,
        ));
    }
    sections
}

/// The Alderman Theatre: stalls (rows A–V), dress circle (A–J), upper circle (A–E), and four
/// boxes of four seats beside the stage.
fn theatre_sections() -> Vec<SectionPlan> {
    let stalls = widening_rows(20, 22, 34);
    let stalls_last_row = 19;
    let mut sections = vec![
        curved(
            "Stalls",
            &stalls,
            (300, 80),
            12,
            2400,
            move |row, number, len| {
                (row == 0 || row == stalls_last_row) && (number <= 2 || number > len - 2)
            },
        ),
        curved(
            "Dress Circle",
            &widening_rows(9, 24, 32),
            (300, 350),
            12,
            2400,
            |row, number, len| row == 0 && (number == 1 || number == len),
        ),
        curved(
            "Upper Circle",
            &widening_rows(5, 18, 26),
            (300, 490),
            12,
            2400,
            |_, _, _| false,
        ),
    ];
    for (name, x, y) in [
        ("Box A", 70, 80),
        ("Box B", 70, 120),
        ("Box C", 510, 80),
        ("Box D", 510, 120),
    ] {
        sections.push(block(name, (x, y), 2, 2, row_label, false));
    }
    sections
}

/// Marlowe Music Hall: a general-admission floor in front of the stage, then a seated
/// mezzanine and balcony.
fn music_hall_sections() -> Vec<SectionPlan> {
    vec![
        standing("Floor", 1200, rect(100, 40, 400, 260)),
        curved(
            "Mezzanine",
            &widening_rows(10, 36, 45),
            (300, 350),
            12,
            2400,
            |row, number, len| row == 0 && (number <= 2 || number > len - 2),
        ),
        curved(
            "Balcony",
            &widening_rows(12, 40, 51),
            (300, 510),
            12,
            2400,
            |_, _, _| false,
        ),
    ]
}
