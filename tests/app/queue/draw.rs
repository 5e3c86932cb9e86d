//! A1 and A2: the draw numbers every pre-queue ticket exactly once, in an order that is not
//! the join order; late joiners come after, in join order.

use chrono::TimeDelta;
use diesel::prelude::*;

use boxoffice::db::schema::events;
use boxoffice::domain::queue::{Phase, TicketState};
use boxoffice::services::queue;

use super::{on_sale_events, room, set_clock, settings, tick, tickets_of};
use crate::helpers::spawn_app;

const PREQUEUE: usize = 2_000;
const LATE: usize = 5;

/// Spearman's rank correlation of two rankings of the same n items (ranks 1..=n, no ties).
fn spearman(a: &[i64], b: &[i64]) -> f64 {
    let n = a.len() as f64;
    let d2: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[actix_web::test]
async fn the_draw_numbers_the_prequeue_once_each_at_random_then_late_joiners_in_order() {
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    let now = app.clock.now();
    let sale = now + TimeDelta::hours(1);
    app.with_conn(|c| {
        diesel::update(events::table.find(event))
            .set(events::sales_start_at.eq(sale))
            .execute(c)
            .unwrap()
    });
    let mut s = settings(Some(600), None);
    s.prequeue_opens_at = Some(now - TimeDelta::minutes(1));
    let configured = queue::configure(&app.db, event, &s, now).unwrap();
    assert_eq!(configured.phase, Phase::Prequeue);

    for _ in 0..PREQUEUE {
        let joined = queue::join(&app.db, event, None, app.clock.now()).unwrap();
        assert_eq!(joined.ticket.seq, None, "no number before the draw");
        assert!(joined.ticket.draw_key.is_some(), "a random key");
        app.clock.advance(TimeDelta::milliseconds(100));
    }
    // Nobody is called and nothing is drawn before the sale.
    let before = tick(&app, event);
    assert_eq!((before.drew, before.called), (None, 0));

    // At the start of the sale, late joiners get no key; the draw waits two seconds.
    set_clock(&app, sale);
    for _ in 0..LATE {
        let joined = queue::join(&app.db, event, None, app.clock.now()).unwrap();
        assert_eq!(joined.ticket.draw_key, None, "a late joiner is not drawn");
        app.clock.advance(TimeDelta::milliseconds(100));
    }
    assert_eq!(
        tick(&app, event).drew,
        None,
        "the draw waits for stragglers"
    );
    set_clock(&app, sale + TimeDelta::seconds(2));
    let drawn = tick(&app, event);
    assert_eq!(drawn.drew, Some((PREQUEUE + LATE) as i64));
    assert_eq!(drawn.called, 0, "the draw's tick calls nobody");
    let after = room(&app, event);
    assert_eq!(after.phase, Phase::Open);
    assert_eq!((after.issued, after.cursor), ((PREQUEUE + LATE) as i64, 0));
    assert_eq!(after.prequeue_count, (PREQUEUE + LATE) as i64);
    assert_eq!(tick(&app, event).drew, None, "the draw runs once");

    let tickets = tickets_of(&app, event);
    assert_eq!(tickets.len(), PREQUEUE + LATE);
    assert!(tickets.iter().all(|t| t.state == TicketState::Waiting));
    let (early, late) = tickets.split_at(PREQUEUE);
    // A1: exactly 1..=N for the N drawn, then N+1.. for the late ones in join (id) order.
    let mut seqs: Vec<i64> = early.iter().map(|t| t.seq.unwrap()).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=PREQUEUE as i64).collect::<Vec<_>>());
    let late_seqs: Vec<i64> = late.iter().map(|t| t.seq.unwrap()).collect();
    assert_eq!(
        late_seqs,
        (PREQUEUE as i64 + 1..=(PREQUEUE + LATE) as i64).collect::<Vec<_>>()
    );

    // A2 (light): the drawn order is not the join order. Join rank = id order.
    let join_rank: Vec<i64> = (1..=PREQUEUE as i64).collect();
    let drawn: Vec<i64> = early.iter().map(|t| t.seq.unwrap()).collect();
    let rho = spearman(&join_rank, &drawn);
    // Under a random draw rho has a standard deviation of 1/sqrt(n-1) = 0.022 here.
    assert!(rho.abs() < 0.1, "Spearman rho {rho}");
    let in_place = drawn.iter().zip(&join_rank).filter(|(d, j)| d == j).count();
    assert!(in_place < 20, "{in_place} tickets kept their join place");
}

#[actix_web::test]
async fn a_fifo_room_numbers_its_prequeue_in_join_order() {
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    let now = app.clock.now();
    let sale = now + TimeDelta::minutes(30);
    app.with_conn(|c| {
        diesel::update(events::table.find(event))
            .set(events::sales_start_at.eq(sale))
            .execute(c)
            .unwrap()
    });
    let mut s = settings(Some(60), None);
    s.order_mode = boxoffice::domain::queue::OrderMode::Fifo;
    assert_eq!(
        queue::configure(&app.db, event, &s, now).unwrap().phase,
        Phase::Prequeue
    );
    for _ in 0..50 {
        let joined = queue::join(&app.db, event, None, app.clock.now()).unwrap();
        assert_eq!(joined.ticket.draw_key, None);
    }
    set_clock(&app, sale + TimeDelta::seconds(3));
    assert_eq!(tick(&app, event).drew, Some(50));
    let seqs: Vec<i64> = tickets_of(&app, event)
        .iter()
        .map(|t| t.seq.unwrap())
        .collect();
    assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
}
