//! Random multi-section baskets with expiring holds never deadlock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{NaiveDateTime, TimeDelta};
use rand::Rng;
use rand::seq::SliceRandom;

use boxoffice::services::holds::{self, HoldError, HoldRequest};

use crate::helpers::spawn_app;

use super::{buyers, counter_problems, deadlocks, seats_across_sections};

/// Many buyers hold random baskets across sections while holds run out and are taken over,
/// cancelled and swept: PostgreSQL never has to break a deadlock, nothing fails, and the
/// counters match the seats.
#[actix_web::test]
async fn random_multi_section_baskets_with_expiring_holds_never_deadlock() {
    let app = spawn_app().await;
    let (event, seats) = seats_across_sections(&app, 6);
    assert!(seats.len() >= 12, "enough seats in several sections");
    const THREADS: usize = 12;
    const ROUNDS: usize = 60;
    let users = buyers(&app, "deadlock", THREADS * 3);
    let start: NaiveDateTime = app.clock.now();
    let failures = Arc::new(AtomicUsize::new(0));
    let holds_won = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for t in 0..THREADS {
        let db = app.db.clone();
        let live = app.live.clone();
        let seats = seats.clone();
        let users = users[t * 3..t * 3 + 3].to_vec();
        let failures = failures.clone();
        let holds_won = holds_won.clone();
        threads.push(std::thread::spawn(move || {
            let mut rng = rand::rng();
            for round in 0..ROUNDS {
                // Time moves on: a hold lasts 3 rounds, so baskets run out and are taken over.
                let now = start + TimeDelta::seconds(round as i64);
                let user = users[rng.random_range(0..users.len())];
                let mut pick = seats.clone();
                pick.shuffle(&mut rng);
                pick.truncate(rng.random_range(2..=5));
                match holds::hold(
                    &db,
                    &live,
                    user,
                    event,
                    &HoldRequest::Seats(pick),
                    TimeDelta::seconds(3),
                    now,
                ) {
                    Ok(held) => {
                        holds_won.fetch_add(1, Ordering::SeqCst);
                        if rng.random_range(0..4) == 0 {
                            match holds::cancel(&db, &live, user, &held.reference, now) {
                                // Taken over (expired) meanwhile: fine.
                                Ok(_) | Err(holds::BookingError::NotPending(_)) => {}
                                Err(e) => {
                                    eprintln!("cancel failed: {e:?}");
                                    failures.fetch_add(1, Ordering::SeqCst);
                                }
                            }
                        }
                    }
                    Err(HoldError::Unavailable { .. } | HoldError::TooMany { .. }) => {}
                    Err(e) => {
                        eprintln!("hold failed: {e:?}");
                        failures.fetch_add(1, Ordering::SeqCst);
                    }
                }
                if t == 0 && round % 5 == 0 {
                    holds::sweep_expired(&db, &live, now, 100).unwrap_or_else(|e| {
                        eprintln!("sweep failed: {e:?}");
                        failures.fetch_add(1, Ordering::SeqCst);
                        0
                    });
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(failures.load(Ordering::SeqCst), 0, "every write succeeded");
    assert!(
        holds_won.load(Ordering::SeqCst) > THREADS,
        "holds went through"
    );
    let problems = counter_problems(&app, event);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(deadlocks(&app), 0, "PostgreSQL broke no deadlock");
}
