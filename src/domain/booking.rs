//! Bookings: their state machine, and choosing the best available seats.

use std::collections::BTreeMap;

use super::text_enum;

text_enum! {
    /// ARCHITECTURE §3: `pending` → `paid` | `expired` | `cancelled`; `paid` → `refunded`; and
    /// the late payment §3 also describes: a payment that succeeds after the hold ran out
    /// re-claims the same seats if they are still free, `expired` → `paid`.
    pub enum BookingStatus {
        Pending => "pending",
        Paid => "paid",
        Expired => "expired",
        Cancelled => "cancelled",
        Refunded => "refunded",
    }
}

impl BookingStatus {
    /// Whether a booking in this state may move to `next`. The SQL that moves it is guarded
    /// on the same `from` state (`UPDATE … WHERE status = <from>`).
    pub fn can_become(self, next: BookingStatus) -> bool {
        use BookingStatus::*;
        matches!(
            (self, next),
            (Pending, Paid)
                | (Pending, Expired)
                | (Pending, Cancelled)
                | (Paid, Refunded)
                | (Expired, Paid)
        )
    }

    /// Holds seats or places (pending) or owns them (paid).
    pub fn is_live(self) -> bool {
        matches!(self, BookingStatus::Pending | BookingStatus::Paid)
    }

    /// A hold, live or run out: it never became a sale.
    pub fn is_hold(self) -> bool {
        matches!(self, BookingStatus::Pending | BookingStatus::Expired)
    }

    /// The status as buyers read it.
    pub fn label(self) -> &'static str {
        match self {
            BookingStatus::Pending => "Awaiting payment",
            BookingStatus::Paid => "Paid",
            BookingStatus::Expired => "Expired",
            BookingStatus::Cancelled => "Cancelled",
            BookingStatus::Refunded => "Refunded",
        }
    }

    /// The buyer's badge for it (`badge-<class>`), in the colours of the event badges.
    pub fn css_class(self) -> &'static str {
        match self {
            BookingStatus::Pending => "not-yet-on-sale",
            BookingStatus::Paid => "on-sale",
            BookingStatus::Expired => "past",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::Refunded => "sales-ended",
        }
    }
}

/// A seat as best-available sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub seat_id: i64,
    /// Sections nearer the stage come first (their map position).
    pub section_rank: i32,
    pub section_id: i64,
    /// 0 is the row nearest the stage.
    pub row_index: i32,
    pub number: i32,
    pub free: bool,
}

/// How much a seat off the row's centre costs against a row further back: two seats aside
/// weigh about as much as one row back.
const OFF_CENTRE_WEIGHT: f64 = 0.5;

/// Chooses `quantity` seats among `candidates` (every seat of the sections in scope, free or
/// not, so that neighbours are known):
/// 1. adjacent seats in one row when any row has enough of them, nearest the stage (front
///    sections, front rows) and the row's centre;
/// 2. among those, never leaving a single free seat stranded between the block and a taken seat
///    or the row's end, unless every possible block would;
/// 3. otherwise, the best blocks of one section row by row (the party sits in consecutive rows).
///
/// All or nothing: `None` when fewer than `quantity` seats are free.
pub fn best_available(candidates: &[Candidate], quantity: usize) -> Option<Vec<i64>> {
    if quantity == 0 || candidates.iter().filter(|c| c.free).count() < quantity {
        return None;
    }
    let rows = rows_of(candidates);
    let mut best: Option<(bool, f64, Vec<i64>)> = None;
    for row in rows.values() {
        for (start, end) in free_runs(row) {
            let run_len = end - start;
            if run_len < quantity {
                continue;
            }
            for offset in 0..=(run_len - quantity) {
                let (a, b) = (start + offset, start + offset + quantity);
                let strands = offset == 1 || run_len - offset - quantity == 1;
                let cost = block_cost(row, a, b);
                let better = match &best {
                    None => true,
                    Some((best_strands, best_cost, _)) => {
                        (strands, cost) < (*best_strands, *best_cost)
                    }
                };
                if better {
                    best = Some((strands, cost, row[a..b].iter().map(|c| c.seat_id).collect()));
                }
            }
        }
    }
    if let Some((_, _, ids)) = best {
        return Some(ids);
    }
    split_across_rows(&rows, quantity)
}

type RowKey = (i32, i64, i32);

/// Seats by (section rank, section, row), each row in seat-number order.
fn rows_of(candidates: &[Candidate]) -> BTreeMap<RowKey, Vec<Candidate>> {
    let mut rows: BTreeMap<RowKey, Vec<Candidate>> = BTreeMap::new();
    for c in candidates {
        rows.entry((c.section_rank, c.section_id, c.row_index))
            .or_default()
            .push(*c);
    }
    for row in rows.values_mut() {
        row.sort_by_key(|c| c.number);
    }
    rows
}

/// Maximal runs `[start, end)` of free seats with consecutive numbers.
fn free_runs(row: &[Candidate]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < row.len() {
        if !row[i].free {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < row.len() && row[i + 1].free && row[i + 1].number == row[i].number + 1 {
            i += 1;
        }
        runs.push((start, i + 1));
        i += 1;
    }
    runs
}

/// Lower is better: the section's rank, then rows back from the stage, then the block's
/// distance (in seats) from the row's centre.
fn block_cost(row: &[Candidate], a: usize, b: usize) -> f64 {
    let first = f64::from(row[0].number);
    let last = f64::from(row[row.len() - 1].number);
    let centre = (first + last) / 2.0;
    let mid = (f64::from(row[a].number) + f64::from(row[b - 1].number)) / 2.0;
    f64::from(row[a].section_rank) * 10_000.0
        + f64::from(row[a].row_index)
        + OFF_CENTRE_WEIGHT * (mid - centre).abs()
}

/// No row has room: the best section that has enough free seats, filled from its best rows,
/// largest central blocks first.
fn split_across_rows(rows: &BTreeMap<RowKey, Vec<Candidate>>, quantity: usize) -> Option<Vec<i64>> {
    let mut sections: BTreeMap<(i32, i64), Vec<&Vec<Candidate>>> = BTreeMap::new();
    for ((rank, section, _), row) in rows {
        sections.entry((*rank, *section)).or_default().push(row);
    }
    for section_rows in sections.values() {
        let free: usize = section_rows
            .iter()
            .map(|r| r.iter().filter(|c| c.free).count())
            .sum();
        if free < quantity {
            continue;
        }
        let mut chosen = Vec::with_capacity(quantity);
        for row in section_rows {
            let mut runs = free_runs(row);
            // Longest first, then the most central.
            runs.sort_by(|x, y| {
                (y.1 - y.0)
                    .cmp(&(x.1 - x.0))
                    .then(block_cost(row, x.0, x.1).total_cmp(&block_cost(row, y.0, y.1)))
            });
            for (start, end) in runs {
                let want = quantity - chosen.len();
                let take = want.min(end - start);
                // The central part of the run.
                let skip = (end - start - take) / 2;
                chosen.extend(
                    row[start + skip..start + skip + take]
                        .iter()
                        .map(|c| c.seat_id),
                );
                if chosen.len() == quantity {
                    return Some(chosen);
                }
            }
        }
    }
    // Free seats exist, but no section alone has enough: take the best ones anywhere.
    let mut all: Vec<&Candidate> = rows.values().flatten().filter(|c| c.free).collect();
    all.sort_by_key(|c| (c.section_rank, c.section_id, c.row_index, c.number));
    Some(all.iter().take(quantity).map(|c| c.seat_id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_allowed_booking_transition_and_no_other() {
        use BookingStatus::*;
        let allowed = [
            (Pending, Paid),
            (Pending, Expired),
            (Pending, Cancelled),
            (Paid, Refunded),
            (Expired, Paid),
        ];
        for from in BookingStatus::ALL {
            for to in BookingStatus::ALL {
                assert_eq!(
                    from.can_become(*to),
                    allowed.contains(&(*from, *to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn each_status_has_its_words_and_badge_and_reads_back() {
        let shown: Vec<_> = BookingStatus::ALL
            .iter()
            .map(|s| (s.as_str().parse(), s.label(), s.css_class(), s.is_hold()))
            .collect();
        use BookingStatus::*;
        assert_eq!(
            shown,
            [
                (Ok(Pending), "Awaiting payment", "not-yet-on-sale", true),
                (Ok(Paid), "Paid", "on-sale", false),
                (Ok(Expired), "Expired", "past", true),
                (Ok(Cancelled), "Cancelled", "cancelled", false),
                (Ok(Refunded), "Refunded", "sales-ended", false),
            ]
        );
    }

    fn row(section_rank: i32, row_index: i32, pattern: &str) -> Vec<Candidate> {
        pattern
            .chars()
            .enumerate()
            .map(|(i, ch)| Candidate {
                seat_id: i64::from(section_rank) * 100_000
                    + i64::from(row_index) * 1_000
                    + i as i64
                    + 1,
                section_rank,
                section_id: i64::from(section_rank),
                row_index,
                number: i as i32 + 1,
                free: ch == '.',
            })
            .collect()
    }

    fn numbers(ids: &[i64]) -> Vec<i64> {
        ids.iter().map(|id| id % 1_000).collect()
    }

    #[test]
    fn picks_the_centre_of_the_front_row() {
        let seats = row(0, 0, "..........");
        assert_eq!(numbers(&best_available(&seats, 2).unwrap()), vec![5, 6]);
    }

    #[test]
    fn moves_back_a_row_rather_than_splitting_the_party() {
        let mut seats = row(0, 0, ".x.x.x.x..");
        seats.extend(row(0, 1, ".........."));
        let got = best_available(&seats, 3).unwrap();
        assert!(got.iter().all(|id| id / 1_000 % 100 == 1), "{got:?}");
    }

    #[test]
    fn does_not_strand_a_single_seat_when_it_can_avoid_it() {
        // Free run of 5 between taken seats: taking 2 from the middle would strand singles;
        // taking 2 at an edge of the run leaves 3 together.
        let seats = row(0, 0, "xx.....xxx");
        let got = numbers(&best_available(&seats, 2).unwrap());
        assert!(got == vec![3, 4] || got == vec![6, 7], "{got:?}");
    }

    #[test]
    fn all_or_nothing() {
        let seats = row(0, 0, "x.x.x");
        assert_eq!(best_available(&seats, 3), None);
        assert_eq!(numbers(&best_available(&seats, 2).unwrap()).len(), 2);
    }

    fn layout() -> impl Strategy<Value = Vec<Candidate>> {
        // Up to 3 sections of up to 6 rows of up to 14 seats, each free or taken.
        prop::collection::vec(
            prop::collection::vec(prop::collection::vec(any::<bool>(), 1..14), 1..6),
            1..3,
        )
        .prop_map(|sections| {
            let mut out = Vec::new();
            for (s, rows) in sections.iter().enumerate() {
                for (r, seats) in rows.iter().enumerate() {
                    let pattern: String =
                        seats.iter().map(|f| if *f { '.' } else { 'x' }).collect();
                    out.extend(row(s as i32, r as i32, &pattern));
                }
            }
            out
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn best_available_properties(seats in layout(), quantity in 1usize..8) {
            let free: Vec<&Candidate> = seats.iter().filter(|c| c.free).collect();
            let got = best_available(&seats, quantity);
            // All or nothing.
            prop_assert_eq!(got.is_none(), free.len() < quantity);
            let Some(got) = got else { return Ok(()) };
            prop_assert_eq!(got.len(), quantity);
            let mut unique = got.clone();
            unique.sort_unstable();
            unique.dedup();
            prop_assert_eq!(unique.len(), quantity, "no seat twice");
            let chosen: Vec<&Candidate> =
                got.iter().map(|id| seats.iter().find(|c| c.seat_id == *id).unwrap()).collect();
            prop_assert!(chosen.iter().all(|c| c.free), "only free seats");

            // Adjacency: if some row has `quantity` adjacent free seats, the answer is such a block.
            let rows = rows_of(&seats);
            let blocks: Vec<(bool, Vec<i64>)> = rows
                .values()
                .flat_map(|row| {
                    free_runs(row).into_iter().flat_map(move |(s, e)| {
                        let len = e - s;
                        (0..=len.saturating_sub(quantity))
                            .filter(move |_| len >= quantity)
                            .map(move |o| {
                                let strands = o == 1 || len - o - quantity == 1;
                                (strands, row[s + o..s + o + quantity].iter().map(|c| c.seat_id).collect())
                            })
                    })
                })
                .collect();
            if !blocks.is_empty() {
                let mut sorted = got.clone();
                sorted.sort_unstable();
                let is_block = blocks.iter().any(|(_, ids)| {
                    let mut ids = ids.clone();
                    ids.sort_unstable();
                    ids == sorted
                });
                prop_assert!(is_block, "adjacent seats in one row: {:?}", got);
                // No stranded single seat when some block avoids it.
                if blocks.iter().any(|(strands, _)| !strands) {
                    let stranding = blocks.iter().any(|(strands, ids)| {
                        let mut ids = ids.clone();
                        ids.sort_unstable();
                        *strands && ids == sorted
                    });
                    prop_assert!(!stranding, "stranded a single seat: {:?}", got);
                }
            }
        }
    }
}
