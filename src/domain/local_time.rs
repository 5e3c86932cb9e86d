//! Showing a UTC instant as the wall-clock time at a venue.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A venue's time zone; an unknown name (which validation keeps out) falls back to UTC.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// The wall-clock time at the venue for a stored UTC timestamp.
pub fn to_local(utc: NaiveDateTime, tz: Tz) -> DateTime<Tz> {
    tz.from_utc_datetime(&utc)
}

/// The UTC instant of a wall-clock time at the venue. In a DST gap the time is moved forward
/// an hour; in a DST overlap the earlier instant is taken.
pub fn from_local(local: NaiveDateTime, tz: Tz) -> NaiveDateTime {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.naive_utc(),
        chrono::LocalResult::Ambiguous(earlier, _) => earlier.naive_utc(),
        chrono::LocalResult::None => {
            let later = local + chrono::TimeDelta::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .map_or(later, |t| t.naive_utc())
        }
    }
}

/// Display strings for an event's start, in the venue's time zone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LocalStart {
    /// `Sat 20 Mar 2027`
    pub date: String,
    /// `19:30`
    pub time: String,
    /// `GMT`, `CET`, `EDT`…
    pub zone: String,
    /// RFC 3339 with the venue's offset, for `<time datetime>`.
    pub iso: String,
    /// `MAR`, `20`: the calendar chip on cards.
    pub month_short: String,
    pub day: String,
}

impl LocalStart {
    pub fn new(utc: NaiveDateTime, tz: Tz) -> LocalStart {
        let local = to_local(utc, tz);
        LocalStart {
            date: local.format("%a %-d %b %Y").to_string(),
            time: local.format("%H:%M").to_string(),
            zone: local.format("%Z").to_string(),
            iso: local.to_rfc3339(),
            month_short: local.format("%b").to_string().to_uppercase(),
            day: local.format("%-d").to_string(),
        }
    }
}

/// RFC 3339 in UTC, the API's time format.
pub fn rfc3339_utc(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn shows_the_venue_wall_clock_across_daylight_saving() {
        let london = zone("Europe/London");
        assert_eq!(
            LocalStart::new(utc(2027, 1, 15, 19, 30), london).time,
            "19:30"
        );
        let summer = LocalStart::new(utc(2027, 7, 15, 18, 30), london);
        assert_eq!(
            (summer.time.as_str(), summer.zone.as_str()),
            ("19:30", "BST")
        );
        let ny = LocalStart::new(utc(2027, 3, 21, 0, 0), zone("America/New_York"));
        assert_eq!(
            (ny.date.as_str(), ny.time.as_str()),
            ("Sat 20 Mar 2027", "20:00")
        );
        assert_eq!(ny.iso, "2027-03-20T20:00:00-04:00");
    }

    #[test]
    fn local_and_utc_round_trip_and_gaps_move_forward() {
        let berlin = zone("Europe/Berlin");
        let local = utc(2027, 6, 1, 20, 0);
        assert_eq!(
            to_local(from_local(local, berlin), berlin).naive_local(),
            local
        );
        // 02:30 on the spring-forward night doesn't exist in Berlin.
        let gap = from_local(utc(2027, 3, 28, 2, 30), berlin);
        assert_eq!(gap, utc(2027, 3, 28, 1, 30));
    }

    #[test]
    fn unknown_zones_fall_back_to_utc() {
        assert_eq!(zone("Mars/Olympus"), Tz::UTC);
        assert_eq!(rfc3339_utc(utc(2027, 1, 2, 3, 4)), "2027-01-02T03:04:00Z");
    }
}
