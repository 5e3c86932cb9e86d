//! C5 (WAITING_ROOM.md §4): 1,000 races between a hold and the end of the buyer's turn (the
//! buyer leaving or being removed, a payment elsewhere ending it, or the turn running out while
//! the tidy-up marks it) never give a hold to an account whose turn had ended. The hold's gate
//! is one statement inside its transaction that checks the turn and extends it to the hold's
//! end; the revoke here is one statement that ends the turn and records, in `ended_at`, the
//! turn's end it saw. So the database says which came first: if the hold went through and the
//! revoke ended the turn, the revoke must have seen the turn already extended by the hold.

use std::sync::Barrier;

use chrono::TimeDelta;
use diesel::prelude::*;

use boxoffice::db::schema::queue_tickets;
use boxoffice::domain::ids::{EventId, QueueTicketId, SectionId};
use boxoffice::domain::queue::TicketState;
use boxoffice::services::holds::{self, HoldError, HoldRequest};
use boxoffice::services::queue;

use super::{settings, ticket};
use crate::helpers::{TestApp, spawn_app};
use crate::holds::standing_area;

const ROUNDS: usize = 1_000;

/// Ends the turn if it is running, recording the turn's end it saw; answers whether it did.
fn revoke(app: &TestApp, id: QueueTicketId, to: TicketState) -> bool {
    app.with_conn(|c| {
        diesel::update(
            queue_tickets::table
                .find(id)
                .filter(queue_tickets::state.eq(TicketState::Active)),
        )
        .set((
            queue_tickets::state.eq(to),
            queue_tickets::ended_at.eq(queue_tickets::active_until),
        ))
        .execute(c)
        .unwrap()
            == 1
    })
}

/// The turn running again until `until` (the next round's start).
fn restart_turn(app: &TestApp, id: QueueTicketId, until: chrono::NaiveDateTime) {
    let now = app.clock.now();
    app.with_conn(|c| {
        diesel::update(queue_tickets::table.find(id))
            .set((
                queue_tickets::state.eq(TicketState::Active),
                queue_tickets::claimed_at.eq(Some(now - TimeDelta::minutes(15))),
                queue_tickets::active_until.eq(Some(until)),
                queue_tickets::ended_at.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(c)
            .unwrap()
    });
}

#[actix_web::test]
async fn a_hold_racing_the_end_of_its_turn_never_goes_through_after_it() {
    let app = spawn_app().await;
    let (event, area) = standing_area(&app, 2).await;
    let (event, section) = (
        EventId(event),
        SectionId(area["section_id"].as_i64().unwrap()),
    );
    let buyer = app
        .create_buyers(&[("Racer".to_owned(), "racer@example.com".to_owned())])
        .remove(0);
    queue::configure(&app.db, event, &settings(None, Some(5)), app.clock.now()).unwrap();
    let id = queue::join(&app.db, event, Some(buyer.id), app.clock.now())
        .unwrap()
        .ticket
        .id;
    let now = app.clock.now();
    let request = HoldRequest::Standing {
        section,
        quantity: 1,
    };
    let (mut held_first, mut revoked_first, mut expired) = (0, 0, 0);
    for round in 0..ROUNDS {
        // Rounds of three kinds: the buyer leaves (or is removed), a payment elsewhere ends the
        // turn, or the turn has just run out while the tidy-up marks it.
        let kind = round % 3;
        let until = if kind == 2 {
            now
        } else {
            now + TimeDelta::minutes(5)
        };
        restart_turn(&app, id, until);
        let barrier = Barrier::new(2);
        let (held, revoked) = std::thread::scope(|s| {
            let (b, request) = (&barrier, &request);
            let (db, live) = (app.db.clone(), app.live.clone());
            let hold = s.spawn(move || {
                b.wait();
                holds::hold(
                    &db,
                    &live,
                    buyer.id,
                    event,
                    request,
                    TimeDelta::minutes(15),
                    now,
                )
            });
            barrier.wait();
            let revoked = match kind {
                0 => revoke(&app, id, TicketState::Left),
                1 => revoke(&app, id, TicketState::Done),
                _ => queue::tidy(&app.db, event, now).unwrap() == 1,
            };
            (hold.join().unwrap(), revoked)
        });
        let t = ticket(&app, id);
        match held {
            Ok(h) => {
                assert_ne!(kind, 2, "round {round}: a hold on a turn that had run out");
                if revoked {
                    assert_eq!(
                        t.ended_at,
                        Some(h.expires_at),
                        "round {round}: the turn ended before the hold, yet it went through"
                    );
                }
                held_first += 1;
                holds::cancel(&app.db, &app.live, buyer.id, &h.reference, now).unwrap();
            }
            Err(HoldError::NotAdmitted) => {
                assert!(revoked, "round {round}: refused while the turn ran");
                assert!(t.state != TicketState::Active, "round {round}: {t:?}");
                if kind == 2 {
                    expired += 1;
                } else {
                    assert_eq!(
                        t.ended_at,
                        Some(until),
                        "round {round}: the revoke came first"
                    );
                    revoked_first += 1;
                }
            }
            Err(e) => panic!("round {round}: {e:?}"),
        }
    }
    assert_eq!(held_first + revoked_first + expired, ROUNDS);
    assert_eq!(expired, (0..ROUNDS).filter(|r| r % 3 == 2).count());
    eprintln!("C5: {held_first} holds first, {revoked_first} revokes first, {expired} expired");
}
