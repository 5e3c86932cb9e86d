//! Cancelling an event refunds every paid booking once while buyers keep trying.

use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::holds::{buyer, hold};

use super::{booking, card_ok, pay, payment_statuses};

#[actix_web::test]
async fn cancelling_an_event_refunds_every_paid_booking_once_while_buyers_keep_trying() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // An event of its own: a demo event's hundreds of paid bookings would make the worker's
    // run below refund and deliver webhooks for them all (1,600 jobs).
    let event = crate::admin_events::unsold_event(&app, &admin, 60).await;
    let free = crate::holds::free_seats(&app, event).await;
    assert!(free.len() >= 60, "{} free seats", free.len());
    // Five paid bookings, two baskets still pending (registrations per address are limited).
    let mut buyers = Vec::new();
    for n in 0..8 {
        if n >= 5 {
            // Five registrations from one address, then one every ten minutes.
            app.clock.advance(TimeDelta::seconds(601));
        }
        buyers.push(buyer(&app, n).await);
    }
    let late = buyers.pop().unwrap();
    let mut paid = Vec::new();
    for (n, who) in buyers.iter().enumerate() {
        let (status, b) = hold(
            &app,
            who,
            event,
            json!({"seat_ids": [free[2 * n], free[2 * n + 1]]}),
        )
        .await;
        assert_eq!(status, 201);
        let reference = b["reference"].as_str().unwrap().to_owned();
        if n < 5 {
            let (_, p) = pay(&app, who, &reference, "k", "card").await;
            card_ok(&app, p["external_id"].as_str().unwrap()).await;
            paid.push(reference);
        }
    }
    app.run_worker();
    // The gateway refunded one payment already but the app never heard (a crash between the
    // gateway's answer and the app's commit): the job must not refund it twice.
    let (first_payment, first_external): (i64, String) = app.with_conn(|c| {
        use boxoffice::db::schema::{bookings as b, payments as p};
        p::table
            .inner_join(b::table)
            .filter(b::reference.eq(&paid[0]))
            .select((p::id, p::external_id))
            .first(c)
            .unwrap()
    });
    let gateway = boxoffice::gateway::Gateway::new(app.db.clone(), app.clock.clone());
    let amount = booking(&app, &buyers[0], &paid[0]).await["total_cents"]
        .as_i64()
        .unwrap();
    gateway
        .refund(
            &first_external,
            amount,
            &format!("refund:payment:{first_payment}"),
            "early",
        )
        .unwrap();

    // A fresh client each time: the worker's long run below outlasts the server's keep-alive.
    let cancel = || {
        reqwest::Client::new()
            .post(app.url(&format!("/api/v1/admin/events/{event}/cancel")))
            .bearer_auth(&admin)
            .json(&json!({"reason": "The venue flooded."}))
            .send()
    };

    // Buyers keep trying to hold the free seats while the cancel goes through.
    let attempts = (0..20).map(|i| hold(&app, &late, event, json!({"seat_ids": [free[30 + i]]})));
    let (answers, cancelled) =
        futures_util::future::join(futures_util::future::join_all(attempts), cancel()).await;
    let cancelled = cancelled.unwrap();
    assert_eq!(cancelled.status(), 202);
    let body: Value = cancelled.json().await.unwrap();
    assert_eq!(body["status"], "cancelling");
    assert!(body["bookings_to_refund"].as_i64().unwrap() >= 5, "{body}");
    assert!(
        answers.iter().all(|(s, _)| *s == 201 || *s == 422),
        "{answers:?}"
    );
    // After the cancel: every hold is refused, and no basket of the event is left pending.
    let (status, _) = hold(&app, &late, event, json!({"seat_ids": [free[59]]})).await;
    assert_eq!(status, 422);
    let pending: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::bookings::dsl::*;
        bookings
            .filter(event_id.eq(event))
            .filter(status.eq("pending"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(pending, 0, "no hold committed after the cancel");

    let pass = app.run_worker();
    assert!(
        pass.jobs
            .iter()
            .all(|t| matches!(t, boxoffice::jobs::Turn::Done { .. })),
        "{:?}",
        pass.jobs
    );
    // Every paid booking refunded once; refunds add up to the payments; tickets void.
    for reference in &paid {
        let statuses = payment_statuses(&app, reference);
        assert_eq!(statuses, ["refunded"], "{reference}");
    }
    let (payments_total, payments_count, refunds_total, refunds, per_intent): (
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = app.with_conn(|c| {
        use boxoffice::db::schema::{
            bookings as b, gateway_intents as i, gateway_refunds as r, payments as p,
        };
        let (paid_sum, externals): (Vec<i64>, Vec<String>) = p::table
            .inner_join(b::table)
            .filter(b::event_id.eq(event))
            .select((p::amount_cents, p::external_id))
            .load::<(i64, String)>(c)
            .unwrap()
            .into_iter()
            .unzip();
        // The gateway's refunds of this event's payments (the demo refunded others' too).
        let refunded: Vec<(i64, String)> = r::table
            .inner_join(i::table)
            .filter(i::external_id.eq_any(&externals))
            .select((r::amount_cents, i::external_id))
            .load(c)
            .unwrap();
        let intents: std::collections::BTreeSet<&String> =
            refunded.iter().map(|(_, e)| e).collect();
        (
            paid_sum.iter().sum(),
            paid_sum.len() as i64,
            refunded.iter().map(|(a, _)| a).sum(),
            refunded.len() as i64,
            intents.len() as i64,
        )
    });
    // The demo's own sales of this event are real at the gateway too: all are refunded.
    assert!(payments_count >= 5);
    assert_eq!(refunds, payments_count, "one refund per payment");
    assert_eq!(per_intent, payments_count);
    assert_eq!(
        refunds_total, payments_total,
        "refunds add up to the payments"
    );
    let (left_paid, valid_tickets): (i64, i64) = app.with_conn(|c| {
        use boxoffice::db::schema::{bookings as b, tickets as t};
        let left = b::table
            .filter(b::event_id.eq(event))
            .filter(b::status.eq("paid"))
            .count()
            .get_result(c)
            .unwrap();
        let valid = t::table
            .filter(t::event_id.eq(event))
            .filter(t::status.eq("valid"))
            .count()
            .get_result(c)
            .unwrap();
        (left, valid)
    });
    assert_eq!((left_paid, valid_tickets), (0, 0));
    let emails: i64 = app.with_conn(|c| {
        use boxoffice::db::schema::email_outbox::dsl::*;
        email_outbox
            .filter(kind.eq("event_cancelled"))
            .filter(recipient.like("buyer%@example.com"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(emails, 5, "one cancellation email per paying buyer");

    // Calling it again is harmless: no refund at the gateway is added (the demo's own past
    // refunds, of every event, are there too).
    let gateway_refunds = || -> i64 {
        app.with_conn(|c| {
            use boxoffice::db::schema::gateway_refunds::dsl::*;
            gateway_refunds.count().get_result(c).unwrap()
        })
    };
    let refunds_before = gateway_refunds();
    let again = cancel().await.unwrap();
    assert_eq!(again.status(), 202);
    let body: Value = again.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["bookings_to_refund"].as_i64()),
        (Some("cancelled"), Some(0))
    );
    app.clock.advance(TimeDelta::seconds(60));
    app.run_worker();
    assert_eq!(gateway_refunds(), refunds_before, "none twice");
}
