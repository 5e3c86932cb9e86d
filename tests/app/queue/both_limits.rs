//! B3 (WAITING_ROOM.md §4): with both limits set, the tighter one rules. R = 600 a minute
//! would call ten a second, but M = 20 buyers who each take 60 s (they claim as soon as they
//! are called and finish exactly 60 s later) free 20 slots a minute: calls settle at 20 a
//! minute ± 10%.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDateTime, TimeDelta};

use boxoffice::domain::ids::QueueTicketId;
use boxoffice::services::queue::{self, Claim};

use super::{calls, join_many, occupied, open_room, room, settings, tick, ticket};
use crate::helpers::spawn_app;

const MINUTES: i64 = 11;

#[actix_web::test]
async fn a_rate_of_600_and_a_cap_of_20_with_60_second_buyers_call_20_a_minute() {
    let app = spawn_app().await;
    let started = std::time::Instant::now();
    let event = open_room(&app, &settings(Some(600), Some(20)));
    // More than eleven minutes' worth at 20 a minute.
    let ids = join_many(&app, event, 300);
    let by_seq: HashMap<i64, QueueTicketId> = ids
        .iter()
        .map(|id| (ticket(&app, *id).seq.unwrap(), *id))
        .collect();
    let t0 = app.clock.now();
    let mut finishing: BTreeMap<NaiveDateTime, Vec<QueueTicketId>> = BTreeMap::new();
    let mut cursor = 0;
    for _ in 0..MINUTES * 60 {
        app.clock.advance(TimeDelta::seconds(1));
        let now = app.clock.now();
        for id in finishing.remove(&now).unwrap_or_default() {
            assert!(queue::finish(&app.db, id, now).unwrap(), "a running turn");
        }
        let called = tick(&app, event).called;
        assert!(called <= 10, "{called} in one tick: more than R allows");
        let r = room(&app, event);
        assert!(
            r.stats_active + r.stats_called_unclaimed <= 20,
            "over the cap: {r:?}"
        );
        // Everyone called claims at once, and is done a minute later.
        for seq in cursor + 1..=r.cursor {
            let id = by_seq[&seq];
            let claim = queue::claim(&app.db, id, now).unwrap();
            assert!(
                matches!(claim, Claim::Admitted { late: false, .. }),
                "{claim:?}"
            );
            finishing
                .entry(now + TimeDelta::seconds(60))
                .or_default()
                .push(id);
        }
        cursor = r.cursor;
    }
    assert_eq!(occupied(&app, event), 20, "every slot is taken at the end");

    // Calls per minute, from the log.
    let log = calls(&app, event);
    let per_minute: Vec<i64> = (0..MINUTES)
        .map(|m| {
            let (from, to) = (t0 + TimeDelta::minutes(m), t0 + TimeDelta::minutes(m + 1));
            log.iter()
                .filter(|c| from < c.2 && c.2 <= to)
                .map(|c| c.1 - c.0 + 1)
                .sum()
        })
        .collect();
    let settled: i64 = per_minute[3..10].iter().sum();
    eprintln!(
        "B3: calls per minute {per_minute:?}, minutes 3-10: {settled} ({:.1}/min), {:.1} s",
        settled as f64 / 7.0,
        started.elapsed().as_secs_f64()
    );
    // The first minute fills the cap at the rate's pace (10 a second, two ticks), then only
    // finished turns make room.
    assert_eq!(per_minute[0], 20);
    assert_eq!(log[0].1 - log[0].0 + 1, 10, "the rate rules the first tick");
    for (m, n) in per_minute.iter().enumerate().take(10).skip(3) {
        assert!((18..=22).contains(n), "{n} calls in minute {m}");
    }
    assert!((126..=154).contains(&settled), "{settled} in 7 minutes");
    assert_eq!(room(&app, event).cursor, per_minute.iter().sum::<i64>());
}
