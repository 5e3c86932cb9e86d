//! When the demo's sales happened, as at a real box office: each event goes on sale on a day
//! of its own (two to eight weeks ago, or a few weeks before an event already past), sells a
//! big share in its first day or two, then a long tail, and picks up again in the last days
//! before it starts. A few buyers ask for their money back some days later, most ticket
//! holders of a past event came through the door around its start, and some baskets ran out
//! or were given up unpaid. Plain arithmetic over the seeded generator: deterministic.

use chrono::{NaiveDateTime, NaiveTime, TimeDelta, Timelike};
use chrono_tz::Tz;

use crate::domain::local_time::{from_local, to_local};
use crate::services::demo::rng::SplitMix64;

/// Sales stop this long before the start.
const LAST_CALL: TimeDelta = TimeDelta::minutes(30);
/// The on-sale spike: the first two days.
const SPIKE: TimeDelta = TimeDelta::days(2);
/// The late rise: the last ten days before the start.
const RISE: TimeDelta = TimeDelta::days(10);
/// A basket holds its seats this long (the app's default hold).
pub(super) const HOLD: TimeDelta = TimeDelta::minutes(15);
/// Bookings refunded, per thousand.
const REFUNDS_PER_MILLE: u32 = 35;
/// Paid bookings of a past event whose holders never came, in a hundred.
const NO_SHOWS_PERCENT: u32 = 7;

/// One event's sales window.
#[derive(Debug, Clone, Copy)]
pub(super) struct Calendar {
    /// Sales opened (10:00 at the venue).
    pub on_sale: NaiveDateTime,
    /// Every sale happened before this: now, or shortly before the start of a past event.
    pub end: NaiveDateTime,
    pub starts_at: NaiveDateTime,
    /// The event has started: its door is open or closed.
    pub happened: bool,
    tz: Tz,
}

impl Calendar {
    pub fn new(starts_at: NaiveDateTime, now: NaiveDateTime, tz: Tz, rng: &mut SplitMix64) -> Self {
        let end = now.min(starts_at - LAST_CALL);
        let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap_or(NaiveTime::MIN);
        let days_ago = TimeDelta::days(i64::from(rng.between(14, 56)));
        let mut on_sale = from_local((now.date() - days_ago).and_time(ten), tz);
        if on_sale + TimeDelta::days(21) > starts_at {
            // An event already past went on sale some weeks before it.
            let weeks_before = TimeDelta::days(i64::from(rng.between(21, 42)));
            on_sale = from_local((starts_at.date() - weeks_before).and_time(ten), tz);
        }
        Calendar {
            on_sale,
            end,
            starts_at,
            happened: starts_at <= now,
            tz,
        }
    }

    /// When one sale (or one basket) was made: in the spike, the late rise or the tail.
    pub fn sale_time(&self, rng: &mut SplitMix64) -> NaiveDateTime {
        let span = self.end - self.on_sale;
        let u = rng.unit();
        let at = match rng.between(1, 100) {
            1..=32 => self.on_sale + part(SPIKE.min(span), u.powi(3)),
            33..=50 => self.starts_at - LAST_CALL - part(RISE, u * u),
            _ => self.on_sale + part(span, u.powf(1.7)),
        };
        // The rise of an event still weeks away has not come: those buy in the tail.
        let at = if at < self.on_sale || at >= self.end {
            self.on_sale + part(span, rng.unit().powf(1.7))
        } else {
            at
        };
        // Few buy between midnight and seven at the venue: most of those buy in the day.
        let later = at + TimeDelta::hours(8);
        if to_local(at, self.tz).hour() < 7 && rng.chance(800) && later < self.end {
            later
        } else {
            at
        }
    }

    /// A sale's moments: its basket opened, then it was paid a few minutes later.
    pub fn checkout(&self, rng: &mut SplitMix64) -> (NaiveDateTime, NaiveDateTime) {
        // Opened early enough to be paid before the end.
        let baskets = Calendar {
            end: self.end - TimeDelta::minutes(10),
            ..*self
        };
        let opened = baskets.sale_time(rng);
        let paid = opened + TimeDelta::seconds(i64::from(rng.between(50, 480)));
        let last = self.end - TimeDelta::seconds(1);
        (opened.min(last), paid.min(last))
    }

    /// When a sale paid at `paid` was refunded, for the few that were: days later, and
    /// before now and the start (so its seats went back on sale).
    pub fn refund_time(&self, paid: NaiveDateTime, rng: &mut SplitMix64) -> Option<NaiveDateTime> {
        if !rng.chance(REFUNDS_PER_MILLE) {
            return None;
        }
        let at = paid
            + TimeDelta::days(i64::from(rng.between(1, 12)))
            + TimeDelta::seconds(i64::from(rng.between(0, 36_000)));
        (at + TimeDelta::minutes(1) < self.end).then_some(at)
    }

    /// When a paid booking's holders came through the door of an event that has started:
    /// around the start, mostly in the last half hour before it. `None`: not yet, or never.
    pub fn arrival(&self, paid: NaiveDateTime, rng: &mut SplitMix64) -> Option<NaiveDateTime> {
        if !self.happened || rng.between(1, 100) <= NO_SHOWS_PERCENT {
            return None;
        }
        let at = self.starts_at - TimeDelta::minutes(75)
            + part(TimeDelta::minutes(95), rng.unit().powf(0.6));
        Some(at.max(paid + TimeDelta::minutes(5)))
    }

    /// A basket that ran out or was given up: opened, and over before now.
    pub fn unpaid_basket(&self, rng: &mut SplitMix64) -> NaiveDateTime {
        self.sale_time(rng).min(self.end - HOLD)
    }
}

/// `fraction` (0..1) of `span`, to the second.
fn part(span: TimeDelta, fraction: f64) -> TimeDelta {
    TimeDelta::seconds((span.num_seconds() as f64 * fraction) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 2, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .expect("valid")
    }

    #[test]
    fn sales_open_weeks_ago_spike_and_stay_before_now_and_the_start() {
        let now = at(1, 10);
        let mut rng = SplitMix64::new(9);
        for starts in [at(3, 19), at(25, 19), now - TimeDelta::days(20)] {
            let cal = Calendar::new(starts, now, chrono_tz::Europe::London, &mut rng);
            assert!(cal.on_sale < cal.end && cal.end <= now && cal.end < starts);
            assert!(cal.on_sale <= now - TimeDelta::days(13), "{cal:?}");
            let times: Vec<NaiveDateTime> = (0..2_000).map(|_| cal.sale_time(&mut rng)).collect();
            assert!(times.iter().all(|t| *t >= cal.on_sale && *t < cal.end));
            let first_days = times
                .iter()
                .filter(|t| **t < cal.on_sale + TimeDelta::days(2))
                .count();
            assert!(first_days > 2_000 / 4, "the on-sale spike: {first_days}");
            let weeks = (*times.iter().max().expect("some") - *times.iter().min().expect("some"))
                .num_days();
            assert!(weeks >= 10, "spread over weeks: {weeks} days");
        }
    }

    #[test]
    fn a_past_event_rises_in_its_last_days_and_its_holders_come_around_the_start() {
        let now = at(1, 10);
        let starts = now - TimeDelta::days(18);
        let mut rng = SplitMix64::new(4);
        let cal = Calendar::new(starts, now, chrono_tz::Europe::London, &mut rng);
        let times: Vec<NaiveDateTime> = (0..2_000).map(|_| cal.sale_time(&mut rng)).collect();
        let last_week = times
            .iter()
            .filter(|t| **t > starts - TimeDelta::days(7))
            .count();
        let week_before = times
            .iter()
            .filter(|t| **t > starts - TimeDelta::days(14) && **t <= starts - TimeDelta::days(7))
            .count();
        assert!(last_week > week_before, "{last_week} vs {week_before}");
        let arrivals: Vec<NaiveDateTime> = times
            .iter()
            .filter_map(|t| cal.arrival(*t, &mut rng))
            .collect();
        assert!(arrivals.len() > 1_700 && arrivals.len() < 2_000);
        assert!(
            arrivals
                .iter()
                .all(|a| (*a - starts).num_minutes().abs() <= 75)
        );
    }
}
