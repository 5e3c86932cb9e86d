//! The layout generator's checks: specs in, seats and rectangles out, errors per field.

use std::collections::BTreeSet;

use super::*;

fn seated_input(name: &str, rows: i64, per_row: i64) -> SectionInput {
    SectionInput {
        name: name.to_owned(),
        kind: "seated".to_owned(),
        rows: Some(rows),
        seats_per_row: Some(per_row),
        ..SectionInput::default()
    }
}

fn one(input: SectionInput) -> SectionLayout {
    plan(&[input], |_| None).expect("a valid layout").remove(0)
}

fn fields(e: Vec<FieldError>) -> Vec<&'static str> {
    e.into_iter().map(|e| e.field).collect()
}

#[test]
fn rows_are_lettered_then_doubled_or_numbered_from_the_first_label() {
    let l = RowLabels::parse("A").unwrap();
    let labels: Vec<String> = [0, 1, 25, 26, 27, 52].map(|i| l.label(i)).to_vec();
    assert_eq!(labels, ["A", "B", "Z", "AA", "BB", "AAA"]);
    assert_eq!(RowLabels::parse("c").unwrap().label(0), "C");
    assert_eq!(RowLabels::parse("BB").unwrap().label(1), "CC");
    assert_eq!(RowLabels::parse("1").unwrap().label(9), "10");
    assert_eq!(RowLabels::parse("5").unwrap().label(0), "5");
    assert!(RowLabels::parse("AB").is_err());
    assert!(RowLabels::parse("0").is_err());
    assert!(RowLabels::parse("A1").is_err());

    let s = one(SectionInput {
        first_row: Some("1".to_owned()),
        ..seated_input("Stalls", 3, 2)
    });
    let rows: BTreeSet<(i32, String)> = s
        .seats
        .iter()
        .map(|s| (s.row_index, s.row_label.clone()))
        .collect();
    assert_eq!(
        rows.into_iter().collect::<Vec<_>>(),
        [
            (0, "1".to_owned()),
            (1, "2".to_owned()),
            (2, "3".to_owned())
        ]
    );
}

#[test]
fn seats_are_numbered_in_either_direction() {
    let ltr = one(seated_input("A", 1, 5));
    let rtl = one(SectionInput {
        numbering: Some("right_to_left".to_owned()),
        ..seated_input("A", 1, 5)
    });
    let leftmost = |s: &SectionLayout| s.seats.iter().min_by_key(|s| s.x).unwrap().number;
    assert_eq!(leftmost(&ltr), 1);
    assert_eq!(leftmost(&rtl), 5);
    let numbers = |s: &SectionLayout| {
        let mut n: Vec<i32> = s.seats.iter().map(|s| s.number).collect();
        n.sort_unstable();
        n
    };
    assert_eq!(numbers(&ltr), [1, 2, 3, 4, 5]);
    assert_eq!(numbers(&rtl), [1, 2, 3, 4, 5]);
}

#[test]
fn straight_and_curved_rows_differ_and_stay_inside_the_rectangle() {
    let straight = one(SectionInput {
        x: Some(100),
        y: Some(50),
        ..seated_input("S", 6, 12)
    });
    let curved = one(SectionInput {
        x: Some(100),
        y: Some(50),
        shape: Some("curved".to_owned()),
        ..seated_input("S", 6, 12)
    });
    assert_ne!(
        straight
            .seats
            .iter()
            .map(|s| (s.x, s.y))
            .collect::<Vec<_>>(),
        curved.seats.iter().map(|s| (s.x, s.y)).collect::<Vec<_>>()
    );
    for s in [&straight, &curved] {
        assert_eq!((s.rect.x, s.rect.y), (100, 50));
        assert_eq!(s.seats.len(), 72);
        for seat in &s.seats {
            assert!(seat.x > s.rect.x && seat.x < s.rect.x + s.rect.width);
            assert!(seat.y > s.rect.y && seat.y < s.rect.bottom());
        }
        let positions: BTreeSet<(i32, i32)> = s.seats.iter().map(|s| (s.x, s.y)).collect();
        assert_eq!(positions.len(), 72, "no two seats on one spot");
    }
    // Straight: a row is level. Curved: its ends bend towards the stage (smaller y).
    let row_a = |s: &SectionLayout| {
        let mut r: Vec<(i32, i32)> = s
            .seats
            .iter()
            .filter(|s| s.row_index == 0)
            .map(|s| (s.x, s.y))
            .collect();
        r.sort_unstable();
        r
    };
    let flat = row_a(&straight);
    assert!(flat.iter().all(|p| p.1 == flat[0].1));
    let arc = row_a(&curved);
    let middle = arc[arc.len() / 2].1;
    assert!(arc[0].1 < middle && arc[arc.len() - 1].1 < middle);
    // Rows further back are further from the stage in both shapes.
    for s in [&straight, &curved] {
        let centre = |row: i32| {
            s.seats
                .iter()
                .filter(|x| x.row_index == row)
                .map(|x| x.y)
                .max()
                .unwrap()
        };
        assert!((1..6).all(|r| centre(r) > centre(r - 1)));
    }
}

#[test]
fn accessible_and_blocked_keys_mark_their_seats_and_unknown_keys_are_refused() {
    let s = one(SectionInput {
        accessible: vec!["a-1".to_owned(), "B-4".to_owned()],
        blocked: vec!["B-2".to_owned()],
        ..seated_input("Stalls", 2, 4)
    });
    let marked = |f: fn(&SeatLayout) -> bool| {
        s.seats
            .iter()
            .filter(|x| f(x))
            .map(SeatLayout::key)
            .collect::<Vec<_>>()
    };
    assert_eq!(marked(|x| x.accessible), ["A-1", "B-4"]);
    assert_eq!(marked(|x| x.blocked), ["B-2"]);
    let bad = plan(
        &[SectionInput {
            blocked: vec!["C-1".to_owned()],
            ..seated_input("Stalls", 2, 4)
        }],
        |_| None,
    )
    .unwrap_err();
    assert_eq!(fields(bad.clone()), ["blocked"]);
    assert!(bad[0].message.contains("C-1"));
}

#[test]
fn limits_have_clear_errors() {
    let e = plan(&[seated_input("Big", 201, 10)], |_| None).unwrap_err();
    assert_eq!(fields(e), ["rows"]);
    let e = plan(&[seated_input("Wide", 10, 201)], |_| None).unwrap_err();
    assert_eq!(fields(e), ["seats_per_row"]);
    let e = plan(&[seated_input("Zero", 0, 10)], |_| None).unwrap_err();
    assert_eq!(fields(e), ["rows"]);
    let e = plan(
        &[seated_input("One", 200, 100), seated_input("Two", 200, 100)],
        |_| None,
    )
    .unwrap_err();
    assert_eq!(fields(e.clone()), ["sections"]);
    assert!(e[0].message.contains("40000"));
    let e = plan(
        &[seated_input("Same", 1, 1), seated_input("same", 1, 1)],
        |_| None,
    )
    .unwrap_err();
    assert_eq!((e[0].section, e[0].field), (Some(1), "name"));
    let e = plan(
        &[SectionInput {
            first_row: Some("ZZZZZZZZZ".to_owned()),
            ..seated_input("Long", 30, 1)
        }],
        |_| None,
    )
    .unwrap_err();
    assert_eq!(fields(e), ["first_row"]);
    let e = plan(
        &[SectionInput {
            name: "Floor".to_owned(),
            kind: "standing".to_owned(),
            capacity: Some(0),
            ..SectionInput::default()
        }],
        |_| None,
    )
    .unwrap_err();
    assert_eq!(fields(e), ["capacity"]);
    assert_eq!(fields(plan(&[], |_| None).unwrap_err()), ["sections"]);
    let e = plan(
        &[SectionInput {
            kind: "keep".to_owned(),
            ..seated_input("New", 1, 1)
        }],
        |_| None,
    )
    .unwrap_err();
    assert_eq!(fields(e), ["kind"]);
}

#[test]
fn sections_without_a_position_go_below_the_previous_one_and_specs_round_trip() {
    let standing = SectionInput {
        name: "Floor".to_owned(),
        kind: "standing".to_owned(),
        capacity: Some(500),
        ..SectionInput::default()
    };
    let curved = SectionInput {
        shape: Some("curved".to_owned()),
        numbering: Some("right_to_left".to_owned()),
        first_row: Some("3".to_owned()),
        accessible: vec!["3-1".to_owned()],
        ..seated_input("Circle", 4, 9)
    };
    let layout = plan(&[standing, curved], |_| None).unwrap();
    assert_eq!(layout[0].rect.y, 0);
    assert_eq!(layout[1].rect.y, layout[0].rect.bottom() + AUTO_GAP);
    assert_eq!(layout[0].capacity(), 500);
    assert_eq!(layout[1].capacity(), 36);
    let again = plan(&[input_of(&layout[0]), input_of(&layout[1])], |_| None).unwrap();
    assert_eq!(again, layout);
}
