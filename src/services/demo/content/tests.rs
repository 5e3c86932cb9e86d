//! The demo catalogue's own checks: layouts well formed, a believable spread of events.

use std::collections::{HashMap, HashSet};

use super::shapes::{row_label, row_number};
use super::*;
use crate::domain::venue::SectionKind;

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
    let stalls_rows: HashSet<&str> = stalls.seats.iter().map(|s| s.row_label.as_str()).collect();
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
    assert!(
        all.iter().any(|v| {
            v.sections.iter().any(is_seated) && v.sections.iter().any(|s| !is_seated(s))
        })
    );
    let studio = venue(STUDIO);
    assert!(studio.sections.iter().all(is_seated));
    assert!((1..100).contains(&seat_count(&studio)));
    let hall = venue(MUSIC_HALL);
    assert!((600..=1200).contains(&seat_count(&hall)));
    let countries: HashSet<&str> = all.iter().map(|v| v.country.as_str()).collect();
    assert!(countries.len() >= 2);
}

#[test]
fn venue_slugs_and_section_names_are_unique() {
    let all = venues();
    let slugs: HashSet<&str> = all.iter().map(|v| v.slug.as_str()).collect();
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
    let used: HashSet<&str> = all_events.iter().map(|e| e.venue_slug.as_str()).collect();
    assert!(used.len() >= 5);
    let cities: HashSet<&str> = all_venues
        .iter()
        .filter(|v| used.contains(v.slug.as_str()))
        .map(|v| v.city.as_str())
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
            EventStatus::Draft | EventStatus::Review | EventStatus::Approved => {
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
    let slugs: HashSet<&str> = all.iter().map(|e| e.slug.as_str()).collect();
    assert_eq!(slugs.len(), all.len());
    let titles: HashSet<&str> = all.iter().map(|e| e.title.as_str()).collect();
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
        let expected = match v.country.as_str() {
            "GB" => "GBP",
            "US" => "USD",
            _ => "EUR",
        };
        assert_eq!(e.currency, expected, "{}", e.slug);
    }
    // Searchable details the demo relies on.
    assert!(all.iter().any(|e| {
        e.description.to_lowercase().contains("jazz") && !e.title.to_lowercase().contains("jazz")
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
