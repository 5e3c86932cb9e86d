//! Where a visitor stands, from their token and the room's snapshot alone (§3.6): what the
//! waiting page's fragment and `GET /api/v1/events/{id}/queue` both show, computed once here
//! so the two always agree (check F4). No database.

use chrono::NaiveDateTime;

use super::board::Snapshot;
use crate::domain::queue::Phase;

/// What the visitor's token says about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// No ticket (or no valid token).
    Outside,
    /// Waiting with this ticket (`seq` is `None` before the draw).
    Waiting { ticket: i64, seq: Option<i64> },
    /// The turn was claimed and runs until `until`.
    Admitted { ticket: i64, until: NaiveDateTime },
}

/// The ticket's state as the page shows it (`state` of the JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    None,
    Waiting,
    Called,
    Active,
}

impl Shown {
    pub fn as_str(self) -> &'static str {
        match self {
            Shown::None => "none",
            Shown::Waiting => "waiting",
            Shown::Called => "called",
            Shown::Active => "active",
        }
    }
}

/// The poll delays of §3.6, in seconds.
const POLL_MIN: f64 = 2.0;
const POLL_MAX: f64 = 30.0;
const POLL_PAUSED: f64 = 10.0;
const POLL_NEAR_DRAW: f64 = 5.0;
/// How long before the draw the pre-queue's pages start polling every few seconds.
const NEAR_DRAW_SECONDS: i64 = 60;

/// Everything a waiting page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub phase: Phase,
    pub state: Shown,
    pub seq: Option<i64>,
    /// `seq − cursor − 1` after the draw: an upper bound (people who left still count until
    /// the cursor passes them).
    pub ahead_at_most: Option<i64>,
    /// The wait as a range, `ahead/(1.25 r) … ahead/(0.8 r)` in seconds.
    pub wait_seconds: Option<(i64, i64)>,
    /// When to ask again (`None`: stop polling).
    pub poll_after_seconds: Option<u32>,
    pub seats_left: Option<i64>,
    pub message: Option<String>,
    pub paused: bool,
    pub sold_out: bool,
    /// The snapshot is old: the database has not answered for a while.
    pub stale: bool,
    /// Before the draw: when it runs, and how many wait for it.
    pub draw_at: Option<NaiveDateTime>,
    pub prequeue_size: i64,
    /// The turn's end, once claimed.
    pub turn_until: Option<NaiveDateTime>,
}

/// The visitor's status. `jitter` in [0, 1) spreads the polls (±20%).
pub fn status(room: Option<&Snapshot>, place: Place, now: NaiveDateTime, jitter: f64) -> Status {
    let Some(room) = room.filter(|r| r.enabled || r.phase == Phase::Closed) else {
        // No room (or the box office let everyone in): nothing to wait for.
        return Status {
            phase: Phase::Off,
            state: Shown::None,
            seq: None,
            ahead_at_most: None,
            wait_seconds: None,
            poll_after_seconds: None,
            seats_left: None,
            message: None,
            paused: false,
            sold_out: false,
            stale: false,
            draw_at: None,
            prequeue_size: 0,
            turn_until: None,
        };
    };
    // Clamped first, then spread ±20% (never under the 2 s the per-ticket pace allows), so
    // that everyone far back does not come back in the same second (§3.6).
    let spread = |seconds: f64| -> u32 {
        let s = seconds.clamp(POLL_MIN, POLL_MAX) * (0.8 + 0.4 * jitter.clamp(0.0, 1.0));
        s.round().max(POLL_MIN) as u32
    };
    let mut status = Status {
        phase: room.phase,
        state: Shown::None,
        seq: None,
        ahead_at_most: None,
        wait_seconds: None,
        poll_after_seconds: None,
        seats_left: room.seats_left,
        message: room.message.clone(),
        paused: room.paused,
        sold_out: room.sold_out(),
        stale: room.stale(),
        draw_at: room.draw_at(),
        prequeue_size: room.prequeue_size,
        turn_until: None,
    };
    match place {
        Place::Outside => {
            if matches!(room.phase, Phase::Prequeue | Phase::Open) {
                status.poll_after_seconds = Some(spread(POLL_MAX));
            }
        }
        Place::Admitted { until, .. } => {
            status.state = Shown::Active;
            status.turn_until = Some(until);
        }
        Place::Waiting { seq, .. } => {
            status.state = Shown::Waiting;
            status.seq = seq;
            let delay = match (room.phase, seq) {
                (Phase::Closed | Phase::Off, _) => None,
                (Phase::Prequeue, _) | (Phase::Open, None) => {
                    let near = room
                        .draw_at()
                        .is_none_or(|t| (t - now).num_seconds() <= NEAR_DRAW_SECONDS);
                    Some(if near { POLL_NEAR_DRAW } else { POLL_MAX })
                }
                (Phase::Open, Some(seq)) if seq <= room.cursor => {
                    status.state = Shown::Called;
                    Some(POLL_MIN)
                }
                (Phase::Open, Some(seq)) => {
                    let ahead = seq - room.cursor - 1;
                    status.ahead_at_most = Some(ahead);
                    let rate = room.calls_per_second().filter(|_| !room.paused);
                    status.wait_seconds = rate.map(|r| {
                        let lo = (ahead as f64 / (1.25 * r)).floor() as i64;
                        let hi = (ahead as f64 / (0.8 * r)).ceil() as i64;
                        (lo, hi)
                    });
                    Some(match (room.paused, status.wait_seconds) {
                        (true, _) | (false, None) => POLL_PAUSED,
                        (false, Some((lo, hi))) => (lo + hi) as f64 / 2.0 / 10.0,
                    })
                }
            };
            status.poll_after_seconds = delay.map(spread);
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use chrono::TimeDelta;

    use super::*;
    use crate::domain::ids::EventId;

    fn room(phase: Phase, cursor: i64, issued: i64) -> Snapshot {
        Snapshot {
            event: EventId(1),
            title: "Show".to_owned(),
            timezone: chrono_tz::Tz::UTC,
            enabled: true,
            phase,
            paused: false,
            message: Some("Hello".to_owned()),
            sales_start_at: None,
            prequeue_opens_at: None,
            issued,
            cursor,
            prequeue_size: 0,
            seats_left: Some(40),
            active: 0,
            called_unclaimed: 0,
            max_active: None,
            rate_per_minute: Some(60),
            measured_rate: None,
            claim_seconds: 180,
            admission_minutes: 15,
            require_account: true,
            auto_close: true,
            version: 1,
            read_at: Instant::now(),
        }
    }

    fn now() -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    #[test]
    fn a_waiting_ticket_sees_at_most_who_is_ahead_and_a_range_from_the_rate() {
        let r = room(Phase::Open, 100, 1_000);
        let place = Place::Waiting {
            ticket: 9,
            seq: Some(701),
        };
        let s = status(Some(&r), place, now(), 0.5);
        assert_eq!(s.state, Shown::Waiting);
        assert_eq!(s.ahead_at_most, Some(600));
        // One call a second: 600 ahead is 480 … 750 seconds.
        assert_eq!(s.wait_seconds, Some((480, 750)));
        assert_eq!(s.poll_after_seconds, Some(30), "far back: every 30 s");
        // Far back the delays still spread: 24 … 36 s, not all 30.
        let spread: Vec<_> = [0.0, 0.999]
            .iter()
            .map(|j| status(Some(&r), place, now(), *j).poll_after_seconds)
            .collect();
        assert_eq!(spread, [Some(24), Some(36)]);
        let near = Place::Waiting {
            ticket: 9,
            seq: Some(105),
        };
        let s = status(Some(&r), near, now(), 0.5);
        assert_eq!(s.wait_seconds, Some((3, 5)));
        assert_eq!(s.poll_after_seconds, Some(2), "near the front: every 2 s");
    }

    #[test]
    fn a_called_ticket_polls_fast_and_a_closed_room_stops_the_polls() {
        let r = room(Phase::Open, 100, 1_000);
        let called = Place::Waiting {
            ticket: 9,
            seq: Some(100),
        };
        let s = status(Some(&r), called, now(), 0.0);
        assert_eq!((s.state, s.poll_after_seconds), (Shown::Called, Some(2)));
        let mut closed = room(Phase::Closed, 100, 1_000);
        closed.seats_left = Some(0);
        let s = status(Some(&closed), called, now(), 0.0);
        assert_eq!(s.poll_after_seconds, None);
        assert!(s.sold_out);
    }

    #[test]
    fn the_prequeue_polls_slowly_until_a_minute_before_the_draw() {
        let mut r = room(Phase::Prequeue, 0, 0);
        r.sales_start_at = Some(now() + TimeDelta::minutes(10));
        let place = Place::Waiting {
            ticket: 3,
            seq: None,
        };
        let far = status(Some(&r), place, now(), 0.5);
        assert_eq!(
            (far.ahead_at_most, far.poll_after_seconds),
            (None, Some(30))
        );
        // The draw runs two seconds after the sale starts: 55 s before it.
        let near = now() + TimeDelta::minutes(9) + TimeDelta::seconds(7);
        let close = status(Some(&r), place, near, 0.5);
        assert_eq!(close.poll_after_seconds, Some(5));
        // ±20%: the same delay never leaves 4..=6 seconds.
        for j in [0.0, 0.999] {
            let s = status(Some(&r), place, near, j);
            assert!((4..=6).contains(&s.poll_after_seconds.unwrap_or(0)));
        }
    }

    #[test]
    fn paused_says_so_and_gives_no_estimate() {
        let mut r = room(Phase::Open, 100, 1_000);
        r.paused = true;
        let place = Place::Waiting {
            ticket: 9,
            seq: Some(701),
        };
        let s = status(Some(&r), place, now(), 0.5);
        assert!(s.paused);
        assert_eq!(s.wait_seconds, None);
        assert_eq!(s.poll_after_seconds, Some(10));
    }
}
