//! Issue 20: the waiting room on both databases, with the test clock stepped by hand
//! (shared/WAITING_ROOM.md §4): its data and rules, the buyer's pages and JSON, the gate in
//! front of the map and the holds, and the box office's side (`admin`).

mod admin;
mod admission;
mod both_limits;
mod claims;
mod draw;
mod estimates;
mod fairness;
mod gate;
mod instances;
mod joins;
mod notices;
mod pages;
mod paid;
pub(crate) mod polls;
mod positions;
mod races;
mod reenabled;
mod restart;
mod sale;
mod tokens;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use boxoffice::db::queue::{RoomRow, TicketRow};
use boxoffice::db::schema::{events, queue_calls, queue_tickets};
use boxoffice::domain::ids::{EventId, QueueTicketId, UserId};
use boxoffice::domain::queue::{Phase, TicketState};
use boxoffice::services::queue::{self, RoomSettings, TickOutcome};

use crate::helpers::TestApp;

/// The demo's events on sale now (published, sale started or unset, not ended), oldest first.
fn on_sale_events(app: &TestApp) -> Vec<EventId> {
    let now = app.clock.now();
    app.with_conn(|c| {
        events::table
            .filter(events::status.eq("published"))
            .filter(events::starts_at.gt(now + TimeDelta::days(1)))
            .filter(
                events::sales_start_at
                    .is_null()
                    .or(events::sales_start_at.le(now)),
            )
            .filter(
                events::sales_end_at
                    .is_null()
                    .or(events::sales_end_at.gt(now)),
            )
            .order(events::id)
            .select(events::id)
            .load(c)
            .unwrap()
    })
}

/// Room settings with a rate and a cap, no account needed (tests join thousands of tickets).
fn settings(rate_per_minute: Option<i32>, max_active: Option<i32>) -> RoomSettings {
    RoomSettings {
        rate_per_minute,
        max_active,
        require_account: false,
        ..queue::default_settings()
    }
}

/// An event on sale with an open waiting room (its sale has started: no pre-queue, no draw).
fn open_room(app: &TestApp, settings: &RoomSettings) -> EventId {
    let event = on_sale_events(app)[0];
    let room = queue::configure(&app.db, event, settings, app.clock.now()).unwrap();
    assert_eq!(room.phase, Phase::Open);
    assert!(room.enabled);
    event
}

/// Moves the fixed clock forward to `at`.
fn set_clock(app: &TestApp, at: NaiveDateTime) {
    let now = app.clock.now();
    assert!(at >= now, "the test clock only moves forward");
    app.clock.advance(at - now);
}

fn join_many(app: &TestApp, event: EventId, n: usize) -> Vec<QueueTicketId> {
    (0..n)
        .map(|_| {
            let joined = queue::join(&app.db, event, None, app.clock.now()).unwrap();
            assert!(joined.new);
            joined.ticket.id
        })
        .collect()
}

fn tick(app: &TestApp, event: EventId) -> TickOutcome {
    let outcome = queue::tick_room(&app.db, event, app.clock.now()).unwrap();
    assert!(!outcome.skipped, "nobody else ticks this room");
    outcome
}

fn room(app: &TestApp, event: EventId) -> RoomRow {
    queue::room(&app.db, event).unwrap().expect("the room")
}

fn ticket(app: &TestApp, id: QueueTicketId) -> TicketRow {
    queue::ticket(&app.db, id).unwrap().expect("the ticket")
}

/// The room's call log, in order: `(from_seq, to_seq, called_at)`.
fn calls(app: &TestApp, event: EventId) -> Vec<(i64, i64, NaiveDateTime)> {
    app.with_conn(|c| {
        queue_calls::table
            .filter(queue_calls::event_id.eq(event))
            .order(queue_calls::id)
            .select((
                queue_calls::from_seq,
                queue_calls::to_seq,
                queue_calls::called_at,
            ))
            .load(c)
            .unwrap()
    })
}

fn tickets_of(app: &TestApp, event: EventId) -> Vec<TicketRow> {
    app.with_conn(|c| {
        queue_tickets::table
            .filter(queue_tickets::event_id.eq(event))
            .order(queue_tickets::id)
            .select(TicketRow::as_select())
            .load(c)
            .unwrap()
    })
}

/// Slots taken now, counted from the rows by the test itself: running turns, and waiting
/// tickets called less than the claim window ago (their call from the log).
fn occupied(app: &TestApp, event: EventId) -> i64 {
    let now = app.clock.now();
    let room = room(app, event);
    let window = TimeDelta::seconds(i64::from(room.claim_seconds));
    let calls = calls(app, event);
    tickets_of(app, event)
        .iter()
        .filter(|t| match t.state {
            TicketState::Active => t.active_until.unwrap() > now,
            TicketState::Waiting => t.seq.is_some_and(|s| {
                calls
                    .iter()
                    .find(|(from, to, _)| (*from..=*to).contains(&s))
                    .is_some_and(|(_, _, at)| *at > now - window)
            }),
            _ => false,
        })
        .count() as i64
}

fn buyers(app: &TestApp, prefix: &str, n: usize) -> Vec<UserId> {
    let people: Vec<_> = (0..n)
        .map(|i| (format!("Queue {i}"), format!("{prefix}{i}@example.com")))
        .collect();
    app.create_buyers(&people)
        .into_iter()
        .map(|account| account.id)
        .collect()
}

/// Starts the event's room afresh, as a pre-queue whose sale starts at `sale`: its tickets,
/// its call log and the room itself are deleted, and the room is configured anew through the
/// service (so one event serves many short runs).
fn fresh_prequeue(
    app: &TestApp,
    event: EventId,
    settings: &RoomSettings,
    sale: NaiveDateTime,
) -> RoomRow {
    use boxoffice::db::schema::waiting_rooms;
    app.with_conn(|c| {
        diesel::delete(queue_tickets::table.filter(queue_tickets::event_id.eq(event)))
            .execute(c)
            .unwrap();
        diesel::delete(queue_calls::table.filter(queue_calls::event_id.eq(event)))
            .execute(c)
            .unwrap();
        diesel::delete(waiting_rooms::table.find(event))
            .execute(c)
            .unwrap();
        diesel::update(events::table.find(event))
            .set(events::sales_start_at.eq(sale))
            .execute(c)
            .unwrap();
    });
    let room = queue::configure(&app.db, event, settings, app.clock.now()).unwrap();
    assert_eq!(room.phase, Phase::Prequeue);
    room
}

/// Counted from the rows: turns running at `now`, and waiting tickets with
/// `after < seq <= upto` (called and not claimed, when `after` is the cursor one claim window
/// ago).
fn counts(app: &TestApp, event: EventId, now: NaiveDateTime, after: i64, upto: i64) -> (i64, i64) {
    let mine = || queue_tickets::table.filter(queue_tickets::event_id.eq(event));
    app.with_conn(|c| {
        let active = mine()
            .filter(queue_tickets::state.eq(TicketState::Active))
            .filter(queue_tickets::active_until.gt(now))
            .count()
            .get_result(c)
            .unwrap();
        let unclaimed = mine()
            .filter(queue_tickets::state.eq(TicketState::Waiting))
            .filter(queue_tickets::seq.gt(after))
            .filter(queue_tickets::seq.le(upto))
            .count()
            .get_result(c)
            .unwrap();
        (active, unclaimed)
    })
}
