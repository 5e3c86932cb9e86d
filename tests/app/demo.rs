//! The demo catalogue: what a newcomer sees on first start.

mod sales;

use std::collections::{BTreeSet, HashMap};

use boxoffice::db::schema::*;
use boxoffice::db::{DbConnection, DbError};
use boxoffice::services::demo;
use chrono::NaiveDate;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::helpers::{spawn_app, spawn_app_with, test_now};

#[actix_web::test]
async fn the_demo_has_the_promised_venues_and_events() {
    let app = spawn_app().await;
    app.with_conn(|c| {
        let venue_rows: Vec<(i64, String, String)> = venues::table
            .select((venues::id, venues::slug, venues::city))
            .load(c)
            .unwrap();
        assert!(venue_rows.len() >= 5);
        let cities: BTreeSet<&String> = venue_rows.iter().map(|v| &v.2).collect();
        assert!(cities.len() >= 4, "{cities:?}");
        let seats_per_venue: HashMap<i64, i64> = seats::table
            .inner_join(sections::table)
            .group_by(sections::venue_id)
            .select((sections::venue_id, count_star()))
            .load(c)
            .unwrap()
            .into_iter()
            .collect();
        let standing_per_venue: Vec<(i64, Option<i32>)> = sections::table
            .filter(sections::kind.eq("standing"))
            .select((sections::venue_id, sections::capacity))
            .load(c)
            .unwrap();
        let arena = seats_per_venue.values().copied().max().unwrap();
        assert!((19_500..=20_500).contains(&arena), "arena seats {arena}");
        assert!(
            seats_per_venue.values().any(|n| (850..=950).contains(n)),
            "a ~900-seat theatre"
        );
        assert!(seats_per_venue.values().any(|n| *n < 100), "a small studio");
        let standing_only = venue_rows.iter().any(|v| {
            !seats_per_venue.contains_key(&v.0) && standing_per_venue.iter().any(|s| s.0 == v.0)
        });
        assert!(standing_only, "a standing-only club");
        let mixed = venue_rows.iter().any(|v| {
            seats_per_venue.contains_key(&v.0) && standing_per_venue.iter().any(|s| s.0 == v.0)
        });
        assert!(mixed, "a venue mixing seats and standing");

        let statuses: Vec<(String, i64)> = events::table
            .group_by(events::status)
            .select((events::status, count_star()))
            .load(c)
            .unwrap();
        let statuses: HashMap<String, i64> = statuses.into_iter().collect();
        assert!(statuses.values().sum::<i64>() >= 20);
        assert_eq!(statuses["draft"], 1);
        assert_eq!(statuses["cancelled"], 1);
        assert!(statuses["completed"] >= 3);
        let categories: BTreeSet<String> = events::table
            .select(events::category)
            .distinct()
            .load(c)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(categories.len(), 6);
        let accessible: i64 = seats::table
            .filter(seats::accessible.eq(true))
            .count()
            .get_result(c)
            .unwrap();
        assert!(accessible > 10);
        let admins: i64 = users::table
            .filter(users::role.eq("admin"))
            .count()
            .get_result(c)
            .unwrap();
        assert_eq!(admins, 1, "a demo admin");
    });
}

#[actix_web::test]
async fn demo_sales_keep_every_inventory_invariant() {
    let app = spawn_app().await;
    app.with_conn(|c| {
        // Every sold seat belongs to a paid booking, and every paid booking has exactly one
        // succeeded payment for its total, and one ticket per seat or standing place.
        let sold_without_paid: i64 = event_seats::table
            .inner_join(bookings::table.on(bookings::id.nullable().eq(event_seats::booking_id)))
            .filter(event_seats::status.eq("sold"))
            .filter(bookings::status.ne("paid"))
            .count()
            .get_result(c)
            .unwrap();
        assert_eq!(sold_without_paid, 0);
        let paid: Vec<(i64, i64)> = bookings::table
            .filter(bookings::status.eq("paid"))
            .select((bookings::id, bookings::total_cents))
            .load(c)
            .unwrap();
        assert!(paid.len() > 1_000);
        let mut payments: HashMap<i64, (i64, i64)> = HashMap::new();
        let rows: Vec<(i64, i64)> = payments::table
            .filter(payments::status.eq("succeeded"))
            .select((payments::booking_id, payments::amount_cents))
            .load(c)
            .unwrap();
        for (booking, amount) in rows {
            let entry = payments.entry(booking).or_default();
            entry.0 += 1;
            entry.1 += amount;
        }
        for (booking, total) in &paid {
            assert_eq!(
                payments.get(booking),
                Some(&(1, *total)),
                "booking {booking}"
            );
        }
        // Tickets were issued for what was paid (refunded bookings keep theirs, void).
        let places: i64 = booking_items::table
            .inner_join(bookings::table)
            .filter(bookings::status.eq_any(["paid", "refunded"]))
            .select(diesel::dsl::sum(booking_items::quantity))
            .first::<Option<i64>>(c)
            .unwrap()
            .unwrap();
        let tickets: i64 = tickets::table.count().get_result(c).unwrap();
        assert_eq!(places, tickets);
        // Standing counters match the sold items; seated counters match the seat rows.
        let counters: Vec<(i64, i64, i64, String, i32, i32, i32)> = event_sections::table
            .inner_join(sections::table)
            .select((
                event_sections::id,
                event_sections::event_id,
                event_sections::section_id,
                sections::kind,
                event_sections::held,
                event_sections::sold,
                event_sections::blocked,
            ))
            .load(c)
            .unwrap();
        for (id, event, section, kind, held, sold, blocked) in counters {
            if kind == "standing" {
                let items: Option<i64> = booking_items::table
                    .filter(booking_items::event_section_id.eq(id))
                    .filter(booking_items::active.eq(true))
                    .select(diesel::dsl::sum(booking_items::quantity))
                    .first(c)
                    .unwrap();
                assert_eq!(items.unwrap_or(0), i64::from(sold), "standing area {id}");
                assert_eq!((held, blocked), (0, 0));
            } else {
                let mut count = |status: &str| -> i64 {
                    event_seats::table
                        .filter(event_seats::event_id.eq(event))
                        .filter(event_seats::section_id.eq(section))
                        .filter(event_seats::status.eq(status))
                        .count()
                        .get_result(c)
                        .unwrap()
                };
                assert_eq!(
                    (i64::from(held), i64::from(sold), i64::from(blocked)),
                    (count("held"), count("sold"), count("blocked")),
                    "section {section} of event {event}"
                );
            }
        }
        // Nothing was sold for the draft or the cancelled event.
        let sold_there: i64 = bookings::table
            .inner_join(events::table)
            .filter(events::status.eq_any(["draft", "cancelled"]))
            .count()
            .get_result(c)
            .unwrap();
        assert_eq!(sold_there, 0);
    });
}

#[actix_web::test]
async fn seeding_is_deterministic_for_a_given_day() {
    let a = spawn_app_with(false).await;
    let b = spawn_app_with(false).await;
    let today = test_now().date_naive();
    let fingerprint = |app: &crate::helpers::TestApp, day: NaiveDate| {
        app.db
            .write(|c: &mut DbConnection| -> Result<_, DbError> {
                let summary = demo::seed(c, day, test_now().naive_utc())?;
                let sold: Vec<(i64, Option<i64>)> = event_seats::table
                    .filter(event_seats::status.eq("sold"))
                    .order(event_seats::id)
                    .select((event_seats::seat_id, event_seats::booking_id))
                    .load(c)
                    .map_err(DbError::Query)?;
                let codes: Vec<String> = tickets::table
                    .order(tickets::id)
                    .select(tickets::code)
                    .limit(50)
                    .load(c)
                    .map_err(DbError::Query)?;
                let starts: Vec<chrono::NaiveDateTime> = events::table
                    .order(events::id)
                    .select(events::starts_at)
                    .load(c)
                    .map_err(DbError::Query)?;
                Ok((summary, sold, codes, starts))
            })
            .unwrap()
    };
    let first = fingerprint(&a, today);
    let second = fingerprint(&b, today);
    assert_eq!(first.0, second.0);
    assert_eq!(
        first.1, second.1,
        "the same seats sold to the same bookings"
    );
    assert_eq!(first.2, second.2, "the same ticket codes");
    assert_eq!(first.3, second.3, "the same start times");
    assert!(first.0.events >= 20);
}

#[actix_web::test]
async fn the_demo_is_seeded_only_into_an_empty_catalogue() {
    let app = spawn_app().await;
    let again = boxoffice::services::setup::seed_demo_if_empty(&app.db, &app.clock).unwrap();
    assert!(again.is_none());
    let events: i64 = app.with_conn(|c| events::table.count().get_result(c).unwrap());
    assert_eq!(events, demo::content::events().len() as i64);
}
