//! LotusPay's server-to-server notifications (its "IPN"): every outcome is a row of
//! `lotuspay_notifications` with its parameters, queued (job [`LotusPayNotify`]) in the
//! transaction that made the outcome. The worker posts it form-encoded to the merchant, with
//! `lp_SendDate` set to the moment of sending and signed afresh, and retries (backoff up to an
//! hour, 20 tries) until the answer's JSON says `"RspCode":"00"`: a 200 with another code is
//! not an acknowledgement. Every retry carries the same `lp_NotifyId`.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::params;
use super::records::{Payment, Refund, new_ref};
use super::sign;
use crate::clock::Clock;
use crate::db::schema::lotuspay_notifications;
use crate::db::{Db, DbConnection, DbError};
use crate::jobs::{Job, LotusPayNotify, LotusPaySettle, RunJob};
use crate::providers::NotificationKind;

/// One answer from the merchant may take this long.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The row's `kind` for a notification.
pub fn kind_text(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::PaymentSucceeded => "payment.succeeded",
        NotificationKind::PaymentFailed => "payment.failed",
        NotificationKind::PaymentCancelled => "payment.cancelled",
        NotificationKind::RefundSucceeded => "refund.succeeded",
    }
}

/// Records the notification of `payment`'s outcome (or of `refund`) and queues its delivery,
/// in the caller's transaction.
pub fn record(
    conn: &mut DbConnection,
    kind: NotificationKind,
    payment: &Payment,
    refund: Option<&Refund>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let notify_id = new_ref("lpn");
    let list = params::notification(&notify_id, payment, refund, now);
    let mut text = url::form_urlencoded::Serializer::new(String::new());
    text.extend_pairs(list.iter());
    diesel::insert_into(lotuspay_notifications::table)
        .values((
            lotuspay_notifications::notify_id.eq(&notify_id),
            lotuspay_notifications::payment_id.eq(payment.id),
            lotuspay_notifications::kind.eq(kind_text(kind)),
            lotuspay_notifications::params.eq(text.finish()),
            lotuspay_notifications::created_at.eq(now),
        ))
        .execute(conn)?;
    LotusPayNotify { notify_id }.enqueue(conn, now)?;
    Ok(())
}

/// Runs [`LotusPayNotify`]: posts notifications to the merchant.
pub struct NotifySender {
    agent: ureq::Agent,
    url: String,
    secret: Vec<u8>,
}

impl NotifySender {
    /// `url` is the merchant's notification endpoint; `server_secret` the app's secret key
    /// (LotusPay's signing secret is derived from it).
    pub fn new(url: String, server_secret: &[u8]) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        NotifySender {
            agent,
            url,
            secret: sign::provider_secret(server_secret),
        }
    }

    /// The sender the app's worker runs, posting to [`NotifySender::url_beside`] the SimPay
    /// webhook URL of `settings`.
    pub fn from_settings(settings: &crate::config::Settings, server_secret: &[u8]) -> Self {
        NotifySender::new(
            NotifySender::url_beside(&settings.gateway_webhook_url),
            server_secret,
        )
    }

    /// The merchant's LotusPay endpoint: the SimPay webhook URL with its last segment
    /// `gateway` replaced by `lotuspay` (`…/api/v1/webhooks/lotuspay`).
    pub fn url_beside(gateway_webhook_url: &url::Url) -> String {
        let mut url = gateway_webhook_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop().push("lotuspay");
        }
        url.to_string()
    }

    /// Posts one notification now. `Ok` once the merchant answered `"RspCode":"00"`.
    pub fn deliver(&self, db: &Db, clock: &Clock, notify_id: &str) -> Result<(), String> {
        let stored: String = db
            .read(|c| {
                lotuspay_notifications::table
                    .filter(lotuspay_notifications::notify_id.eq(notify_id))
                    .select(lotuspay_notifications::params)
                    .first(c)
                    .optional()
                    .map_err(DbError::Query)
            })
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no LotusPay notification {notify_id}"))?;
        let now = clock.now();
        let mut list = sign::parse(&stored);
        list.push(("lp_SendDate".to_owned(), params::date(now)));
        let body = sign::signed_query(&self.secret, &list);
        let mut answer = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body.as_bytes())
            .map_err(|e| format!("cannot reach the merchant at {}: {e}", self.url))?;
        let status = answer.status();
        let text = answer
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .unwrap_or_default();
        let code = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("RspCode").and_then(|c| c.as_str()).map(str::to_owned));
        if code.as_deref() != Some("00") {
            return Err(format!(
                "the merchant answered {status} with RspCode {}",
                code.as_deref().unwrap_or("(none)")
            ));
        }
        db.write(|c| {
            diesel::update(
                lotuspay_notifications::table
                    .filter(lotuspay_notifications::notify_id.eq(notify_id))
                    .filter(lotuspay_notifications::acknowledged_at.is_null()),
            )
            .set(lotuspay_notifications::acknowledged_at.eq(Some(now)))
            .execute(c)
            .map_err(DbError::Query)
        })
        .map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl RunJob<LotusPayNotify> for NotifySender {
    fn run(&self, db: &Db, clock: &Clock, job: LotusPayNotify) -> Result<(), String> {
        self.deliver(db, clock, &job.notify_id)
    }
}

/// Runs [`LotusPaySettle`]: the money of a bank transfer arrived.
pub struct Settler;

impl RunJob<LotusPaySettle> for Settler {
    fn run(&self, db: &Db, clock: &Clock, job: LotusPaySettle) -> Result<(), String> {
        super::books::settle(db, clock.now(), &job.txn_ref)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
