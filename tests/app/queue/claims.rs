//! D3, D4, D5: a call never claimed frees its slot after the claim window; a late claim within
//! the grace is honoured while a slot is free, and after it the ticket is missed and rejoins at
//! the back; leaving frees the place without spending a call.

use chrono::TimeDelta;

use boxoffice::domain::queue::TicketState;
use boxoffice::services::queue::{self, Claim};

use super::{buyers, calls, join_many, occupied, open_room, room, settings, tick, ticket};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn a_call_never_claimed_frees_its_slot_after_the_claim_window() {
    let app = spawn_app().await;
    let event = open_room(&app, &settings(None, Some(2)));
    let ids = join_many(&app, event, 5);
    assert_eq!(tick(&app, event).called, 2);
    let called_at = app.clock.now();
    app.clock.advance(TimeDelta::seconds(179));
    assert_eq!(tick(&app, event).called, 0, "still inside the window");
    assert_eq!(occupied(&app, event), 2);
    app.clock.advance(TimeDelta::seconds(2));
    assert_eq!(tick(&app, event).called, 2, "both slots free after W");
    assert_eq!(room(&app, event).cursor, 4);
    assert_eq!(
        calls(&app, event).last().unwrap().2,
        called_at + TimeDelta::seconds(181)
    );
    // The no-shows are not missed yet (the grace runs), and they hold no slot.
    assert_eq!(ticket(&app, ids[0]).state, TicketState::Waiting);
    assert_eq!(occupied(&app, event), 2);
}

#[actix_web::test]
async fn a_late_claim_within_the_grace_takes_a_free_slot_and_after_it_the_ticket_is_missed() {
    let app = spawn_app().await;
    let mut s = settings(None, Some(2));
    s.require_account = true;
    let event = open_room(&app, &s);
    let people = buyers(&app, "late", 4);
    let ids: Vec<_> = people
        .iter()
        .map(|u| {
            let joined = queue::join(&app.db, event, Some(*u), app.clock.now()).unwrap();
            joined.ticket.id
        })
        .collect();
    let t0 = app.clock.now();
    assert_eq!(tick(&app, event).called, 2);
    let b = queue::claim(&app.db, ids[1], t0).unwrap();
    assert!(matches!(b, Claim::Admitted { late: false, .. }), "{b:?}");

    // A comes back a minute after the window closed: one slot is free, so it is admitted.
    app.clock.advance(TimeDelta::seconds(180 + 60));
    let a = queue::claim(&app.db, ids[0], app.clock.now()).unwrap();
    assert_eq!(
        a,
        Claim::Admitted {
            active_until: app.clock.now() + TimeDelta::minutes(15),
            late: true
        }
    );
    assert_eq!(tick(&app, event).called, 0, "both slots are taken");

    // B is done; C is called and never claims; once its window is over D is called in its
    // place, and C's late claim finds no free slot.
    assert!(queue::finish(&app.db, ids[1], app.clock.now()).unwrap());
    assert_eq!(tick(&app, event).called, 1);
    let c_called = app.clock.now();
    app.clock.advance(TimeDelta::seconds(181));
    assert_eq!(tick(&app, event).called, 1);
    assert_eq!(room(&app, event).cursor, 4);
    let c = queue::claim(&app.db, ids[2], app.clock.now()).unwrap();
    assert_eq!(c, Claim::NoSlotYet);
    assert_eq!(ticket(&app, ids[2]).state, TicketState::Waiting);

    // Past the grace, C's claim is refused and the ticket is missed.
    super::set_clock(
        &app,
        c_called + TimeDelta::minutes(15) + TimeDelta::seconds(1),
    );
    assert_eq!(
        queue::claim(&app.db, ids[2], app.clock.now()).unwrap(),
        Claim::Missed
    );
    let missed = ticket(&app, ids[2]);
    assert_eq!(missed.state, TicketState::Missed);
    assert_eq!(
        queue::claim(&app.db, ids[2], app.clock.now()).unwrap(),
        Claim::Ended(TicketState::Missed)
    );

    // Rejoining reuses the ticket with a new number at the back.
    let issued = room(&app, event).issued;
    let again = queue::join(&app.db, event, Some(people[2]), app.clock.now()).unwrap();
    assert!(!again.new);
    assert_eq!(again.ticket.id, ids[2]);
    assert_eq!(again.ticket.state, TicketState::Waiting);
    assert_eq!(again.ticket.seq, Some(issued + 1));
    assert!(again.ticket.seq > missed.seq);
    assert_eq!(room(&app, event).issued, issued + 1);
}

#[actix_web::test]
async fn leaving_frees_the_place_and_the_cursor_skips_it_without_spending_a_call() {
    let app = spawn_app().await;
    // Two calls a second.
    let event = open_room(&app, &settings(Some(120), None));
    let ids = join_many(&app, event, 10);
    assert!(queue::leave(&app.db, ids[1], app.clock.now()).unwrap());
    assert!(queue::leave(&app.db, ids[2], app.clock.now()).unwrap());
    assert!(
        !queue::leave(&app.db, ids[2], app.clock.now()).unwrap(),
        "once"
    );
    assert_eq!(ticket(&app, ids[1]).state, TicketState::Left);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(tick(&app, event).called, 2);
    // Seqs 1 and 4 were called; 2 and 3 were passed over for free.
    let r = room(&app, event);
    assert_eq!(r.cursor, 4);
    assert_eq!(r.allowance, 0.0, "two calls spent, not four");
    assert_eq!(calls(&app, event)[0].0..=calls(&app, event)[0].1, 1..=4);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(tick(&app, event).called, 2);
    assert_eq!(room(&app, event).cursor, 6);
    // A left ticket cannot claim even though the cursor passed it.
    assert_eq!(
        queue::claim(&app.db, ids[1], app.clock.now()).unwrap(),
        Claim::Ended(TicketState::Left)
    );
}
