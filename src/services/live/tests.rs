//! The live hub: batches per tick, catch-up, the ticker, stream caps, closing.

use super::*;
use crate::domain::ids::{BookingId, SeatId};

fn seats(event: i64, ids: &[i64]) -> Change {
    Change::seats(EventId(event), ids.iter().map(|i| SeatId(*i)).collect())
}

#[test]
fn viewers_of_an_event_hear_its_changes_only_once_a_tick_in_one_batch() {
    let hub = LiveHub::new();
    let mut one = hub.subscribe(EventId(1), None).rx;
    let mut two = hub.subscribe(EventId(2), None).rx;
    hub.publish(seats(1, &[7]));
    hub.publish(seats(1, &[3, 7]).of([BookingId(5)]));
    hub.publish(Change::standing(EventId(1)));
    assert!(one.try_recv().is_err(), "nothing before the tick");
    hub.flush();
    let batch = one.try_recv().unwrap();
    assert_eq!(batch.change.seats, vec![SeatId(3), SeatId(7)]);
    assert_eq!(batch.change.bookings, vec![BookingId(5)]);
    assert!(batch.change.standing);
    assert_eq!(batch.through, 3);
    assert!(one.try_recv().is_err(), "one batch");
    assert!(two.try_recv().is_err());
    hub.flush();
    assert!(one.try_recv().is_err(), "nothing new, nothing sent");
}

#[test]
fn every_change_moves_the_version_on_watched_or_not() {
    let hub = LiveHub::new();
    assert_eq!(hub.version(), 0);
    hub.publish(seats(1, &[7])); // nobody watches event 1
    let _watcher = hub.subscribe(EventId(2), None);
    hub.publish(Change::standing(EventId(2)));
    hub.publish(seats(2, &[])); // nothing changed
    assert_eq!(hub.version(), 2);
    hub.publish_all([seats(3, &[1]), seats(4, &[2])]);
    assert_eq!(hub.version(), 4);
    // Each event's own count of changes: what a drawing of it compares.
    assert_eq!(hub.event_version(EventId(1)), 1);
    assert_eq!(hub.event_version(EventId(2)), 1);
    hub.publish(Change::standing(EventId(2)));
    assert_eq!(hub.event_version(EventId(2)), 2);
    assert_eq!(hub.event_version(EventId(5)), 0);
}

#[test]
fn a_stream_opened_after_its_page_first_gets_what_the_page_missed() {
    let hub = LiveHub::new();
    let _first = hub.subscribe(EventId(1), None);
    hub.publish(seats(1, &[1])); // version 1
    hub.flush();
    hub.publish(seats(1, &[2])); // version 2
    hub.flush();
    hub.publish(seats(1, &[3])); // version 3, not sent yet
    // A page drawn at version 1 missed the second batch; the third comes on the channel.
    let late = hub.subscribe(EventId(1), Some(1));
    match late.catch_up {
        CatchUp::Replay(missed) => {
            assert_eq!(missed.len(), 1);
            assert_eq!(missed[0].change.seats, vec![SeatId(2)]);
        }
        other => panic!("{other:?}"),
    }
    let mut rx = late.rx;
    hub.flush();
    assert_eq!(rx.try_recv().unwrap().change.seats, vec![SeatId(3)]);
    // Drawn after everything sent: nothing to catch up.
    assert!(matches!(
        hub.subscribe(EventId(1), Some(3)).catch_up,
        CatchUp::Nothing
    ));
    // Kept even while nobody watches (event 2 has no viewer yet).
    hub.publish(seats(2, &[9]));
    hub.flush();
    let v = hub.version();
    assert!(matches!(
        hub.subscribe(EventId(2), Some(v - 1)).catch_up,
        CatchUp::Replay(_)
    ));
    assert!(matches!(
        hub.subscribe(EventId(2), Some(v)).catch_up,
        CatchUp::Nothing
    ));
}

#[test]
fn only_the_last_batches_are_kept() {
    let hub = LiveHub::new();
    let _watcher = hub.subscribe(EventId(1), None);
    for seat in 0..(RECENT as i64 + 2) {
        hub.publish(seats(1, &[seat]));
        hub.flush();
    }
    assert!(matches!(
        hub.subscribe(EventId(1), Some(1)).catch_up,
        CatchUp::Refresh
    ));
    match hub.subscribe(EventId(1), Some(2)).catch_up {
        CatchUp::Replay(missed) => assert_eq!(missed.len(), RECENT),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_ticker_sends_batches_by_itself() {
    let hub = LiveHub::with_tick(Duration::from_millis(10));
    let mut rx = hub.subscribe(EventId(1), None).rx;
    hub.publish(seats(1, &[4]));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match rx.try_recv() {
            Ok(batch) => {
                assert_eq!(batch.change.seats, vec![SeatId(4)]);
                break;
            }
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("no batch: {e:?}"),
        }
    }
}

#[test]
fn stream_slots_are_capped_per_client_and_in_all_and_freed_on_drop() {
    let slots = StreamSlots::new();
    let a1 = slots.acquire("a", 2, 3).unwrap();
    let _a2 = slots.acquire("a", 2, 3).unwrap();
    assert_eq!(slots.acquire("a", 2, 3).err(), Some(SlotRefused::Client));
    let _b1 = slots.acquire("b", 2, 3).unwrap();
    assert_eq!(slots.acquire("c", 2, 3).err(), Some(SlotRefused::Full));
    drop(a1);
    assert_eq!(slots.open(), 2);
    assert!(slots.acquire("c", 2, 3).is_ok());
}

#[test]
fn closing_ends_every_stream_and_refuses_new_ones() {
    let hub = LiveHub::new();
    let mut one = hub.subscribe(EventId(1), None).rx;
    hub.close();
    assert_eq!(
        one.try_recv().unwrap_err(),
        broadcast::error::TryRecvError::Closed
    );
    let mut late = hub.subscribe(EventId(1), None).rx;
    assert_eq!(
        late.try_recv().unwrap_err(),
        broadcast::error::TryRecvError::Closed
    );
}

#[test]
fn changes_heard_from_postgresql_keep_their_numbers_and_a_lost_listener_refreshes_everyone() {
    let hub = LiveHub::new();
    let mut viewer = hub.subscribe(EventId(1), None).rx;
    // Numbered by the sequence, maybe after gaps (other events, other instances).
    hub.inner.receive(seats(1, &[7]), 40);
    hub.inner.receive(seats(1, &[8]).of([BookingId(2)]), 42);
    assert_eq!(hub.version(), 42);
    assert_eq!(hub.event_version(EventId(1)), 2);
    hub.flush();
    let batch = viewer.try_recv().unwrap();
    assert_eq!(batch.through, 42);
    assert_eq!(batch.change.seats, vec![SeatId(7), SeatId(8)]);
    // A notification out of order never moves the version back.
    hub.inner.receive(seats(1, &[9]), 41);
    assert_eq!(hub.version(), 42);
    hub.flush();
    assert_eq!(viewer.try_recv().unwrap().through, 41);
    // The listener came back: changes up to 50 may have been missed. Open streams end, and a
    // page drawn before then is told to draw itself again.
    hub.inner.refresh_all(50);
    assert_eq!(hub.version(), 50);
    assert!(matches!(
        viewer.try_recv(),
        Err(broadcast::error::TryRecvError::Closed)
    ));
    assert!(matches!(
        hub.subscribe(EventId(1), Some(45)).catch_up,
        CatchUp::Refresh
    ));
    assert!(matches!(
        hub.subscribe(EventId(1), Some(50)).catch_up,
        CatchUp::Nothing
    ));
}
