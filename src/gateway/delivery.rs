//! Webhook delivery: the worker posts each gateway event to the merchant's URL, signed, and
//! retries (the job [`DeliverWebhook`], backoff from 10 s up to an hour, 20 tries, about a
//! day) until the merchant answers 2xx. Like a real provider it promises at least once, not
//! exactly once, and not in order: about one event in four is sent a second time a few
//! seconds later.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::signature;
use crate::clock::Clock;
use crate::db::schema::gateway_events;
use crate::db::{Db, DbConnection, DbError};
use crate::jobs::{DeliverWebhook, Job, RunJob};

/// One answer from the merchant may take this long.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Queues the delivery of an event (in the gateway's transaction that created it).
pub fn queue(conn: &mut DbConnection, event_id: &str, now: NaiveDateTime) -> Result<(), DbError> {
    use rand::Rng;
    DeliverWebhook::new(event_id).enqueue(conn, now)?;
    let mut rng = rand::rng();
    if rng.random_ratio(1, 4) {
        let later = now + TimeDelta::milliseconds(rng.random_range(1_000..5_000));
        DeliverWebhook::again(event_id).enqueue_at(conn, later, now)?;
    }
    Ok(())
}

/// Runs [`DeliverWebhook`]: posts events to the merchant.
pub struct WebhookSender {
    agent: ureq::Agent,
    url: String,
    secret: Vec<u8>,
}

impl WebhookSender {
    /// `url` is the merchant's webhook endpoint; `secret` the shared signing secret.
    pub fn new(url: String, secret: Vec<u8>) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        WebhookSender { agent, url, secret }
    }

    /// Posts one event's stored body now, signed with the current time. `Ok` on a 2xx answer.
    pub fn deliver(&self, db: &Db, clock: &Clock, event_id: &str) -> Result<(), String> {
        let body: String = db
            .read(|c| {
                gateway_events::table
                    .filter(gateway_events::event_id.eq(event_id))
                    .select(gateway_events::payload)
                    .first(c)
                    .optional()
                    .map_err(DbError::Query)
            })
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no gateway event {event_id}"))?;
        let now = clock.now();
        let header = signature::sign(&self.secret, now.and_utc().timestamp(), body.as_bytes());
        let answer = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header(signature::HEADER, &header)
            .send(body.as_bytes())
            .map_err(|e| format!("cannot reach the merchant at {}: {e}", self.url))?;
        let status = answer.status();
        if !status.is_success() {
            return Err(format!("the merchant answered {status}"));
        }
        db.write(|c| {
            diesel::update(
                gateway_events::table
                    .filter(gateway_events::event_id.eq(event_id))
                    .filter(gateway_events::delivered_at.is_null()),
            )
            .set(gateway_events::delivered_at.eq(Some(now)))
            .execute(c)
            .map_err(DbError::Query)
        })
        .map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl RunJob<DeliverWebhook> for WebhookSender {
    fn run(&self, db: &Db, clock: &Clock, job: DeliverWebhook) -> Result<(), String> {
        self.deliver(db, clock, &job.event_id)
    }
}
