//! Delivering the email outbox: the [`Sender`] the worker runs to send what is due
//! (ARCHITECTURE §4, §6). Queuing an email inside a business transaction is
//! `services::notify`'s ([`queue`] is re-exported here).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::TimeDelta;
use url::Url;

use crate::clock::Clock;
use crate::db::outbox;
use crate::db::{Db, DbError};
use crate::domain::ids::EmailId;
use crate::jobs::backoff;
use crate::mail::templates;
use crate::mail::{Mailer, OutgoingEmail, SendError};
use crate::metrics::labels::Email as Sending;
pub use crate::services::notify::{Email, queue};

/// How long a sender owns an email it claimed. Longer than the SMTP timeouts of one attempt.
pub const LEASE: TimeDelta = TimeDelta::seconds(120);
/// When an attempt may have delivered the message (the conversation timed out after the
/// message went), the next try waits this long, so a slow server has time to settle and a
/// reader gets at most an occasional duplicate (with the same Message-ID).
pub const UNCERTAIN_RETRY: TimeDelta = TimeDelta::minutes(10);
/// How soon an email this machine could not store (a full disk) is tried again; such tries
/// never use up the email's attempts.
pub const STORAGE_RETRY: TimeDelta = TimeDelta::seconds(30);
/// Attempts before a temporarily failing email is given up (about a day of backoff: 10 s,
/// 20 s… then hourly).
pub const MAX_ATTEMPTS: i32 = 30;

/// A server's reason for the log: words that look like email addresses are left out (the
/// outbox row keeps the whole reason for admins).
fn redact(reason: &str) -> String {
    reason
        .split(' ')
        .map(|w| if w.contains('@') { "[address]" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What one turn of the sender did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendTurn {
    Idle,
    Sent {
        id: EmailId,
    },
    Retrying {
        id: EmailId,
        error: String,
    },
    Failed {
        id: EmailId,
        error: String,
    },
    /// Its lease ran out while it was being sent and another sender took it over.
    LostClaim {
        id: EmailId,
    },
}

/// Delivers due outbox rows through a [`Mailer`].
#[derive(Clone)]
pub struct Sender {
    db: Db,
    clock: Clock,
    mailer: Arc<Mailer>,
    base_url: Url,
}

impl Sender {
    pub fn new(db: Db, clock: Clock, mailer: Arc<Mailer>, base_url: Url) -> Self {
        Sender {
            db,
            clock,
            mailer,
            base_url,
        }
    }

    /// Claims and sends one due email. Blocking: the worker thread calls it.
    pub fn send_one(&self) -> Result<SendTurn, DbError> {
        let now = self.clock.now();
        if !self
            .db
            .read(|c| Ok::<_, DbError>(outbox::any_due(c, now)?))?
        {
            return Ok(SendTurn::Idle);
        }
        let claimed = self
            .db
            .write(|c| Ok::<_, DbError>(outbox::claim(c, now, now + LEASE)?))?;
        let Some(email) = claimed else {
            return Ok(SendTurn::Idle);
        };
        let message_id = self.mailer.message_id_for(&email.dedupe_key);
        let outcome = templates::render(&email.kind, &email.payload, &self.base_url)
            .map_err(SendError::Permanent)
            .and_then(|rendered| {
                let outgoing = OutgoingEmail {
                    to: email.recipient.clone(),
                    subject: rendered.subject,
                    text: rendered.text,
                    html: rendered.html,
                    message_id: message_id.clone(),
                    file_stem: format!(
                        "{}-{}-{}",
                        self.clock.now().format("%Y%m%dT%H%M%S"),
                        email.id,
                        email.kind
                    ),
                    attachments: rendered.attachments,
                };
                let date = SystemTime::UNIX_EPOCH
                    + Duration::from_secs(
                        u64::try_from(self.clock.now_utc().timestamp()).unwrap_or(0),
                    );
                self.mailer.send(&outgoing, date)
            });
        let now = self.clock.now();
        let (id, attempt) = (email.id, email.attempts);
        let turn = match outcome {
            Ok(()) => {
                let kept = self.db.write(|c| {
                    Ok::<_, DbError>(outbox::mark_sent(c, id, attempt, &message_id, now)?)
                })?;
                if kept {
                    tracing::info!(email.id = id.0, email.kind = %email.kind, "email sent");
                    SendTurn::Sent { id }
                } else {
                    SendTurn::LostClaim { id }
                }
            }
            Err(error) => {
                let retry_at = match &error {
                    SendError::Temporary(_) if attempt < MAX_ATTEMPTS => {
                        Some(now + backoff(attempt))
                    }
                    SendError::Storage(_) => Some(now + STORAGE_RETRY),
                    SendError::Uncertain(_) if attempt < MAX_ATTEMPTS => {
                        Some(now + backoff(attempt).max(UNCERTAIN_RETRY))
                    }
                    _ => None,
                };
                let reason = match &error {
                    SendError::Temporary(e) | SendError::Uncertain(e) if retry_at.is_none() => {
                        format!("gave up after {attempt} attempts: {e}")
                    }
                    SendError::Temporary(e)
                    | SendError::Permanent(e)
                    | SendError::Uncertain(e)
                    | SendError::Storage(e) => e.clone(),
                };
                let kept = self.db.write(|c| {
                    Ok::<_, DbError>(outbox::mark_failed(c, id, attempt, &reason, retry_at)?)
                })?;
                match (kept, retry_at) {
                    (false, _) => SendTurn::LostClaim { id },
                    (true, Some(_)) => {
                        tracing::warn!(email.id = id.0, email.kind = %email.kind, attempt, error = %redact(&reason), "email not sent; will retry");
                        SendTurn::Retrying { id, error: reason }
                    }
                    (true, None) => {
                        tracing::error!(email.id = id.0, email.kind = %email.kind, error = %redact(&reason), "email failed for good");
                        SendTurn::Failed { id, error: reason }
                    }
                }
            }
        };
        let counted = match &turn {
            SendTurn::Sent { .. } => Some(Sending::Sent),
            SendTurn::Retrying { .. } => Some(Sending::Retried),
            SendTurn::Failed { .. } => Some(Sending::Failed),
            SendTurn::Idle | SendTurn::LostClaim { .. } => None,
        };
        if let Some(outcome) = counted {
            self.db.metrics().email(outcome);
        }
        Ok(turn)
    }

    /// Sends due emails until none is left.
    pub fn send_until_idle(&self) -> Result<Vec<SendTurn>, DbError> {
        let mut turns = Vec::new();
        loop {
            match self.send_one()? {
                SendTurn::Idle => return Ok(turns),
                turn => turns.push(turn),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_stay_out_of_logged_reasons() {
        assert_eq!(
            super::redact("550 <ada@example.com>: Recipient address rejected"),
            "550 [address] Recipient address rejected"
        );
    }
}
