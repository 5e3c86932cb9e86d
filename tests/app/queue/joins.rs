//! A5 and the rules of joining: one ticket per account however many tabs join at once, an
//! account required when the room says so, and the database refusing wrong states itself.

use std::sync::Barrier;

use chrono::TimeDelta;
use diesel::prelude::*;

use boxoffice::db::DbError;
use boxoffice::db::schema::{events, queue_tickets};
use boxoffice::domain::ids::UserId;
use boxoffice::domain::queue::{Phase, TicketState};
use boxoffice::services::queue::{self, QueueError};

use super::{buyers, join_many, on_sale_events, open_room, settings, tick};
use crate::helpers::{TestApp, spawn_app};

/// Ten joins of one account at the same moment, each from its own thread and connection.
fn ten_tabs(app: &TestApp, event: boxoffice::domain::ids::EventId, user: UserId) {
    let barrier = Barrier::new(10);
    let now = app.clock.now();
    let joined: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let db = app.db.clone();
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    queue::join(&db, event, Some(user), now).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(joined.iter().filter(|j| j.new).count(), 1, "{joined:?}");
    let first = &joined[0].ticket;
    assert!(
        joined
            .iter()
            .all(|j| j.ticket.id == first.id && j.ticket.seq == first.seq)
    );
    let rows: i64 = app.with_conn(|c| {
        queue_tickets::table
            .filter(queue_tickets::event_id.eq(event))
            .filter(queue_tickets::user_id.eq(user))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(rows, 1);
}

#[actix_web::test]
async fn ten_concurrent_joins_of_one_account_make_one_ticket_before_and_after_the_draw() {
    let app = spawn_app().await;
    let events_on_sale = on_sale_events(&app);
    let (prequeue, open) = (events_on_sale[0], events_on_sale[1]);
    let now = app.clock.now();
    app.with_conn(|c| {
        diesel::update(events::table.find(prequeue))
            .set(events::sales_start_at.eq(now + TimeDelta::hours(1)))
            .execute(c)
            .unwrap()
    });
    let mut s = settings(Some(60), None);
    s.require_account = true;
    assert_eq!(
        queue::configure(&app.db, prequeue, &s, now).unwrap().phase,
        Phase::Prequeue
    );
    assert_eq!(
        queue::configure(&app.db, open, &s, now).unwrap().phase,
        Phase::Open
    );
    let people = buyers(&app, "tabs", 2);
    ten_tabs(&app, prequeue, people[0]);
    // In an open room someone else is ahead, so the account's number is 2 in every tab.
    queue::join(&app.db, open, Some(people[1]), now).unwrap();
    ten_tabs(&app, open, people[0]);
    let mine = queue::join(&app.db, open, Some(people[0]), now).unwrap();
    assert_eq!(mine.ticket.seq, Some(2));
    assert!(!mine.new);
}

#[actix_web::test]
async fn joining_needs_an_account_when_the_room_says_so_and_an_open_room() {
    let app = spawn_app().await;
    let mut s = settings(Some(60), None);
    s.require_account = true;
    let event = open_room(&app, &s);
    assert!(matches!(
        queue::join(&app.db, event, None, app.clock.now()),
        Err(QueueError::AccountRequired)
    ));
    let other = on_sale_events(&app)[1];
    assert!(matches!(
        queue::join(&app.db, other, None, app.clock.now()),
        Err(QueueError::NoRoom)
    ));
    s.enabled = false;
    let off = queue::configure(&app.db, event, &s, app.clock.now()).unwrap();
    assert_eq!(off.phase, Phase::Off);
    assert!(matches!(
        queue::join(&app.db, event, None, app.clock.now()),
        Err(QueueError::NotJoinable(Phase::Off))
    ));
    s.grace_minutes = 1;
    s.claim_seconds = 120;
    assert!(matches!(
        queue::configure(&app.db, event, &s, app.clock.now()),
        Err(QueueError::Invalid(_))
    ));
}

#[actix_web::test]
async fn a_sold_out_room_closes_itself_and_calls_nobody() {
    let app = spawn_app().await;
    let event = open_room(&app, &settings(Some(600), None));
    join_many(&app, event, 20);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(tick(&app, event).called, 10);
    app.with_conn(|c| {
        use boxoffice::db::schema::event_sections::dsl::*;
        diesel::update(event_sections.filter(event_id.eq(event)))
            .set((held.eq(0), blocked.eq(capacity - sold)))
            .execute(c)
            .unwrap()
    });
    app.clock.advance(TimeDelta::seconds(1));
    let closed = tick(&app, event);
    assert!(closed.closed);
    assert_eq!(closed.called, 0);
    assert_eq!(super::room(&app, event).phase, Phase::Closed);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(tick(&app, event), queue::TickOutcome::default());
    assert_eq!(super::room(&app, event).cursor, 10);
}

/// Runs one statement and says whether the database refused it.
fn refused(app: &TestApp, sql: &str) -> bool {
    app.db
        .write(|conn| diesel::sql_query(sql).execute(conn).map_err(DbError::Query))
        .is_err()
}

#[actix_web::test]
async fn the_database_refuses_wrong_queue_states_on_its_own() {
    let app = spawn_app().await;
    let event = open_room(&app, &settings(Some(60), Some(5)));
    let ids = join_many(&app, event, 3);
    app.clock.advance(TimeDelta::seconds(1));
    tick(&app, event);
    let (e, t1, t2) = (event.0, ids[0].0, ids[1].0);
    let checks = [
        format!("UPDATE waiting_rooms SET cursor = issued + 1 WHERE event_id = {e}"),
        format!("UPDATE waiting_rooms SET rate_per_minute = 0 WHERE event_id = {e}"),
        format!("UPDATE waiting_rooms SET max_active = -1 WHERE event_id = {e}"),
        format!("UPDATE waiting_rooms SET claim_seconds = 0 WHERE event_id = {e}"),
        format!("UPDATE waiting_rooms SET phase = 'paused' WHERE event_id = {e}"),
        format!("UPDATE waiting_rooms SET order_mode = 'random' WHERE event_id = {e}"),
        format!("UPDATE waiting_rooms SET enabled = FALSE WHERE event_id = {e}"),
        format!("UPDATE waiting_rooms SET allowance = -1 WHERE event_id = {e}"),
        format!("UPDATE queue_tickets SET state = 'active' WHERE id = {t1}"),
        format!("UPDATE queue_tickets SET state = 'called' WHERE id = {t1}"),
        format!(
            "UPDATE queue_tickets SET state = 'missed', ended_at = joined_at, seq = NULL WHERE id = {t1}"
        ),
        format!("UPDATE queue_tickets SET seq = 2 WHERE id = {t1}"),
        format!("UPDATE queue_tickets SET state = 'done' WHERE id = {t2}"),
        format!("UPDATE queue_calls SET to_seq = 0 WHERE event_id = {e}"),
    ];
    for sql in &checks {
        assert!(refused(&app, sql), "accepted: {sql}");
    }
    // The same changes done right are accepted, and a ticket has one row per account.
    assert!(!refused(
        &app,
        &format!("UPDATE waiting_rooms SET rate_per_minute = 1 WHERE event_id = {e}")
    ));
    let state = super::ticket(&app, ids[0]).state;
    assert_eq!(state, TicketState::Waiting);
}

#[actix_web::test]
async fn a_prequeue_straggler_gets_a_live_number_when_it_joins_again() {
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    let now = app.clock.now();
    app.with_conn(|c| {
        diesel::update(events::table.find(event))
            .set(events::sales_start_at.eq(now + TimeDelta::minutes(10)))
            .execute(c)
            .unwrap()
    });
    let mut s = settings(Some(60), None);
    s.require_account = true;
    queue::configure(&app.db, event, &s, now).unwrap();
    let people = buyers(&app, "straggler", 3);
    for u in &people[..2] {
        queue::join(&app.db, event, Some(*u), now).unwrap();
    }
    app.clock
        .advance(TimeDelta::minutes(10) + TimeDelta::seconds(2));
    assert_eq!(tick(&app, event).drew, Some(2));
    // A pre-queue insert that committed after the draw's snapshot: waiting, no number.
    let late = app.clock.now();
    app.with_conn(|c| {
        diesel::insert_into(queue_tickets::table)
            .values((
                queue_tickets::event_id.eq(event),
                queue_tickets::user_id.eq(people[2]),
                queue_tickets::draw_key.eq(7_i64),
                queue_tickets::joined_at.eq(late),
            ))
            .execute(c)
            .unwrap()
    });
    let again = queue::join(&app.db, event, Some(people[2]), late).unwrap();
    assert!(!again.new);
    assert_eq!(again.ticket.seq, Some(3), "numbered at the back");
    assert_eq!(super::room(&app, event).issued, 3);
}

#[actix_web::test]
async fn the_worker_ticks_the_rooms_once_a_second() {
    let app = spawn_app().await;
    let providers = boxoffice::providers::Providers::standard(&app.db, &app.clock, &app.secret);
    let tasks = boxoffice::worker::standard_tasks(app.live.clone(), providers);
    let task = tasks
        .iter()
        .find(|t| t.name == "queue_tick")
        .expect("the tick");
    assert_eq!(task.every, boxoffice::worker::QUEUE_TICK_EVERY);
    assert_eq!(task.every, std::time::Duration::from_secs(1));
    // No room: nothing to do.
    assert_eq!(task.run(&app.db, &app.clock).unwrap(), 0);
    let event = open_room(&app, &settings(Some(120), None));
    join_many(&app, event, 5);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(task.run(&app.db, &app.clock).unwrap(), 2);
    assert_eq!(super::room(&app, event).cursor, 2);
}
