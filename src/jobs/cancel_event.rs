//! Refunding a cancelled event's paid bookings, a batch per run; the job queues itself again
//! for the next batch while any are left (`services::cancellation::CancelJob` runs it).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::{Job, RefundPayment};
use crate::domain::ids::{BookingId, EventId, RefundId};

/// Refunds the next batch of the cancelled event's paid bookings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelEvent {
    pub event_id: EventId,
    /// Who queued it, which picks the dedupe key. Not in the payload: a job read back from
    /// the queue is [`Round::First`].
    #[serde(skip)]
    pub round: Round,
}

/// Who queued a [`CancelEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Round {
    /// The cancel itself: once per event.
    #[default]
    First,
    /// The job, for the batch after this booking (the last of the one before).
    After(BookingId),
    /// An admin's retry of refused refunds: the first refund reopened, and when (each retry
    /// is a job of its own).
    Retry {
        first_refund: RefundId,
        at: NaiveDateTime,
    },
}

impl CancelEvent {
    /// Queued by the cancel.
    pub fn new(event_id: EventId) -> Self {
        CancelEvent {
            event_id,
            round: Round::First,
        }
    }

    /// Queued by the job for the bookings after `last`.
    pub fn after(event_id: EventId, last: BookingId) -> Self {
        CancelEvent {
            event_id,
            round: Round::After(last),
        }
    }

    /// Queued by an admin's retry at `at`, `first_refund` the first refund it reopened.
    pub fn retry(event_id: EventId, first_refund: RefundId, at: NaiveDateTime) -> Self {
        CancelEvent {
            event_id,
            round: Round::Retry { first_refund, at },
        }
    }
}

impl Job for CancelEvent {
    const KIND: &'static str = "events.cancel";
    /// Its refunds are money, tried as long as one [`RefundPayment`].
    const MAX_ATTEMPTS: i32 = RefundPayment::MAX_ATTEMPTS;

    fn dedupe_key(&self) -> Option<String> {
        let (kind, event) = (Self::KIND, self.event_id);
        Some(match self.round {
            Round::First => format!("{kind}:{event}"),
            Round::After(last) => format!("{kind}:{event}:after:{last}"),
            Round::Retry { first_refund, at } => format!(
                "{kind}:{event}:retry:{first_refund}:{}",
                at.and_utc().timestamp_micros()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_is_the_event_id_and_the_key_names_the_round() {
        let event = EventId(4);
        for job in [
            CancelEvent::new(event),
            CancelEvent::after(event, BookingId(90)),
        ] {
            assert_eq!(serde_json::to_string(&job).unwrap(), r#"{"event_id":4}"#);
        }
        assert_eq!(
            CancelEvent::new(event).dedupe_key().as_deref(),
            Some("events.cancel:4")
        );
        assert_eq!(
            CancelEvent::after(event, BookingId(90))
                .dedupe_key()
                .as_deref(),
            Some("events.cancel:4:after:90")
        );
        let at = chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456)
            .unwrap()
            .naive_utc();
        assert_eq!(
            CancelEvent::retry(event, RefundId(7), at)
                .dedupe_key()
                .as_deref(),
            Some("events.cancel:4:retry:7:1700000000123456")
        );
        let read: CancelEvent = serde_json::from_str(r#"{"event_id":4}"#).unwrap();
        assert_eq!(read, CancelEvent::new(event));
    }
}
