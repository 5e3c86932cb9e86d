//! The waiting room's states and its admission arithmetic (issue 20, shared/WAITING_ROOM.md
//! §3.2, §3.7): no I/O here.

use chrono::TimeDelta;

use super::text_enum;

text_enum! {
    /// `off → prequeue → open → closed`, moved only by guarded updates. The draw is the
    /// `prequeue → open` transition.
    pub enum Phase {
        Off => "off",
        Prequeue => "prequeue",
        Open => "open",
        Closed => "closed",
    }
}

text_enum! {
    /// `waiting → active → done | lapsed`, plus `left` and `missed`. *Called* is not a state: a
    /// ticket is called when its seq is at or below the room's cursor.
    pub enum TicketState {
        Waiting => "waiting",
        Active => "active",
        Done => "done",
        Lapsed => "lapsed",
        Left => "left",
        Missed => "missed",
    }
}

text_enum! {
    /// Random before the sale and first come, first served after it; or join order throughout.
    pub enum OrderMode {
        RandomThenFifo => "random_then_fifo",
        Fifo => "fifo",
    }
}

impl TicketState {
    /// Whether the ticket's holder may join again (at the back): they left, missed their turn,
    /// or their turn is over.
    pub fn may_rejoin(self) -> bool {
        !matches!(self, TicketState::Waiting | TicketState::Active)
    }
}

/// The longest stretch of time one tick makes up for (a late or missed tick catches up this
/// much at most).
pub const MAX_TICK_GAP: TimeDelta = TimeDelta::seconds(5);
/// The most tickets one tick calls when neither a rate nor a cap limits it.
pub const UNLIMITED_CALLS: i64 = 10_000;

/// The token bucket of the call rate `R` (calls per minute): it holds at most
/// `max(1, R/60 · 5 s)` calls.
pub fn burst(rate_per_minute: i32) -> f64 {
    (f64::from(rate_per_minute) / 60.0 * MAX_TICK_GAP.num_seconds() as f64).max(1.0)
}

/// The bucket after `elapsed` more time (counted up to [`MAX_TICK_GAP`], never backwards).
pub fn refill(allowance: f64, rate_per_minute: i32, elapsed: TimeDelta) -> f64 {
    let dt = elapsed.clamp(TimeDelta::zero(), MAX_TICK_GAP);
    let seconds = dt.num_microseconds().unwrap_or(0) as f64 / 1e6;
    (allowance + f64::from(rate_per_minute) / 60.0 * seconds).min(burst(rate_per_minute))
}

/// How many tickets a tick may call: what the bucket allows (whole calls), and what the cap
/// leaves free (`max_active − occupied`); a limit that is not set is left out.
pub fn calls_allowed(allowance: Option<f64>, max_active: Option<i32>, occupied: i64) -> i64 {
    let by_rate = allowance.map_or(UNLIMITED_CALLS, |a| a.floor() as i64);
    let by_cap = max_active.map_or(UNLIMITED_CALLS, |m| i64::from(m) - occupied);
    by_rate.min(by_cap).clamp(0, UNLIMITED_CALLS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_fills_at_the_rate_up_to_five_seconds_of_calls() {
        assert_eq!(burst(120), 10.0);
        assert_eq!(burst(6), 1.0, "at least one call");
        assert_eq!(refill(0.0, 120, TimeDelta::seconds(1)), 2.0);
        assert_eq!(refill(0.5, 60, TimeDelta::milliseconds(250)), 0.75);
        // A long gap counts as five seconds, and the bucket never holds more than the burst.
        assert_eq!(refill(0.0, 60, TimeDelta::minutes(10)), 5.0);
        assert_eq!(refill(4.0, 60, TimeDelta::seconds(3)), 5.0);
        assert_eq!(
            refill(1.0, 60, TimeDelta::seconds(-3)),
            1.0,
            "no time backwards"
        );
    }

    #[test]
    fn a_tick_calls_the_smaller_of_the_two_limits() {
        assert_eq!(calls_allowed(Some(2.9), None, 0), 2);
        assert_eq!(calls_allowed(Some(9.0), Some(50), 47), 3);
        assert_eq!(
            calls_allowed(None, Some(50), 60),
            0,
            "over the cap calls nobody"
        );
        assert_eq!(calls_allowed(None, None, 0), UNLIMITED_CALLS);
    }

    #[test]
    fn only_an_ended_ticket_rejoins() {
        let may: Vec<_> = TicketState::ALL
            .iter()
            .filter(|s| s.may_rejoin())
            .copied()
            .collect();
        assert_eq!(
            may,
            [
                TicketState::Done,
                TicketState::Lapsed,
                TicketState::Left,
                TicketState::Missed
            ]
        );
    }
}
