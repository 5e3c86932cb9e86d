//! Several instances' hold sweepers racing over the same expired holds (issue 19, item 4):
//! each hold ends once, its seats are freed once and its buyer gets one "hold expired" email.

use std::sync::Arc;

use chrono::TimeDelta;
use diesel::prelude::*;

use boxoffice::db::Db;
use boxoffice::services::holds::{self, HoldRequest};
use boxoffice::services::live::LiveHub;

use crate::helpers::spawn_app;

use super::{N, buyers, counter_problems, seats_across_sections};

#[actix_web::test]
async fn sweepers_of_several_instances_end_each_expired_hold_once() {
    let app = spawn_app().await;
    let (event, seats) = seats_across_sections(&app, 8);
    let holders = buyers(&app, "swept", seats.len() / 2);
    let start = app.clock.now();
    let expired_sql = format!(
        "SELECT COUNT(*) AS n FROM bookings WHERE event_id = {event} AND status = 'expired'"
    );
    // The demo's own baskets that ran out before the test are not this test's.
    let expired_before = app.with_conn(|c| {
        diesel::sql_query(&expired_sql)
            .get_result::<N>(c)
            .unwrap()
            .n
    });
    // Every buyer holds two seats for a minute.
    for (buyer, pair) in holders.iter().zip(seats.chunks(2)) {
        holds::hold(
            &app.db,
            &app.live,
            *buyer,
            event,
            &HoldRequest::Seats(pair.to_vec()),
            TimeDelta::minutes(1),
            start,
        )
        .unwrap();
    }
    let later = start + TimeDelta::minutes(2);

    // Four sweepers, each with its own pool and hub (four instances), in small batches.
    let sweepers: Vec<_> = (0..4)
        .map(|_| {
            let db = Db::connect(&app.database_url, 2).unwrap();
            let live = Arc::new(LiveHub::new());
            std::thread::spawn(move || {
                let mut ended = 0;
                loop {
                    match holds::sweep_expired(&db, &live, later, 3).unwrap() {
                        0 => return ended,
                        n => ended += n,
                    }
                }
            })
        })
        .collect();
    let ended: Vec<usize> = sweepers.into_iter().map(|s| s.join().unwrap()).collect();
    assert_eq!(ended.iter().sum::<usize>(), holders.len(), "{ended:?}");

    let count = |sql: &str| app.with_conn(|c| diesel::sql_query(sql).get_result::<N>(c).unwrap().n);
    let n = i64::try_from(holders.len()).unwrap();
    assert_eq!(count(&expired_sql) - expired_before, n);
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM email_outbox WHERE kind = 'hold_expired'"),
        n,
        "one email per ended hold"
    );
    let freed = seats
        .iter()
        .map(|s| s.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        count(&format!(
            "SELECT COUNT(*) AS n FROM event_seats WHERE event_id = {event} \
             AND seat_id IN ({freed}) AND status = 'available'"
        )),
        i64::try_from(seats.len()).unwrap(),
        "every seat is free again"
    );
    let problems = counter_problems(&app, event);
    assert!(problems.is_empty(), "{problems:#?}");
}
