//! The demo's past sales look like a real box office's: spread over the weeks each event was
//! on sale, with refunds, door check-ins and unpaid baskets, every row consistent.

use std::collections::{BTreeMap, HashMap, HashSet};

use boxoffice::db::schema::*;
use chrono::{Datelike, NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::helpers::{spawn_app, test_now, texts};

type BookingRow = (
    i64,
    i64,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// `(id, reference, total, paid at, refunded at, event start)`.
type RefundedRow = (
    i64,
    String,
    i64,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    NaiveDateTime,
);

fn now() -> NaiveDateTime {
    test_now().naive_utc()
}

#[actix_web::test]
async fn demo_sales_are_spread_over_the_weeks_each_event_was_on_sale() {
    let app = spawn_app().await;
    let now = now();
    let rows: Vec<BookingRow> = app.with_conn(|c| {
        bookings::table
            .inner_join(events::table)
            .select((
                bookings::id,
                bookings::event_id,
                bookings::status,
                bookings::created_at,
                bookings::paid_at,
                bookings::updated_at,
                events::starts_at,
                events::sales_start_at,
            ))
            .load(c)
            .unwrap()
    });
    let mut paid: Vec<NaiveDateTime> = Vec::new();
    let mut per_event: HashMap<i64, (NaiveDateTime, NaiveDateTime, Vec<NaiveDateTime>)> =
        HashMap::new();
    for (id, event, status, created, paid_at, updated, starts, on_sale) in &rows {
        assert!(
            *created <= now && *updated <= now,
            "booking {id} is in the future"
        );
        assert!(
            created < starts,
            "booking {id} opened after its event started"
        );
        assert!(updated >= created, "booking {id}");
        let on_sale = on_sale.expect("an event that sold says when its sales opened");
        assert!(*created >= on_sale, "booking {id} opened before sales did");
        if let Some(at) = paid_at {
            assert!(*at <= now && at < starts && at >= created, "booking {id}");
            assert!(["paid", "refunded"].contains(&status.as_str()));
            if status == "paid" {
                paid.push(*at);
                per_event
                    .entry(*event)
                    .or_insert((on_sale, *starts, Vec::new()))
                    .2
                    .push(*at);
            }
        }
    }
    assert!(paid.len() > 1_000);
    let first = *paid.iter().min().unwrap();
    let last = *paid.iter().max().unwrap();
    assert!(last - first >= TimeDelta::weeks(5), "{first} to {last}");

    // Week by week: many weeks sold, none sold the lot, and the last seven days are a slice.
    let mut weeks: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    for at in &paid {
        let week = at.iso_week();
        *weeks.entry((week.year(), week.week())).or_default() += 1;
    }
    assert!(weeks.len() >= 6, "{weeks:?}");
    assert!(weeks.values().all(|n| n * 3 < paid.len()), "{weeks:?}");
    let last_week = paid
        .iter()
        .filter(|at| **at > now - TimeDelta::days(7))
        .count();
    assert!(last_week > 0 && last_week * 5 < paid.len(), "{last_week}");

    // Each event: an on-sale spike in its first two days; one already past rose in its last
    // week.
    for (event, (on_sale, starts, times)) in &per_event {
        if times.len() < 40 {
            continue;
        }
        let spike = times
            .iter()
            .filter(|at| **at < *on_sale + TimeDelta::days(2))
            .count();
        assert!(
            spike * 5 > times.len(),
            "event {event}: {spike} of {}",
            times.len()
        );
        if *starts < now {
            let in_days = |from: i64, to: i64| {
                times
                    .iter()
                    .filter(|at| {
                        **at >= *starts - TimeDelta::days(from)
                            && **at < *starts - TimeDelta::days(to)
                    })
                    .count()
            };
            assert!(in_days(7, 0) > in_days(14, 7), "event {event}");
        }
    }
}

#[actix_web::test]
async fn demo_refunds_gave_their_seats_back_and_settled_the_money() {
    let app = spawn_app().await;
    let now = now();
    app.with_conn(|c| {
        let refunded: Vec<RefundedRow> = bookings::table
            .inner_join(events::table)
            .filter(bookings::status.eq("refunded"))
            .select((
                bookings::id,
                bookings::reference,
                bookings::total_cents,
                bookings::paid_at,
                bookings::refunded_at,
                events::starts_at,
            ))
            .load(c)
            .unwrap();
        let paid: i64 = bookings::table
            .filter(bookings::status.eq("paid"))
            .count()
            .get_result(c)
            .unwrap();
        assert!(
            refunded.len() as i64 * 100 >= paid,
            "a few percent refunded"
        );
        assert!((refunded.len() as i64) * 10 < paid);
        let ids: Vec<i64> = refunded.iter().map(|r| r.0).collect();
        let payments: HashMap<i64, (i64, String, String, i64)> = payments::table
            .filter(payments::booking_id.eq_any(&ids))
            .select((
                payments::booking_id,
                payments::id,
                payments::external_id,
                payments::status,
                payments::amount_cents,
            ))
            .load::<(i64, i64, String, String, i64)>(c)
            .unwrap()
            .into_iter()
            .map(|(b, id, ext, status, amount)| (b, (id, ext, status, amount)))
            .collect();
        let refunds: HashMap<i64, (i64, String, i64, Option<String>)> = refunds::table
            .filter(refunds::booking_id.eq_any(&ids))
            .select((
                refunds::booking_id,
                refunds::payment_id,
                refunds::status,
                refunds::amount_cents,
                refunds::external_id,
            ))
            .load::<(i64, i64, String, i64, Option<String>)>(c)
            .unwrap()
            .into_iter()
            .map(|(b, p, status, amount, ext)| (b, (p, status, amount, ext)))
            .collect();
        let intents: HashMap<String, (i64, i64)> = gateway_intents::table
            .inner_join(gateway_refunds::table)
            .select((
                gateway_intents::external_id,
                gateway_intents::refunded_cents,
                gateway_refunds::amount_cents,
            ))
            .load::<(String, i64, i64)>(c)
            .unwrap()
            .into_iter()
            .map(|(ext, refunded, amount)| (ext, (refunded, amount)))
            .collect();
        for (id, reference, total, paid_at, refunded_at, starts) in &refunded {
            let (paid_at, refunded_at) = (paid_at.unwrap(), refunded_at.unwrap());
            assert!(paid_at < refunded_at && refunded_at <= now && refunded_at < *starts);
            let (payment, external, status, amount) = &payments[id];
            assert_eq!(
                (status.as_str(), amount),
                ("refunded", total),
                "{reference}"
            );
            let (refund_payment, refund_status, refund_amount, refund_ext) = &refunds[id];
            assert_eq!(
                (refund_payment, refund_status.as_str(), refund_amount),
                (payment, "succeeded", total)
            );
            assert!(refund_ext.is_some());
            assert_eq!(
                intents[external],
                (*total, *total),
                "the gateway gave it back"
            );
        }
        // Nothing of theirs is live: no seat, no line, no valid ticket.
        let seats: i64 = event_seats::table
            .filter(event_seats::booking_id.eq_any(ids.iter().map(|i| Some(*i))))
            .count()
            .get_result(c)
            .unwrap();
        let lines: i64 = booking_items::table
            .filter(booking_items::booking_id.eq_any(&ids))
            .filter(booking_items::active.eq(true))
            .count()
            .get_result(c)
            .unwrap();
        let tickets: Vec<String> = tickets::table
            .filter(tickets::booking_id.eq_any(&ids))
            .select(tickets::status)
            .distinct()
            .load(c)
            .unwrap();
        assert_eq!((seats, lines, tickets), (0, 0, vec!["void".to_owned()]));
    });
}

#[actix_web::test]
async fn demo_tickets_were_used_at_the_door_of_past_events_only() {
    let app = spawn_app().await;
    let now = now();
    let rows: Vec<(
        i64,
        String,
        Option<NaiveDateTime>,
        NaiveDateTime,
        NaiveDateTime,
        String,
    )> = app.with_conn(|c| {
        tickets::table
            .inner_join(events::table)
            .inner_join(bookings::table)
            .select((
                tickets::event_id,
                tickets::status,
                tickets::checked_in_at,
                tickets::created_at,
                events::starts_at,
                bookings::status,
            ))
            .load(c)
            .unwrap()
    });
    let mut past = (0, 0);
    for (event, status, checked_in_at, created, starts, booking) in &rows {
        assert!(*created <= now);
        if let Some(at) = checked_in_at {
            assert!(
                *starts <= now,
                "a ticket of event {event} used before it started"
            );
            assert!(
                (*at - *starts).num_minutes().abs() <= 120,
                "{at} for {starts}"
            );
            assert!(at > created && *at <= now);
            assert_eq!(booking, "paid");
        }
        if *starts <= now && booking == "paid" {
            past.0 += 1;
            past.1 += usize::from(status == "checked_in");
        }
    }
    let (tickets, admitted) = past;
    assert!(tickets > 500, "{tickets}");
    assert!(
        admitted * 10 >= tickets * 8 && admitted < tickets,
        "{admitted} of {tickets}"
    );
}

#[actix_web::test]
async fn demo_sold_counters_equal_the_seats_and_places_sold() {
    let app = spawn_app().await;
    app.with_conn(|c| {
        let counters: Vec<(i64, Option<i64>)> = event_sections::table
            .group_by(event_sections::event_id)
            .select((
                event_sections::event_id,
                diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                    "CAST(SUM(event_sections.sold) AS BIGINT)",
                ),
            ))
            .load(c)
            .unwrap();
        let live: Vec<(i64, i64)> = tickets::table
            .inner_join(bookings::table)
            .filter(bookings::status.eq("paid"))
            .filter(tickets::status.ne("void"))
            .select((tickets::event_id, tickets::id))
            .load(c)
            .unwrap();
        let mut sold: HashMap<i64, i64> = HashMap::new();
        for (event, _) in live {
            *sold.entry(event).or_default() += 1;
        }
        for (event, counted) in counters {
            assert_eq!(
                counted.unwrap_or(0),
                sold.get(&event).copied().unwrap_or(0),
                "event {event}"
            );
        }
        // A sold seat is a paid booking's, on one of its live lines.
        let sold_seats: Vec<(i64, Option<i64>)> = event_seats::table
            .filter(event_seats::status.eq("sold"))
            .select((event_seats::id, event_seats::booking_id))
            .load(c)
            .unwrap();
        let lines: HashSet<(i64, i64)> = booking_items::table
            .inner_join(bookings::table)
            .filter(booking_items::active.eq(true))
            .filter(bookings::status.eq("paid"))
            .filter(booking_items::event_seat_id.is_not_null())
            .select((booking_items::event_seat_id.assume_not_null(), bookings::id))
            .load(c)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(lines.len(), sold_seats.len());
        for (seat, booking) in sold_seats {
            assert!(lines.contains(&(seat, booking.unwrap())), "seat {seat}");
        }
    });
}

#[actix_web::test]
async fn demo_baskets_nobody_paid_for_ran_out_or_were_given_up() {
    let app = spawn_app().await;
    let now = now();
    app.with_conn(|c| {
        let statuses: HashSet<String> = bookings::table
            .select(bookings::status)
            .distinct()
            .load(c)
            .unwrap()
            .into_iter()
            .collect();
        for status in ["paid", "refunded", "expired", "cancelled"] {
            assert!(statuses.contains(status), "no {status} booking");
        }
        let unpaid: Vec<(
            i64,
            String,
            NaiveDateTime,
            NaiveDateTime,
            Option<NaiveDateTime>,
        )> = bookings::table
            .filter(bookings::status.eq_any(["expired", "cancelled", "pending"]))
            .select((
                bookings::id,
                bookings::status,
                bookings::created_at,
                bookings::expires_at,
                bookings::cancelled_at,
            ))
            .load(c)
            .unwrap();
        assert!(unpaid.len() >= 20, "{}", unpaid.len());
        for (id, status, created, expires, cancelled) in &unpaid {
            assert_ne!(status, "pending", "a demo basket still holding seats");
            assert!(*expires <= now && expires > created, "booking {id}");
            if status == "cancelled" {
                let at = cancelled.unwrap();
                assert!(at > *created && at <= *expires, "booking {id}");
            }
        }
        let ids: Vec<i64> = unpaid.iter().map(|u| u.0).collect();
        let lines: Vec<bool> = booking_items::table
            .filter(booking_items::booking_id.eq_any(&ids))
            .select(booking_items::active)
            .load(c)
            .unwrap();
        assert!(!lines.is_empty() && lines.iter().all(|live| !live));
        let money: i64 = payments::table
            .filter(payments::booking_id.eq_any(&ids))
            .count()
            .get_result(c)
            .unwrap();
        let tickets: i64 = tickets::table
            .filter(tickets::booking_id.eq_any(&ids))
            .count()
            .get_result(c)
            .unwrap();
        assert_eq!((money, tickets), (0, 0));
    });
}

#[actix_web::test]
async fn the_dashboard_shows_this_weeks_demo_sales_as_a_slice_of_them() {
    let app = spawn_app().await;
    app.admin_signed_in(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
    let (status, doc) = app.get_html("/admin").await;
    assert_eq!(status, 200);
    let number =
        |selector: &str| -> i64 { texts(&doc, selector)[0].replace(',', "").parse().unwrap() };
    let week = number("[data-sales=week] [data-tickets]");
    let today = number("[data-sales=today] [data-tickets]");
    let all: i64 = app.with_conn(|c| {
        tickets::table
            .inner_join(bookings::table)
            .filter(bookings::status.eq("paid"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert!(
        today <= week && week * 20 < all,
        "{today} today, {week} this week of {all}"
    );
    let paid_bookings = number("[data-count=paid-bookings]");
    assert!(paid_bookings > 1_000);
}
