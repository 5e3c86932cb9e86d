//! The demo catalogue: a fixed set of fictional venues and events. Pure data built by small
//! helpers; no I/O, no randomness and no dependence on the current date (event dates are
//! offsets from the seeding day).

use chrono::NaiveTime;

use super::plan::*;
use crate::domain::event::{Category, EventStatus};
use crate::domain::venue::SectionKind;

// ---------------------------------------------------------------------------------------------
// Layout helpers
// ---------------------------------------------------------------------------------------------

/// Distance between neighbouring seat centres in a row, in map units.
const SEAT_PITCH: i32 = 10;
/// Margin between a seat centre and the edge of its section's rectangle.
const SEAT_MARGIN: i32 = 5;

/// Row letters as theatres print them: `I` and `O` are skipped (they read as 1 and 0).
const ROW_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Lettered row label for a 0-based row index: "A", "B", … "Z", then "AA", "BB", ….
fn row_label(index: i32) -> String {
    let n = ROW_LETTERS.len();
    let i = usize::try_from(index).expect("row index is not negative");
    let letter = char::from(ROW_LETTERS[i % n]);
    std::iter::repeat_n(letter, i / n + 1).collect()
}

/// Numeric row label for a 0-based row index: "1", "2", ….
fn row_number(index: i32) -> String {
    (index + 1).to_string()
}

/// A standing section: a capacity and a rectangle, no seats.
fn standing(name: &str, capacity: i32, map: MapRect) -> SectionPlan {
    SectionPlan {
        name: name.to_owned(),
        kind: SectionKind::Standing,
        capacity: Some(capacity),
        map,
        seats: Vec::new(),
    }
}

/// A seated section whose map rectangle is the bounding box of its seats plus a margin, so
/// every seat lies inside it.
fn seated(name: &str, seats: Vec<SeatPlan>) -> SectionPlan {
    let min_x = seats.iter().map(|s| s.x).min().unwrap_or(0);
    let max_x = seats.iter().map(|s| s.x).max().unwrap_or(0);
    let min_y = seats.iter().map(|s| s.y).min().unwrap_or(0);
    let max_y = seats.iter().map(|s| s.y).max().unwrap_or(0);
    SectionPlan {
        name: name.to_owned(),
        kind: SectionKind::Seated,
        capacity: None,
        map: MapRect {
            x: min_x - SEAT_MARGIN,
            y: min_y - SEAT_MARGIN,
            width: max_x - min_x + 2 * SEAT_MARGIN,
            height: max_y - min_y + 2 * SEAT_MARGIN,
        },
        seats,
    }
}

/// A rectangular block of `rows` × `per_row` seats whose top-left corner is at (`x`, `y`);
/// row 0 is the row nearest the stage (smallest `y`). With `accessible_back_ends`, the two
/// end seats of the back row are wheelchair spaces.
fn block(
    name: &str,
    (x, y): (i32, i32),
    rows: i32,
    per_row: i32,
    label: fn(i32) -> String,
    accessible_back_ends: bool,
) -> SectionPlan {
    let mut seats = Vec::new();
    for row in 0..rows {
        for number in 1..=per_row {
            seats.push(SeatPlan {
                row_label: label(row),
                row_index: row,
                number,
                x: x + SEAT_MARGIN + (number - 1) * SEAT_PITCH,
                y: y + SEAT_MARGIN + row * SEAT_PITCH,
                accessible: accessible_back_ends
                    && row == rows - 1
                    && (number == 1 || number == per_row),
            });
        }
    }
    seated(name, seats)
}

/// Curved rows, as in a theatre or a concert hall: row `r` has `row_lengths[r]` seats centred
/// on `centre_x`, its centre line at `top_y + r * pitch`; the ends of every row bend towards the
/// stage by `dx² / curve_div` units. `accessible(row, number, row_length)` marks wheelchair
/// spaces.
fn curved(
    name: &str,
    row_lengths: &[i32],
    (centre_x, top_y): (i32, i32),
    pitch: i32,
    curve_div: i32,
    accessible: impl Fn(i32, i32, i32) -> bool,
) -> SectionPlan {
    let mut seats = Vec::new();
    for (row, &len) in (0..).zip(row_lengths.iter()) {
        for number in 1..=len {
            let x = centre_x - SEAT_PITCH * len / 2 + SEAT_PITCH / 2 + (number - 1) * SEAT_PITCH;
            let dx = x - centre_x;
            seats.push(SeatPlan {
                row_label: row_label(row),
                row_index: row,
                number,
                x,
                y: top_y + row * pitch - dx * dx / curve_div,
                accessible: accessible(row, number, len),
            });
        }
    }
    seated(name, seats)
}

/// Row lengths growing linearly from `first` to `last` over `rows` rows.
fn widening_rows(rows: i32, first: i32, last: i32) -> Vec<i32> {
    (0..rows)
        .map(|r| first + (last - first) * r / (rows - 1).max(1))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Venues
// ---------------------------------------------------------------------------------------------

pub const ARENA: &str = "thamesgate-arena";
pub const THEATRE: &str = "alderman-theatre";
pub const CLUB: &str = "kesselhaus-nord";
pub const MUSIC_HALL: &str = "marlowe-music-hall";
pub const STUDIO: &str = "cowgate-studio";
pub const CONGRESS: &str = "tagus-congress-centre";

pub fn venues() -> Vec<VenuePlan> {
    vec![
        VenuePlan {
            name: "Thamesgate Arena",
            slug: ARENA,
            description: "London's riverside arena: twenty thousand seats in two tiers wrapped \
                around a floor that turns from concert stage to basketball court to ice rink \
                overnight.\n\nStep-free access from Thamesgate DLR, with wheelchair platforms at \
                the back of every lower-bowl block.",
            address: "1 Thamesgate Wharf, Silvertown Way, London E16 2QR",
            city: "London",
            country: "GB",
            timezone: "Europe/London",
            sections: arena_sections(),
        },
        VenuePlan {
            name: "The Alderman Theatre",
            slug: THEATRE,
            description: "A restored 1891 playhouse on the edge of the Northern Quarter, with a \
                horseshoe of red-velvet boxes and one of the best-loved dress circles in \
                the North West.\n\nWheelchair spaces are at the ends of stalls rows A and V; \
                an induction loop covers the whole auditorium.",
            address: "14 Tib Lane, Manchester M2 4JB",
            city: "Manchester",
            country: "GB",
            timezone: "Europe/London",
            sections: theatre_sections(),
        },
        VenuePlan {
            name: "Kesselhaus Nord",
            slug: CLUB,
            description: "A former boiler house in Wedding, now a standing-only club with a \
                bare-brick main floor and a narrow gallery above the bar.\n\nDoors usually \
                open an hour before the first act; the cloakroom is cash-free.",
            address: "Gerichtstraße 47, 13347 Berlin",
            city: "Berlin",
            country: "DE",
            timezone: "Europe/Berlin",
            sections: vec![
                standing("Floor", 450, rect(0, 40, 300, 200)),
                standing("Gallery", 80, rect(0, 260, 300, 50)),
            ],
        },
        VenuePlan {
            name: "Marlowe Music Hall",
            slug: MUSIC_HALL,
            description: "A 1920s ballroom in Hell's Kitchen with a sprung dance floor, a \
                seated mezzanine and a steep balcony that still has the original brass \
                rails.\n\nThe floor is general admission; mezzanine and balcony seats are \
                reserved.",
            address: "412 West 37th Street, New York, NY 10018",
            city: "New York",
            country: "US",
            timezone: "America/New_York",
            sections: music_hall_sections(),
        },
        VenuePlan {
            name: "Cowgate Studio",
            slug: STUDIO,
            description: "An eighty-four-seat studio under the South Bridge arches: new writing, \
                stand-up and anything else that works best at close quarters.\n\nThe front row \
                is level with the stage and has two wheelchair spaces.",
            address: "9 Blair Street, Edinburgh EH1 1QR",
            city: "Edinburgh",
            country: "GB",
            timezone: "Europe/London",
            sections: vec![studio_access(block(
                "Studio",
                (0, 40),
                7,
                12,
                row_label,
                false,
            ))],
        },
        VenuePlan {
            name: "Tagus Congress Centre",
            slug: CONGRESS,
            description: "A conference centre on the Lisbon waterfront, with a raked \
                four-hundred-seat auditorium and a column-free exhibition hall overlooking \
                the river.\n\nFive minutes' walk from Cais do Sodré station.",
            address: "Avenida Ribeira das Naus 220, 1100-038 Lisboa",
            city: "Lisbon",
            country: "PT",
            timezone: "Europe/Lisbon",
            sections: vec![
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
        },
    ]
}

fn rect(x: i32, y: i32, width: i32, height: i32) -> MapRect {
    MapRect {
        x,
        y,
        width,
        height,
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

/// The number of an arena block, from its section name ("Block 104" → 104).
fn arena_block(name: &str) -> i32 {
    name.trim_start_matches("Block ").parse().unwrap_or(0)
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

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

fn at(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time of day")
}

fn tiers(list: &[(&'static str, i64)]) -> Vec<TierPlan> {
    list.iter()
        .map(|&(name, price_cents)| TierPlan { name, price_cents })
        .collect()
}

/// Maps every section of the venue `slug` to a tier index chosen by `pick` from its name.
fn assign(venues: &[VenuePlan], slug: &str, pick: impl Fn(&str) -> usize) -> Vec<(String, usize)> {
    venues
        .iter()
        .find(|v| v.slug == slug)
        .map(|v| {
            v.sections
                .iter()
                .map(|s| (s.name.clone(), pick(&s.name)))
                .collect()
        })
        .unwrap_or_default()
}

/// Arena pricing: lower bowl → 0, upper-tier sides → 1, upper-tier far end → 2.
fn arena_three_tiers(name: &str) -> usize {
    match arena_block(name) {
        101..=199 => 0,
        201..=203 | 211..=213 => 1,
        _ => 2,
    }
}

/// Theatre pricing: stalls and dress circle → 0, upper circle → 1, boxes → 2.
fn theatre_three_tiers(name: &str) -> usize {
    match name {
        "Stalls" | "Dress Circle" => 0,
        "Upper Circle" => 1,
        _ => 2,
    }
}

pub fn events() -> Vec<EventPlan> {
    let v = venues();
    vec![
        // ----- Thamesgate Arena, London -----
        EventPlan {
            venue_slug: ARENA,
            title: "Halcyon Tide: The Lanterns Tour",
            slug: "halcyon-tide-lanterns-tour",
            summary: "The Brighton four-piece bring their biggest-ever show to the river.",
            description: "Three albums in, Halcyon Tide have gone from pub back rooms to \
                arenas without losing the shout-along choruses that made their name.\n\n\
                The Lanterns Tour brings a new stage that juts deep into the arena floor, a string section and a \
                set list that leans on last year's chart-topping record.\n\n\
                Support comes from Glasgow newcomers Paper Satellites.",
            category: Category::Concert,
            status: EventStatus::Published,
            featured: true,
            day_offset: 34,
            local_start: at(19, 30),
            duration_minutes: 180,
            currency: "GBP",
            max_tickets_per_order: 6,
            sales_open_days_before: None,
            tiers: tiers(&[
                ("Lower tier", 9500),
                ("Upper tier", 6500),
                ("Upper tier rear", 4500),
            ]),
            section_tiers: assign(&v, ARENA, arena_three_tiers),
            sold_per_mille: 620,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: ARENA,
            title: "The Marigold Symphony Orchestra: Music from the Movies",
            slug: "marigold-symphony-music-from-the-movies",
            summary: "Ninety musicians, a full choir and the big-screen themes you know by heart.",
            description: "From swashbuckling fanfares to the quiet piano of a late-night \
                romance, the Marigold Symphony Orchestra plays two hours of the best-loved \
                film scores of the last fifty years.\n\n\
                Conductor Imogen Vale introduces each piece with the story of how it was \
                written, while clips play on the arena's giant screens.",
            category: Category::Concert,
            status: EventStatus::Published,
            featured: false,
            day_offset: 88,
            local_start: at(19, 30),
            duration_minutes: 150,
            currency: "GBP",
            max_tickets_per_order: 8,
            sales_open_days_before: None,
            tiers: tiers(&[("Premium", 7800), ("Standard", 5200), ("Value", 3200)]),
            section_tiers: assign(&v, ARENA, arena_three_tiers),
            sold_per_mille: 240,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: ARENA,
            title: "National Basketball Cup Final: Southwark Sentinels v Leeds Forge",
            slug: "basketball-cup-final-sentinels-v-forge",
            summary: "Forty minutes for the trophy: the capital's champions against the \
                northern upstarts.",
            description: "The Southwark Sentinels are chasing a third straight cup; the \
                Leeds Forge have beaten them twice already this season.\n\n\
                Doors open ninety minutes before tip-off, with a halftime show from the \
                Thamesgate Drumline and a shoot-out for one lucky ticket holder.",
            category: Category::Sports,
            status: EventStatus::Published,
            featured: false,
            day_offset: 57,
            local_start: at(19, 45),
            duration_minutes: 150,
            currency: "GBP",
            max_tickets_per_order: 10,
            sales_open_days_before: None,
            tiers: tiers(&[
                ("Courtside", 6500),
                ("Upper tier", 3500),
                ("End zone", 2200),
            ]),
            section_tiers: assign(&v, ARENA, arena_three_tiers),
            sold_per_mille: 480,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: ARENA,
            title: "Frost & Fable on Ice",
            slug: "frost-and-fable-on-ice",
            summary: "Fairy tales retold by Olympic-level skaters, with snow falling indoors.",
            description: "A lost fox cub, a clockwork queen and a sleigh that flies over the \
                audience: Frost & Fable stitches six classic stories into one glittering \
                show on ice.\n\n\
                Recommended for ages three and up. Children under two sit on a lap for free; \
                booster cushions are available at every entrance.",
            category: Category::Family,
            status: EventStatus::Published,
            featured: true,
            day_offset: 112,
            local_start: at(14, 0),
            duration_minutes: 120,
            currency: "GBP",
            max_tickets_per_order: 8,
            sales_open_days_before: None,
            tiers: tiers(&[("Rinkside", 4200), ("Family", 2800), ("Value", 1800)]),
            section_tiers: assign(&v, ARENA, arena_three_tiers),
            sold_per_mille: 150,
            cancellation_reason: None,
        },
        // ----- The Alderman Theatre, Manchester -----
        EventPlan {
            venue_slug: THEATRE,
            title: "The Lighthouse Keeper's Daughter",
            slug: "the-lighthouse-keepers-daughter",
            summary: "A storm, a missing ship and a secret kept for forty years.",
            description: "Northumberland, 1953. When a trawler vanishes off the Farne Islands, \
                the keeper's daughter is the last person to have seen its lights, and the \
                only one who will not say what she saw.\n\n\
                Rosalind Achebe-Hart's gripping new drama arrives in Manchester after a \
                sold-out run in Newcastle.\n\n\
                Contains strong language and scenes of peril. Suitable for ages 12+.",
            category: Category::Theatre,
            status: EventStatus::Published,
            featured: true,
            day_offset: 12,
            local_start: at(19, 30),
            duration_minutes: 150,
            currency: "GBP",
            max_tickets_per_order: 6,
            sales_open_days_before: None,
            tiers: tiers(&[("Premium", 5500), ("Standard", 3200), ("Box seat", 6500)]),
            section_tiers: assign(&v, THEATRE, theatre_three_tiers),
            sold_per_mille: 965,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: THEATRE,
            title: "Cotton Mill: A New Musical",
            slug: "cotton-mill-a-new-musical",
            summary: "Looms, love and a lock-out: the story of Ancoats told in song.",
            description: "In 1892 the women of Murray's Mill walked out, and the whole of \
                Ancoats followed. Cotton Mill tells their story with a twelve-piece band, \
                a cast of twenty and a score that moves from brass-band anthems to \
                music-hall ballads.\n\n\
                Performances run about two hours forty-five minutes including an interval.",
            category: Category::Theatre,
            status: EventStatus::Published,
            featured: false,
            day_offset: 45,
            local_start: at(19, 30),
            duration_minutes: 165,
            currency: "GBP",
            max_tickets_per_order: 8,
            sales_open_days_before: None,
            tiers: tiers(&[
                ("Premium", 6500),
                ("Dress circle", 4800),
                ("Upper circle", 2500),
                ("Box seat", 7500),
            ]),
            section_tiers: assign(&v, THEATRE, |name| match name {
                "Stalls" => 0,
                "Dress Circle" => 1,
                "Upper Circle" => 2,
                _ => 3,
            }),
            sold_per_mille: 420,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: THEATRE,
            title: "Rain on Canal Street",
            slug: "rain-on-canal-street",
            summary: "A bittersweet comedy about three generations and one leaky houseboat.",
            description: "Grandad won't leave the boat, his granddaughter won't leave the city \
                and her mother just wants everybody to stop shouting.\n\n\
                A warm, funny play about family and the places we can't let go of.",
            category: Category::Theatre,
            status: EventStatus::Completed,
            featured: false,
            day_offset: -18,
            local_start: at(19, 30),
            duration_minutes: 120,
            currency: "GBP",
            max_tickets_per_order: 6,
            sales_open_days_before: None,
            tiers: tiers(&[("Premium", 4500), ("Standard", 2800), ("Box seat", 5000)]),
            section_tiers: assign(&v, THEATRE, theatre_three_tiers),
            sold_per_mille: 940,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: THEATRE,
            title: "The Gingerbread Detective",
            slug: "the-gingerbread-detective",
            summary: "Who stole the sugar plums? A whodunnit for detectives aged four to ten.",
            description: "Inspector Crumb has never lost a case, but the Great Bakery Heist \
                has everyone in Sweetcake Lane baffled.\n\n\
                Young audience members are invited to help gather clues, shout out \
                suspects and, at the very end, unmask the culprit.\n\n\
                Relaxed performance: house lights stay partly up and nobody minds noise.",
            category: Category::Family,
            status: EventStatus::Published,
            featured: false,
            day_offset: 75,
            local_start: at(14, 0),
            duration_minutes: 90,
            currency: "GBP",
            max_tickets_per_order: 8,
            sales_open_days_before: None,
            tiers: tiers(&[
                ("Adult", 2200),
                ("Upper circle", 1500),
                ("Box (per seat)", 2600),
            ]),
            section_tiers: assign(&v, THEATRE, theatre_three_tiers),
            sold_per_mille: 210,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: THEATRE,
            title: "Margo Pennington: Not Now, Darling",
            slug: "margo-pennington-not-now-darling",
            summary: "The queen of the withering look returns with a brand-new hour of stand-up.",
            description: "Margo Pennington has spent thirty years being told to calm down. \
                She has no intention of starting now.\n\n\
                Her new show takes on retirement, group chats and the quiet tyranny of the \
                self-service till. Strictly ages 16+.",
            category: Category::Comedy,
            status: EventStatus::Published,
            featured: false,
            day_offset: 140,
            local_start: at(20, 0),
            duration_minutes: 120,
            currency: "GBP",
            max_tickets_per_order: 6,
            sales_open_days_before: Some(120),
            tiers: tiers(&[
                ("Stalls & circle", 3400),
                ("Upper circle", 2400),
                ("Box seat", 4000),
            ]),
            section_tiers: assign(&v, THEATRE, theatre_three_tiers),
            sold_per_mille: 0,
            cancellation_reason: None,
        },
        // ----- Kesselhaus Nord, Berlin -----
        EventPlan {
            venue_slug: CLUB,
            title: "Vanta Skyline: Album Release Night",
            slug: "vanta-skyline-album-release-night",
            summary: "The synth-pop duo play their new record, start to finish, one night only.",
            description: "Vanta Skyline recorded their third album in a disused radio tower \
                in Brandenburg. Tonight they play it live for the first time, in order, with \
                a visual show by the Lichtwerk collective.\n\n\
                Doors at 20:00. Support from DJ Kira Lenz.",
            category: Category::Concert,
            status: EventStatus::Published,
            featured: true,
            day_offset: 9,
            local_start: at(21, 0),
            duration_minutes: 180,
            currency: "EUR",
            max_tickets_per_order: 4,
            sales_open_days_before: None,
            tiers: tiers(&[("Floor", 3200), ("Gallery", 3800)]),
            section_tiers: assign(&v, CLUB, |name| usize::from(name == "Gallery")),
            sold_per_mille: 1000,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: CLUB,
            title: "Tiefgarage: Techno All-Nighter",
            slug: "tiefgarage-techno-all-nighter",
            summary: "Seven hours, four residents, one very loud sound system.",
            description: "The Tiefgarage crew take over the boiler house from eleven until \
                dawn, with back-to-back sets from their four residents and a closing set \
                from a guest they will not name in advance.\n\n\
                Strictly 18+. Photo ID required at the door.",
            category: Category::Concert,
            status: EventStatus::Published,
            featured: false,
            day_offset: 26,
            local_start: at(23, 0),
            duration_minutes: 420,
            currency: "EUR",
            max_tickets_per_order: 4,
            sales_open_days_before: None,
            tiers: tiers(&[("Early bird", 1800), ("Gallery", 2400)]),
            section_tiers: assign(&v, CLUB, |name| usize::from(name == "Gallery")),
            sold_per_mille: 540,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: CLUB,
            title: "Kollektiv Ostwind Live",
            slug: "kollektiv-ostwind-live",
            summary: "Brass, beats and a twelve-piece band crammed onto one small stage.",
            description: "Kollektiv Ostwind mix Balkan brass with club rhythms, and they do it \
                at full volume.\n\n\
                Their Berlin shows sell out every year; this one was no exception.",
            category: Category::Concert,
            status: EventStatus::Completed,
            featured: false,
            day_offset: -33,
            local_start: at(20, 0),
            duration_minutes: 150,
            currency: "EUR",
            max_tickets_per_order: 6,
            sales_open_days_before: None,
            tiers: tiers(&[("General admission", 2800), ("Gallery", 3200)]),
            section_tiers: assign(&v, CLUB, |name| usize::from(name == "Gallery")),
            sold_per_mille: 1000,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: CLUB,
            title: "Late Laughs Berlin: English Stand-Up Night",
            slug: "late-laughs-berlin-english-stand-up",
            summary: "Five comics, one compère, and everything you wanted to say about \
                German bureaucracy.",
            description: "Berlin's longest-running English-language comedy night moves to \
                the big room for one special show.\n\n\
                Expect jokes about Anmeldung appointments, landlords and the U8 at 3 a.m. \
                Shows are in English; no German required.",
            category: Category::Comedy,
            status: EventStatus::Published,
            featured: false,
            day_offset: 19,
            local_start: at(20, 0),
            duration_minutes: 120,
            currency: "EUR",
            max_tickets_per_order: 6,
            sales_open_days_before: None,
            tiers: tiers(&[("Floor", 1800), ("Gallery", 1500)]),
            section_tiers: assign(&v, CLUB, |name| usize::from(name == "Gallery")),
            sold_per_mille: 330,
            cancellation_reason: None,
        },
        // ----- Marlowe Music Hall, New York -----
        EventPlan {
            venue_slug: MUSIC_HALL,
            title: "The Ashgrove Quartet: Midnight Standards",
            slug: "ashgrove-quartet-midnight-standards",
            summary: "Four players, two sets and a room that was built for this music.",
            description: "The Ashgrove Quartet have played every jazz club from Harlem to \
                the Village, and their late sets have become a New York ritual.\n\n\
                Tonight they return to the ballroom where saxophonist Della Ashgrove's \
                grandmother once danced, with special guests on trumpet and vibraphone.\n\n\
                The floor is standing room only; mezzanine and balcony seats are reserved.",
            category: Category::Concert,
            status: EventStatus::Published,
            featured: true,
            day_offset: 40,
            local_start: at(20, 0),
            duration_minutes: 150,
            currency: "USD",
            max_tickets_per_order: 6,
            sales_open_days_before: None,
            tiers: tiers(&[
                ("Floor (general admission)", 4500),
                ("Mezzanine reserved", 6500),
                ("Balcony reserved", 3900),
            ]),
            section_tiers: assign(&v, MUSIC_HALL, |name| match name {
                "Floor" => 0,
                "Mezzanine" => 1,
                _ => 2,
            }),
            sold_per_mille: 280,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: MUSIC_HALL,
            title: "Friday Night Fights: Delgado vs. Okafor",
            slug: "friday-night-fights-delgado-vs-okafor",
            summary: "Ten rounds for the regional middleweight belt, plus a five-bout undercard.",
            description: "Undefeated Bronx prospect Ramon Delgado meets the veteran Tunde \
                Okafor in the main event, a rematch two years in the making.\n\n\
                The ring sits in the middle of the ballroom floor; mezzanine seats look \
                straight down on it. Undercard from 7 p.m.",
            category: Category::Sports,
            status: EventStatus::Published,
            featured: false,
            day_offset: 62,
            local_start: at(19, 0),
            duration_minutes: 240,
            currency: "USD",
            max_tickets_per_order: 8,
            sales_open_days_before: None,
            tiers: tiers(&[
                ("Ringside standing", 6000),
                ("Mezzanine", 9500),
                ("Balcony", 4500),
            ]),
            section_tiers: assign(&v, MUSIC_HALL, |name| match name {
                "Floor" => 0,
                "Mezzanine" => 1,
                _ => 2,
            }),
            sold_per_mille: 350,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: MUSIC_HALL,
            title: "Copperline Revival: Spring Tour",
            slug: "copperline-revival-spring-tour",
            summary: "Five-part harmonies and a banjo that could wake the dead.",
            description: "Copperline Revival bring their foot-stomping Appalachian string \
                band sound to Manhattan for the first time in three years.\n\n\
                Expect songs from their new record alongside the old barn-dance favourites.",
            category: Category::Concert,
            status: EventStatus::Cancelled,
            featured: false,
            day_offset: 23,
            local_start: at(20, 0),
            duration_minutes: 150,
            currency: "USD",
            max_tickets_per_order: 6,
            sales_open_days_before: None,
            tiers: tiers(&[
                ("General admission", 3500),
                ("Mezzanine", 5500),
                ("Balcony", 3000),
            ]),
            section_tiers: assign(&v, MUSIC_HALL, |name| match name {
                "Floor" => 0,
                "Mezzanine" => 1,
                _ => 2,
            }),
            sold_per_mille: 300,
            cancellation_reason: Some(
                "The band has cancelled the rest of the tour because of illness. Every ticket \
                 holder will be refunded in full to the original payment method.",
            ),
        },
        EventPlan {
            venue_slug: MUSIC_HALL,
            title: "Hollow Pines: Winter Homecoming",
            slug: "hollow-pines-winter-homecoming",
            summary: "The Brooklyn folk-rock band close the year where they started.",
            description: "Hollow Pines played their first show at the Marlowe ten years ago \
                to forty people. This winter they come home for a night of old songs, new \
                songs and a few surprises.\n\n\
                Line-up and set times to be announced.",
            category: Category::Concert,
            status: EventStatus::Draft,
            featured: false,
            day_offset: 170,
            local_start: at(20, 0),
            duration_minutes: 180,
            currency: "USD",
            max_tickets_per_order: 6,
            sales_open_days_before: Some(90),
            tiers: tiers(&[
                ("General admission", 4000),
                ("Mezzanine", 6000),
                ("Balcony", 3500),
            ]),
            section_tiers: assign(&v, MUSIC_HALL, |name| match name {
                "Floor" => 0,
                "Mezzanine" => 1,
                _ => 2,
            }),
            sold_per_mille: 0,
            cancellation_reason: None,
        },
        // ----- Cowgate Studio, Edinburgh -----
        EventPlan {
            venue_slug: STUDIO,
            title: "Fergus Lamont: Half a Haggis",
            slug: "fergus-lamont-half-a-haggis",
            summary: "Stand-up about being half Glaswegian, half Aberdonian and fully confused.",
            description: "Fergus Lamont's parents come from opposite ends of Scotland and have \
                never agreed on anything, least of all him.\n\n\
                A fast, silly and surprisingly tender hour from one of the Fringe's \
                most-talked-about comics. Ages 14+.",
            category: Category::Comedy,
            status: EventStatus::Published,
            featured: false,
            day_offset: 6,
            local_start: at(20, 0),
            duration_minutes: 90,
            currency: "GBP",
            max_tickets_per_order: 6,
            sales_open_days_before: None,
            tiers: tiers(&[("Standard", 1600)]),
            section_tiers: assign(&v, STUDIO, |_| 0),
            sold_per_mille: 560,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: STUDIO,
            title: "Two Rooms, One Kettle",
            slug: "two-rooms-one-kettle",
            summary: "Two strangers, one shared flat and a very long winter.",
            description: "Ailsa is a night-shift nurse; Tomasz is a student who never seems \
                to leave the kitchen. They have agreed on exactly one thing: the kettle is \
                shared.\n\n\
                A funny, tender two-hander about loneliness and toast, performed an \
                arm's length from the front row.",
            category: Category::Theatre,
            status: EventStatus::Published,
            featured: false,
            day_offset: 31,
            local_start: at(19, 30),
            duration_minutes: 100,
            currency: "GBP",
            max_tickets_per_order: 4,
            sales_open_days_before: None,
            tiers: tiers(&[("Standard", 1800)]),
            section_tiers: assign(&v, STUDIO, |_| 0),
            sold_per_mille: 190,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: STUDIO,
            title: "Make It Up As We Go: Improv Night",
            slug: "make-it-up-as-we-go-improv",
            summary: "You shout the suggestions; they make a show out of them.",
            description: "The Cowgate's resident improv troupe build an entire evening from \
                audience suggestions: a musical, a murder mystery and a nature \
                documentary.\n\n\
                No two shows are ever the same, and that is rather the point.",
            category: Category::Comedy,
            status: EventStatus::Completed,
            featured: false,
            day_offset: -7,
            local_start: at(20, 0),
            duration_minutes: 90,
            currency: "GBP",
            max_tickets_per_order: 6,
            sales_open_days_before: None,
            tiers: tiers(&[("Standard", 1200)]),
            section_tiers: assign(&v, STUDIO, |_| 0),
            sold_per_mille: 910,
            cancellation_reason: None,
        },
        // ----- Tagus Congress Centre, Lisbon -----
        EventPlan {
            venue_slug: CONGRESS,
            title: "Atlantic Data Summit",
            slug: "atlantic-data-summit",
            summary: "A day of talks on data engineering, analytics and machine learning \
                in production.",
            description: "Twenty-four speakers from Lisbon, Porto, Madrid and beyond share \
                what actually worked (and what didn't) when they took data platforms to \
                production.\n\n\
                The auditorium hosts the main track; the Expo Hall has sponsor stands, \
                hallway-track tables and lunch.\n\n\
                Talks are in English. Lunch and coffee are included with every pass.",
            category: Category::Conference,
            status: EventStatus::Published,
            featured: false,
            day_offset: 48,
            local_start: at(9, 0),
            duration_minutes: 540,
            currency: "EUR",
            max_tickets_per_order: 10,
            sales_open_days_before: None,
            tiers: tiers(&[("Conference pass", 34900), ("Expo pass", 4900)]),
            section_tiers: assign(&v, CONGRESS, |name| usize::from(name == "Expo Hall")),
            sold_per_mille: 380,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: CONGRESS,
            title: "Product Leadership Forum Lisboa",
            slug: "product-leadership-forum-lisboa",
            summary: "Roadmaps, research and saying no: a day for product managers and \
                their managers.",
            description: "The Product Leadership Forum brings together heads of product from \
                across southern Europe for a day of keynotes, case studies and candid \
                panel discussions.\n\n\
                Early-bird passes go on sale sixty days before the event.",
            category: Category::Conference,
            status: EventStatus::Published,
            featured: false,
            day_offset: 96,
            local_start: at(9, 0),
            duration_minutes: 480,
            currency: "EUR",
            max_tickets_per_order: 10,
            sales_open_days_before: Some(60),
            tiers: tiers(&[
                ("Reserved auditorium seat", 29900),
                ("Expo and networking", 7900),
            ]),
            section_tiers: assign(&v, CONGRESS, |name| usize::from(name == "Expo Hall")),
            sold_per_mille: 0,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: CONGRESS,
            title: "Little Scientists Day",
            slug: "little-scientists-day",
            summary: "Volcanoes, robots and slime: a hands-on science fair for curious kids.",
            description: "Forty interactive stands fill the Expo Hall, run by researchers \
                from Lisbon's universities and science museums.\n\n\
                In the auditorium, the Exploding Lab Show runs every hour on the hour. Best \
                for ages five to twelve; every child must come with an adult.",
            category: Category::Family,
            status: EventStatus::Published,
            featured: false,
            day_offset: 67,
            local_start: at(10, 0),
            duration_minutes: 360,
            currency: "EUR",
            max_tickets_per_order: 8,
            sales_open_days_before: None,
            tiers: tiers(&[("Show and fair", 1500), ("Fair only", 900)]),
            section_tiers: assign(&v, CONGRESS, |name| usize::from(name == "Expo Hall")),
            sold_per_mille: 120,
            cancellation_reason: None,
        },
        // ----- More of the season, so the catalogue fills a 20-event page -----
        EventPlan {
            venue_slug: MUSIC_HALL,
            title: "The Brass Menagerie: New Orleans Nights",
            slug: "brass-menagerie-new-orleans-nights",
            summary: "A nine-piece brass band turns the Floor into Frenchmen Street.",
            description: "The Brass Menagerie have played second lines, funerals and every \
                festival stage between Memphis and the Gulf.\n\n\
                Expect sousaphone solos, a dance floor that never empties and a horn section \
                that marches through the crowd at least once. Standing Floor, seated \
                Mezzanine and Balcony.",
            category: Category::Concert,
            status: EventStatus::Published,
            featured: false,
            day_offset: 82,
            local_start: at(20, 30),
            duration_minutes: 150,
            currency: "USD",
            max_tickets_per_order: 8,
            sales_open_days_before: None,
            tiers: tiers(&[
                ("Mezzanine", 6900),
                ("Balcony", 4900),
                ("Floor standing", 3900),
            ]),
            section_tiers: assign(&v, MUSIC_HALL, |name| match name {
                "Mezzanine" => 0,
                "Balcony" => 1,
                _ => 2,
            }),
            sold_per_mille: 310,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: ARENA,
            title: "London Lions v Bristol Comets: Netball Super League",
            slug: "london-lions-v-bristol-comets",
            summary: "The title race comes to the river: first against second.",
            description: "Two points separate the top two with three rounds left. The Lions \
                have not lost at home all season; the Comets beat them twice last year.\n\n\
                Doors open ninety minutes before the first centre pass. Family tickets in the \
                upper tier.",
            category: Category::Sports,
            status: EventStatus::Published,
            featured: false,
            day_offset: 23,
            local_start: at(18, 0),
            duration_minutes: 120,
            currency: "GBP",
            max_tickets_per_order: 8,
            sales_open_days_before: None,
            tiers: tiers(&[
                ("Courtside", 5500),
                ("Lower bowl", 3200),
                ("Upper tier", 1800),
            ]),
            section_tiers: assign(&v, ARENA, arena_three_tiers),
            sold_per_mille: 270,
            cancellation_reason: None,
        },
        EventPlan {
            venue_slug: THEATRE,
            title: "An Evening with Dr Ines Okoro: The Sky at Night",
            slug: "ines-okoro-sky-at-night",
            summary: "An astronomer's tour of the winter sky, with live telescope pictures.",
            description: "Dr Ines Okoro has spent twenty years photographing galaxies from \
                a hilltop in La Palma. Tonight she brings the pictures, the stories behind \
                them and a live link to the telescope.\n\n\
                Questions from the audience in the second half. Suitable for ages ten and up.",
            category: Category::Conference,
            status: EventStatus::Published,
            featured: false,
            day_offset: 101,
            local_start: at(19, 0),
            duration_minutes: 120,
            currency: "GBP",
            max_tickets_per_order: 6,
            sales_open_days_before: None,
            tiers: tiers(&[
                ("Stalls and circle", 2800),
                ("Upper circle and boxes", 1800),
            ]),
            section_tiers: assign(&v, THEATRE, |name| {
                usize::from(name == "Upper Circle" || name.starts_with("Box"))
            }),
            sold_per_mille: 180,
            cancellation_reason: None,
        },
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    fn venue(slug: &str) -> VenuePlan {
        venues()
            .into_iter()
            .find(|v| v.slug == slug)
            .expect("venue exists")
    }

    fn seat_count(v: &VenuePlan) -> usize {
        v.sections.iter().map(|s| s.seats.len()).sum()
    }

    fn is_seated(s: &SectionPlan) -> bool {
        s.kind == SectionKind::Seated
    }

    #[test]
    fn row_labels_skip_i_and_o() {
        let labels: Vec<String> = (0..26).map(row_label).collect();
        assert_eq!(labels[0], "A");
        assert_eq!(labels[8], "J");
        assert_eq!(labels[19], "V");
        assert_eq!(labels[24], "AA");
        assert!(!labels.iter().any(|l| l.contains('I') || l.contains('O')));
        assert_eq!(row_number(0), "1");
    }

    #[test]
    fn arena_has_about_twenty_thousand_seats() {
        let arena = venue(ARENA);
        let seats = seat_count(&arena);
        assert!((19_500..=20_500).contains(&seats), "{seats}");
        assert!(arena.sections.len() >= 10);
        assert!(arena.sections.iter().all(is_seated));
        assert!(
            arena
                .sections
                .iter()
                .flat_map(|s| &s.seats)
                .any(|s| s.accessible)
        );
    }

    #[test]
    fn theatre_has_stalls_circles_and_boxes() {
        let theatre = venue(THEATRE);
        let seats = seat_count(&theatre);
        assert!((850..=950).contains(&seats), "{seats}");
        let names: Vec<&str> = theatre.sections.iter().map(|s| s.name.as_str()).collect();
        for expected in ["Stalls", "Dress Circle", "Upper Circle"] {
            assert!(names.contains(&expected), "{expected} missing");
        }
        assert!(names.iter().any(|n| n.starts_with("Box")));
        let stalls = &theatre.sections[0];
        assert!((500..=600).contains(&stalls.seats.len()));
        let stalls_rows: HashSet<&str> =
            stalls.seats.iter().map(|s| s.row_label.as_str()).collect();
        assert!(stalls_rows.contains("A") && stalls_rows.contains("V"));
        let accessible = theatre
            .sections
            .iter()
            .flat_map(|s| &s.seats)
            .filter(|s| s.accessible)
            .count();
        assert!((8..=12).contains(&accessible), "{accessible}");
    }

    #[test]
    fn venue_kinds() {
        let all = venues();
        assert!(all.len() >= 6);
        assert!(all.iter().any(|v| v.sections.iter().all(|s| !is_seated(s))));
        assert!(all.iter().any(|v| {
            v.sections.iter().any(is_seated) && v.sections.iter().any(|s| !is_seated(s))
        }));
        let studio = venue(STUDIO);
        assert!(studio.sections.iter().all(is_seated));
        assert!((1..100).contains(&seat_count(&studio)));
        let hall = venue(MUSIC_HALL);
        assert!((600..=1200).contains(&seat_count(&hall)));
        let countries: HashSet<&str> = all.iter().map(|v| v.country).collect();
        assert!(countries.len() >= 2);
    }

    #[test]
    fn venue_slugs_and_section_names_are_unique() {
        let all = venues();
        let slugs: HashSet<&str> = all.iter().map(|v| v.slug).collect();
        assert_eq!(slugs.len(), all.len());
        for v in &all {
            let names: HashSet<&str> = v.sections.iter().map(|s| s.name.as_str()).collect();
            assert_eq!(names.len(), v.sections.len(), "{}", v.slug);
        }
    }

    #[test]
    fn sections_are_well_formed() {
        for v in venues() {
            for s in &v.sections {
                let r = s.map;
                assert!(r.width > 0 && r.height > 0, "{} {}", v.slug, s.name);
                match s.kind {
                    SectionKind::Standing => {
                        assert!(matches!(s.capacity, Some(c) if c > 0), "{}", s.name);
                        assert!(s.seats.is_empty(), "{}", s.name);
                    }
                    SectionKind::Seated => {
                        assert_eq!(s.capacity, None, "{}", s.name);
                        assert!(!s.seats.is_empty(), "{}", s.name);
                    }
                }
                let mut seen = HashSet::new();
                let mut positions = HashSet::new();
                for seat in &s.seats {
                    assert!(seat.number >= 1);
                    assert!(seat.row_index >= 0);
                    assert!(
                        seen.insert((seat.row_label.clone(), seat.number)),
                        "duplicate seat {} {}{} in {}",
                        v.slug,
                        seat.row_label,
                        seat.number,
                        s.name
                    );
                    assert!(positions.insert((seat.x, seat.y)), "overlapping seats");
                    assert!(
                        seat.x >= r.x
                            && seat.x <= r.x + r.width
                            && seat.y >= r.y
                            && seat.y <= r.y + r.height,
                        "seat {}{} outside {} in {}",
                        seat.row_label,
                        seat.number,
                        s.name,
                        v.slug
                    );
                }
                // Numbers start at 1 and run without gaps within each row; a row's label goes
                // with exactly one row index.
                let mut rows: HashMap<&str, (i32, Vec<i32>)> = HashMap::new();
                for seat in &s.seats {
                    let entry = rows
                        .entry(seat.row_label.as_str())
                        .or_insert((seat.row_index, Vec::new()));
                    assert_eq!(entry.0, seat.row_index);
                    entry.1.push(seat.number);
                }
                for (_, mut numbers) in rows.into_values() {
                    numbers.sort_unstable();
                    assert!(numbers.iter().copied().eq(1..=numbers.len() as i32));
                }
            }
        }
    }

    #[test]
    fn section_rectangles_do_not_overlap() {
        for v in venues() {
            for (i, a) in v.sections.iter().enumerate() {
                for b in &v.sections[i + 1..] {
                    let (p, q) = (a.map, b.map);
                    let apart = p.x + p.width <= q.x
                        || q.x + q.width <= p.x
                        || p.y + p.height <= q.y
                        || q.y + q.height <= p.y;
                    assert!(apart, "{}: {} overlaps {}", v.slug, a.name, b.name);
                }
            }
        }
    }

    #[test]
    fn rows_further_from_the_stage_are_lower_on_the_map() {
        for v in venues() {
            for s in &v.sections {
                // Seats that share an x coordinate, ordered by row: y must grow with the row.
                let mut by_x: HashMap<i32, Vec<(i32, i32)>> = HashMap::new();
                for seat in &s.seats {
                    by_x.entry(seat.x)
                        .or_default()
                        .push((seat.row_index, seat.y));
                }
                for mut column in by_x.into_values() {
                    column.sort_unstable();
                    assert!(column.windows(2).all(|w| w[0].1 < w[1].1), "{}", s.name);
                }
            }
        }
    }

    #[test]
    fn catalogue_spread() {
        let all_events = events();
        let all_venues = venues();
        assert!(all_events.len() >= 20);
        let used: HashSet<&str> = all_events.iter().map(|e| e.venue_slug).collect();
        assert!(used.len() >= 5);
        let cities: HashSet<&str> = all_venues
            .iter()
            .filter(|v| used.contains(v.slug))
            .map(|v| v.city)
            .collect();
        assert!(cities.len() >= 4);
        for category in Category::ALL {
            let n = all_events
                .iter()
                .filter(|e| e.category == *category)
                .count();
            assert!(n >= 2, "{category:?} appears {n} times");
        }
    }

    #[test]
    fn statuses_and_dates() {
        let all = events();
        let with = |status: EventStatus| all.iter().filter(move |e| e.status == status);
        assert_eq!(with(EventStatus::Draft).count(), 1);
        assert_eq!(with(EventStatus::Cancelled).count(), 1);
        assert!(with(EventStatus::Completed).count() >= 3);
        for e in &all {
            assert!((-40..=180).contains(&e.day_offset), "{}", e.slug);
            assert!((90..=600).contains(&e.duration_minutes), "{}", e.slug);
            assert!((4..=10).contains(&e.max_tickets_per_order), "{}", e.slug);
            assert!(e.sold_per_mille <= 1000, "{}", e.slug);
            assert!(!e.description.is_empty() && !e.summary.is_empty());
            match e.status {
                EventStatus::Completed => {
                    assert!(e.day_offset < 0, "{}", e.slug);
                    assert!(e.sold_per_mille >= 900, "{}", e.slug);
                }
                EventStatus::Cancelled => {
                    assert!(e.day_offset > 0);
                    assert!(e.cancellation_reason.is_some());
                }
                EventStatus::Draft => {
                    assert!(e.day_offset > 0);
                    assert_eq!(e.sold_per_mille, 0);
                }
                EventStatus::Published => assert!(e.day_offset > 0, "{}", e.slug),
            }
            if e.status != EventStatus::Cancelled {
                assert!(e.cancellation_reason.is_none(), "{}", e.slug);
            }
            if let Some(n) = e.sales_open_days_before {
                assert!(n > 0 && n < e.day_offset, "{}", e.slug);
            }
            if e.featured {
                assert_eq!(e.status, EventStatus::Published, "{}", e.slug);
            }
        }
        let featured = all.iter().filter(|e| e.featured).count();
        assert!((4..=6).contains(&featured));
        let published = || with(EventStatus::Published);
        assert!(published().any(|e| e.sold_per_mille == 1000));
        assert!(published().any(|e| (950..=985).contains(&e.sold_per_mille)));
        assert!(published().any(|e| {
            e.sales_open_days_before
                .is_some_and(|n| e.day_offset - n > 0)
        }));
    }

    #[test]
    fn slugs_titles_and_currencies() {
        let all = events();
        let vs = venues();
        let slugs: HashSet<&str> = all.iter().map(|e| e.slug).collect();
        assert_eq!(slugs.len(), all.len());
        let titles: HashSet<&str> = all.iter().map(|e| e.title).collect();
        assert_eq!(titles.len(), all.len());
        for e in &all {
            assert!(
                e.slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                e.slug
            );
            assert!(!e.slug.starts_with('-') && !e.slug.ends_with('-') && !e.slug.contains("--"));
            let v = vs
                .iter()
                .find(|v| v.slug == e.venue_slug)
                .expect("event venue exists");
            let expected = match v.country {
                "GB" => "GBP",
                "US" => "USD",
                _ => "EUR",
            };
            assert_eq!(e.currency, expected, "{}", e.slug);
        }
        // Searchable details the demo relies on.
        assert!(all.iter().any(|e| {
            e.description.to_lowercase().contains("jazz")
                && !e.title.to_lowercase().contains("jazz")
        }));
        assert!(
            all.iter()
                .any(|e| e.venue_slug == STUDIO && e.category == Category::Comedy)
        );
    }

    #[test]
    fn every_section_is_priced_once() {
        let vs = venues();
        for e in events() {
            let v = vs.iter().find(|v| v.slug == e.venue_slug).expect("venue");
            assert!(
                (2..=4).contains(&e.tiers.len()) || v.slug == STUDIO,
                "{}",
                e.slug
            );
            assert!(!e.tiers.is_empty());
            assert!(e.tiers.iter().all(|t| t.price_cents > 0));
            let mapped: Vec<&str> = e.section_tiers.iter().map(|(n, _)| n.as_str()).collect();
            let unique: HashSet<&str> = mapped.iter().copied().collect();
            assert_eq!(unique.len(), mapped.len(), "{}", e.slug);
            assert_eq!(mapped.len(), v.sections.len(), "{}", e.slug);
            for s in &v.sections {
                assert!(unique.contains(s.name.as_str()), "{} {}", e.slug, s.name);
            }
            for (_, tier) in &e.section_tiers {
                assert!(*tier < e.tiers.len(), "{}", e.slug);
            }
            // Every tier is used by some section.
            for i in 0..e.tiers.len() {
                assert!(
                    e.section_tiers.iter().any(|(_, t)| *t == i),
                    "{} tier {i}",
                    e.slug
                );
            }
        }
    }

    #[test]
    fn deterministic() {
        assert_eq!(format!("{:?}", venues()), format!("{:?}", venues()));
        assert_eq!(format!("{:?}", events()), format!("{:?}", events()));
    }
}
