//! An unverified account holds at most the cap, even with concurrent holds.

use std::sync::Arc;

use diesel::prelude::*;

use boxoffice::domain::ids::{EventId, SeatId};
use boxoffice::services::holds::{self, HoldError, HoldRequest};

use crate::helpers::spawn_app;

use super::{N, browser_of, buyers, two_seated_events};

/// An account whose email address is not verified holds at most the cap across every event,
/// in the API and on the pages; once verified, it holds like anyone.
#[actix_web::test]
async fn an_unverified_account_holds_at_most_the_cap_across_events() {
    use crate::holds::{buyer, hold, seat_statuses};
    use serde_json::json;
    let app = spawn_app().await;
    assert_eq!(app.settings.unverified_hold_limit, 4);
    let ada = buyer(&app, 1).await;
    let [(a, a_seats), (b, b_seats)] = two_seated_events(&app, 4).await;
    let (status, body) = hold(&app, &ada, a, json!({"seat_ids": &a_seats[..3]})).await;
    assert_eq!(status, 201, "{body}");
    // Two more on another event would make five.
    let (status, body) = hold(&app, &ada, b, json!({"seat_ids": &b_seats[..2]})).await;
    assert_eq!(status, 422, "{body}");
    let detail = body["errors"]["quantity"].as_str().unwrap();
    assert!(
        detail.contains("email address")
            && detail.contains("at most 4")
            && detail.contains("holds 3"),
        "{detail}"
    );
    let statuses = seat_statuses(&app, b).await;
    assert_eq!(statuses[&b_seats[0]], "available", "nothing was held");
    assert_eq!(statuses[&b_seats[1]], "available", "nothing was held");
    let (status, body) = hold(&app, &ada, b, json!({"seat_ids": [b_seats[0]]})).await;
    assert_eq!(status, 201, "the fourth is fine: {body}");

    // The page says so too, and how to lift it.
    let browser = browser_of(&app, "buyer1@example.com").await;
    let map = format!("/events/{b}/seats");
    let seat = b_seats[1].to_string();
    let (status, _, answer) =
        crate::seatmap::htmx_post(&browser, &app, &map, &map, &[("hold", &seat)]).await;
    assert_eq!(status, 422);
    let message = crate::helpers::texts(&answer, "#messages").join(" ");
    assert!(
        message.contains("confirm your email address") && message.contains("at most 4"),
        "{message}"
    );
    assert!(message.contains("already hold 4"), "{message}");

    // The map tells them beforehand, until they confirm.
    let (_, doc) = crate::seatmap::page(&browser, &app, &map).await;
    let hint = crate::helpers::texts(&doc, "#unverified-limit");
    assert!(
        hint.len() == 1 && hint[0].contains("up to 4 tickets"),
        "{hint:?}"
    );

    // Verified: the cap is gone.
    app.verify("buyer1@example.com");
    let (_, doc) = crate::seatmap::page(&browser, &app, &map).await;
    assert!(crate::helpers::texts(&doc, "#unverified-limit").is_empty());
    let (status, body) = hold(&app, &ada, b, json!({"seat_ids": &b_seats[1..3]})).await;
    assert_eq!(status, 201, "{body}");
}

/// One unverified account holding single seats on two events from eight threads at once: the
/// account's row lock makes the holds count one after another, so exactly the cap is held.
#[actix_web::test]
async fn concurrent_holds_of_one_unverified_account_never_pass_the_cap() {
    use boxoffice::services::holds::HoldPolicy;
    let app = spawn_app().await;
    const ROUNDS: usize = 3;
    const THREADS: usize = 8;
    let [(a, a_seats), (b, b_seats)] = two_seated_events(&app, ROUNDS * THREADS / 2).await;
    let policy = HoldPolicy::from_settings(&app.settings);
    let cap = app.settings.unverified_hold_limit as usize;
    for round in 0..ROUNDS {
        let user = buyers(&app, &format!("racer{round}-"), 1)[0];
        let barrier = Arc::new(std::sync::Barrier::new(THREADS));
        let mut threads = Vec::new();
        for t in 0..THREADS {
            let (db, live, barrier) = (app.db.clone(), app.live.clone(), barrier.clone());
            let k = round * THREADS / 2 + t / 2;
            let (event, seat) = if t % 2 == 0 {
                (a, a_seats[k])
            } else {
                (b, b_seats[k])
            };
            let now = app.clock.now();
            threads.push(std::thread::spawn(move || {
                barrier.wait();
                holds::hold_with(
                    &db,
                    &live,
                    user,
                    EventId(event),
                    &HoldRequest::Seats(vec![SeatId(seat)]),
                    &policy,
                    now,
                )
            }));
        }
        let (mut won, mut capped) = (0, 0);
        for t in threads {
            match t.join().unwrap() {
                Ok(_) => won += 1,
                Err(HoldError::Unverified { max, already }) => {
                    assert_eq!((max as usize, already as usize), (cap, cap));
                    capped += 1;
                }
                Err(e) => panic!("hold failed: {e:?}"),
            }
        }
        let held: Vec<N> = app.with_conn(|c| {
            diesel::sql_query(format!(
                "SELECT CAST(COALESCE(SUM(i.quantity), 0) AS BIGINT) AS n FROM booking_items i \
                 JOIN bookings b ON b.id = i.booking_id \
                 WHERE b.user_id = {} AND b.status = 'pending' AND i.active",
                user.0
            ))
            .load(c)
            .unwrap()
        });
        assert_eq!(
            held[0].n as usize, cap,
            "round {round}: held exactly the cap"
        );
        assert_eq!((won, capped), (cap, THREADS - cap), "round {round}");
    }
}
