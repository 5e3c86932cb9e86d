//! What the waiting page and its fragment show, worded once from the status.

use chrono::NaiveDateTime;

use crate::domain::ids::EventId;
use crate::domain::local_time::to_local;
use crate::domain::queue::Phase;
use crate::services::queue::board::Snapshot;
use crate::services::queue::status::{Place, Shown, Status};

/// A place in the words of the page.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub event_id: EventId,
    pub title: String,
    pub phase: &'static str,
    pub state: &'static str,
    /// The one line at the top of the status.
    pub headline: String,
    pub seq: Option<i64>,
    pub ahead: Option<i64>,
    /// "about 4–7 minutes", "less than a minute".
    pub wait: Option<String>,
    pub seats_left: Option<i64>,
    /// More people ahead than about three times the seats left.
    pub crowded: bool,
    pub message: Option<String>,
    /// The draw's time in the venue's time zone ("Sat 12 Dec, 10:00 CET").
    pub draw_at: Option<String>,
    pub draw_iso: Option<String>,
    pub prequeue_size: i64,
    pub paused: bool,
    pub stale: bool,
    /// Seconds until the next poll (`None`: the page stops asking).
    pub delay: Option<u32>,
    pub has_ticket: bool,
    pub called: bool,
    pub active: bool,
    /// The visitor may join (the room takes people and they have no ticket).
    pub can_join: bool,
    pub csrf: String,
    /// "10:04:31" in the venue's time.
    pub updated: String,
    /// The end of the turn, once claimed ("10:19").
    pub turn_until: Option<String>,
}

fn minutes(seconds: i64) -> i64 {
    (seconds + 59) / 60
}

/// The wait range in words.
pub fn wait_words(lo: i64, hi: i64) -> String {
    if hi < 60 {
        return "less than a minute".to_owned();
    }
    let (lo, hi) = (minutes(lo.max(0)).max(1), minutes(hi));
    if lo >= hi && hi == 1 {
        "about a minute".to_owned()
    } else if lo >= hi {
        format!("about {hi} minutes")
    } else {
        format!("about {lo}–{hi} minutes")
    }
}

impl StatusView {
    /// Whether there is anything for the figures' box (no empty box before any number).
    pub fn has_figures(&self) -> bool {
        self.seq.is_some()
            || self.ahead.is_some()
            || self.wait.is_some()
            || self.seats_left.is_some()
            || self.phase == "prequeue"
    }

    pub fn new(
        room: &Snapshot,
        s: &Status,
        place: Place,
        csrf: String,
        now: NaiveDateTime,
    ) -> Self {
        let tz = room.timezone;
        let local = |t: NaiveDateTime, fmt: &str| to_local(t, tz).format(fmt).to_string();
        let has_ticket = !matches!(place, Place::Outside);
        let headline = match (s.phase, s.state) {
            (Phase::Closed, _) if s.sold_out => "Sold out: every ticket has been sold.".to_owned(),
            (Phase::Closed, _) => "This waiting room is closed.".to_owned(),
            (Phase::Off, _) => "The queue is over: the seat map is open to everyone.".to_owned(),
            (_, Shown::Active) => "It's your turn: choose your seats.".to_owned(),
            (_, Shown::Called) => "It's your turn!".to_owned(),
            (_, _) if s.paused => "Paused by the box office. Your place is kept.".to_owned(),
            (Phase::Prequeue, Shown::Waiting) => {
                "You're in the waiting room. When the sale starts, everyone here gets a random place in line.".to_owned()
            }
            (Phase::Prequeue, _) => "The waiting room is open: join before the sale starts.".to_owned(),
            (Phase::Open, Shown::Waiting) => "You're in line.".to_owned(),
            (Phase::Open, _) => "This sale has a queue: join the line to choose seats.".to_owned(),
        };
        StatusView {
            event_id: room.event,
            title: room.title.clone(),
            phase: s.phase.as_str(),
            state: s.state.as_str(),
            headline,
            seq: s.seq,
            ahead: s.ahead_at_most,
            wait: s.wait_seconds.map(|(lo, hi)| wait_words(lo, hi)),
            seats_left: s.seats_left,
            crowded: matches!((s.ahead_at_most, s.seats_left), (Some(a), Some(l)) if a > 3 * l.max(0)),
            message: s.message.clone(),
            // The sale's start as the event says it (the draw runs two seconds later).
            draw_at: room.sales_start_at.map(|t| local(t, "%a %-d %b, %H:%M %Z")),
            draw_iso: room.sales_start_at.map(|t| to_local(t, tz).to_rfc3339()),
            prequeue_size: s.prequeue_size,
            paused: s.paused,
            stale: s.stale,
            delay: s.poll_after_seconds,
            has_ticket,
            called: s.state == Shown::Called,
            active: s.state == Shown::Active,
            can_join: !has_ticket && matches!(s.phase, Phase::Prequeue | Phase::Open),
            csrf,
            updated: local(now, "%H:%M:%S"),
            turn_until: s.turn_until.map(|t| local(t, "%H:%M")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::wait_words;

    #[test]
    fn a_wait_reads_as_a_range_of_minutes() {
        assert_eq!(wait_words(3, 5), "less than a minute");
        assert_eq!(wait_words(480, 750), "about 8–13 minutes");
        assert_eq!(wait_words(50, 70), "about 1–2 minutes");
        assert_eq!(wait_words(60, 60), "about a minute");
    }
}
