//! F2 (WAITING_ROOM.md §4): with a constant rate and no no-shows, the wait range a page shows at
//! join contains the real wait for at least 90% of tickets; when the rate is halved mid-sale,
//! the ranges shown from a minute later reflect it. The ranges come from the server's own
//! snapshot and status (`services::queue::board`, `status`), read every second as the worker
//! ticks, the clock stepped a second at a time.

use chrono::{NaiveDateTime, TimeDelta};

use boxoffice::domain::ids::{EventId, QueueTicketId};
use boxoffice::services::queue::status::{self, Place};
use boxoffice::services::queue::{self, RoomSettings};

use super::{on_sale_events, tick, tickets_of};
use crate::helpers::TestApp;

/// A ticket, when it joined and the range it was shown then.
struct Shown {
    id: QueueTicketId,
    joined: NaiveDateTime,
    range: (i64, i64),
}

/// One simulated second: `joins` people join (each shown a range), the room ticks, the
/// snapshot is read again.
fn second(app: &TestApp, event: EventId, joins: usize, shown: &mut Vec<Shown>) {
    for _ in 0..joins {
        let now = app.clock.now();
        let t = queue::join(&app.db, event, None, now).unwrap().ticket;
        let room = app.queue.get(event);
        let place = Place::Waiting {
            ticket: t.id.0,
            seq: t.seq,
        };
        let s = status::status(room.as_deref(), place, now, 0.5);
        if let Some(range) = s.wait_seconds {
            shown.push(Shown {
                id: t.id,
                joined: now,
                range,
            });
        }
    }
    app.clock.advance(TimeDelta::seconds(1));
    tick(app, event);
    app.refresh_queue();
}

/// The share of `shown` whose real wait (join to call, from the call log) fell in its range,
/// allowing the tick's one second.
fn share_within(app: &TestApp, event: EventId, shown: &[Shown]) -> f64 {
    let tickets = tickets_of(app, event);
    let inside = shown
        .iter()
        .filter(|s| {
            let t = tickets.iter().find(|t| t.id == s.id).unwrap();
            let called = app
                .with_conn(|c| boxoffice::db::queue::tick::called_at(c, event, t.seq.unwrap()))
                .unwrap()
                .expect("called");
            let waited = (called - s.joined).num_seconds();
            s.range.0 - 1 <= waited && waited <= s.range.1 + 1
        })
        .count();
    inside as f64 / shown.len() as f64
}

fn open(app: &TestApp, rate: i32) -> (EventId, RoomSettings) {
    let event = on_sale_events(app)[0];
    let s = RoomSettings {
        rate_per_minute: Some(rate),
        require_account: false,
        ..queue::default_settings()
    };
    queue::configure(&app.db, event, &s, app.clock.now()).unwrap();
    app.refresh_queue();
    (event, s)
}

#[actix_web::test]
async fn at_a_constant_rate_the_range_shown_at_join_holds_the_real_wait() {
    let app = crate::helpers::spawn_app().await;
    let (event, _) = open(&app, 60);
    let mut shown = Vec::new();
    // Two joins a second for 150 s against one call a second: the line grows to ~150.
    for _ in 0..150 {
        second(&app, event, 2, &mut shown);
    }
    while {
        let r = super::room(&app, event);
        r.issued > r.cursor
    } {
        second(&app, event, 0, &mut shown);
    }
    assert!(shown.len() >= 250, "{}", shown.len());
    let share = share_within(&app, event, &shown);
    eprintln!(
        "F2: {:.1}% of {} ranges held the real wait",
        share * 100.0,
        shown.len()
    );
    assert!(share >= 0.9, "{share}");
}

#[actix_web::test]
async fn a_halved_rate_shows_in_the_ranges_within_a_minute() {
    let app = crate::helpers::spawn_app().await;
    let (event, mut s) = open(&app, 60);
    let mut before = Vec::new();
    for _ in 0..120 {
        second(&app, event, 2, &mut before);
    }
    s.rate_per_minute = Some(30);
    queue::configure(&app.db, event, &s, app.clock.now()).unwrap();
    app.refresh_queue();
    // A minute after the change, the ranges shown are for the new rate.
    let mut ignored = Vec::new();
    for _ in 0..60 {
        second(&app, event, 1, &mut ignored);
    }
    let mut after = Vec::new();
    for _ in 0..60 {
        second(&app, event, 1, &mut after);
    }
    while {
        let r = super::room(&app, event);
        r.issued > r.cursor
    } {
        second(&app, event, 0, &mut ignored);
    }
    let share = share_within(&app, event, &after);
    eprintln!(
        "F2 after halving: {:.1}% of {} ranges held the real wait",
        share * 100.0,
        after.len()
    );
    assert!(share >= 0.9, "{share}");
}
