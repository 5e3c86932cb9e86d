//! The simulated gateway posting one of its events to the merchant's (the app's) webhook,
//! signed, until it answers 2xx (`gateway::delivery::WebhookSender` runs it). Like a real
//! provider it promises at least once: about one event in four is queued a second time, a few
//! seconds later.

use serde::{Deserialize, Serialize};

use super::Job;

/// Delivers the gateway event `event_id` (its stored body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverWebhook {
    pub event_id: String,
    /// The deliberate second delivery, which needs a dedupe key of its own. Not in the
    /// payload: both deliveries are the same job.
    #[serde(skip)]
    pub again: bool,
}

impl DeliverWebhook {
    pub fn new(event_id: &str) -> Self {
        DeliverWebhook {
            event_id: event_id.to_owned(),
            again: false,
        }
    }

    /// The second delivery of the same event.
    pub fn again(event_id: &str) -> Self {
        DeliverWebhook {
            again: true,
            ..DeliverWebhook::new(event_id)
        }
    }
}

impl Job for DeliverWebhook {
    const KIND: &'static str = "gateway.webhook";
    /// With the backoff capped at an hour: about a day.
    const MAX_ATTEMPTS: i32 = 20;

    fn dedupe_key(&self) -> Option<String> {
        let again = if self.again { ":again" } else { "" };
        Some(format!("{}:{}{again}", Self::KIND, self.event_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_is_the_event_id_and_the_second_delivery_has_its_own_key() {
        for job in [DeliverWebhook::new("evt_1"), DeliverWebhook::again("evt_1")] {
            assert_eq!(
                serde_json::to_string(&job).unwrap(),
                r#"{"event_id":"evt_1"}"#
            );
        }
        assert_eq!(
            DeliverWebhook::new("evt_1").dedupe_key().as_deref(),
            Some("gateway.webhook:evt_1")
        );
        assert_eq!(
            DeliverWebhook::again("evt_1").dedupe_key().as_deref(),
            Some("gateway.webhook:evt_1:again")
        );
    }
}
