//! The [`Mailer`]: where mail goes (SMTP or `.eml` files), Message-IDs, building and sending one
//! message within its deadline.

use lettre::message::{Mailbox, header};
use lettre::{Message, SmtpTransport, Transport};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use url::Url;

use super::files::write_eml;
use super::mime::body;
use super::smtp::{classify, smtp_transport};
use super::{MailConfigError, OutgoingEmail, SendError};
use crate::config::Settings;

enum Transport_ {
    Smtp(Arc<SmtpTransport>),
    Files(PathBuf),
}

/// Delivers [`OutgoingEmail`]s. Cheap to share behind an `Arc`.
pub struct Mailer {
    transport: Transport_,
    pub(super) from: Mailbox,
    /// The domain part of Message-IDs.
    domain: String,
    /// The longest one SMTP conversation may take.
    deadline: Duration,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.describe())
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> Result<Mailer, MailConfigError> {
        let domain = mail_domain(&settings.base_url);
        let from = match &settings.mail_from {
            Some(raw) => raw
                .parse::<Mailbox>()
                .map_err(|e| MailConfigError::From(format!("not an email address ({e})")))?,
            None => format!("boxoffice <no-reply@{domain}>")
                .parse::<Mailbox>()
                .map_err(|e| MailConfigError::From(e.to_string()))?,
        };
        let deadline = Duration::from_secs(u64::from(settings.smtp_timeout_seconds.max(1)));
        let transport = match &settings.smtp_url {
            Some(url) => Transport_::Smtp(Arc::new(smtp_transport(url, &domain, deadline)?)),
            None => Transport_::Files(settings.mail_dir.clone()),
        };
        Ok(Mailer {
            transport,
            from,
            domain,
            deadline,
        })
    }

    /// For logs: where mail goes.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport_::Smtp(_) => "SMTP".to_owned(),
            Transport_::Files(dir) => format!(".eml files in {}", dir.display()),
        }
    }

    /// `<…@domain>` for a stable key: the same key always gives the same id.
    pub fn message_id_for(&self, key: &str) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(key.as_bytes());
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        format!("{hex}@{}", self.domain)
    }

    /// Builds the MIME message: text and HTML alternatives, the HTML wrapped with its inline
    /// images (`multipart/related`) when it has some, and all of it with the other attachments
    /// (`multipart/mixed`) when there are any.
    pub fn build(&self, email: &OutgoingEmail, date: SystemTime) -> Result<Message, SendError> {
        let to = email.to.parse::<Mailbox>().map_err(|e| {
            SendError::Permanent(format!("the recipient {} is not valid: {e}", email.to))
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(format!("<{}>", email.message_id)))
            .date(date)
            .header(header::MIME_VERSION_1_0)
            .multipart(body(email)?)
            .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))
    }

    /// Sends one message. Blocking.
    pub fn send(&self, email: &OutgoingEmail, date: SystemTime) -> Result<(), SendError> {
        let message = self.build(email, date)?;
        match &self.transport {
            Transport_::Smtp(smtp) => self.send_smtp(smtp, message),
            Transport_::Files(dir) => write_eml(dir, &email.file_stem, &message.formatted())
                .map_err(|e| SendError::Storage(format!("cannot write to {}: {e}", dir.display()))),
        }
    }
}

impl Mailer {
    /// One SMTP conversation, bounded as a whole by the deadline: lettre's own timeouts bound
    /// each command, not their sum, so a server that answers slowly could otherwise hold the
    /// lane for many times the timeout. The conversation runs on a thread of its own; past the
    /// deadline it is abandoned (its per-command timeouts end it soon after) and the attempt is
    /// [`SendError::Uncertain`]: the server may have taken the message without answering.
    fn send_smtp(&self, smtp: &Arc<SmtpTransport>, message: Message) -> Result<(), SendError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let smtp = smtp.clone();
        let spawned = std::thread::Builder::new()
            .name("smtp".to_owned())
            .spawn(move || {
                let _ = tx.send(smtp.send(&message));
            });
        if let Err(e) = spawned {
            return Err(SendError::Temporary(format!(
                "cannot start the SMTP client: {e}"
            )));
        }
        match rx.recv_timeout(self.deadline) {
            Ok(result) => result.map(|_| ()).map_err(classify),
            Err(_) => Err(SendError::Uncertain(format!(
                "the SMTP conversation did not finish within {} s; the message may have been \
                 delivered",
                self.deadline.as_secs()
            ))),
        }
    }
}

/// The host of the public URL, or `localhost` when that is an IP address (an address literal
/// is not welcome in a From header or a Message-ID).
fn mail_domain(base_url: &Url) -> String {
    match base_url.host() {
        Some(url::Host::Domain(d)) if d.contains('.') || d == "localhost" => d.to_owned(),
        _ => "localhost".to_owned(),
    }
}
