//! Sending email (ARCHITECTURE §6): a [`Mailer`] over SMTP when `BOXOFFICE_SMTP_URL` is set, or
//! `.eml` files in `BOXOFFICE_MAIL_DIR` otherwise. Sending is blocking (lettre's synchronous
//! SMTP client, with timeouts); only the worker thread calls it. What to send, and when, is the
//! outbox's business (`services::email`).

//!
//! - `mailer.rs`: the [`Mailer`]; `mime.rs`: a message's body; `smtp.rs`: the SMTP transport;
//!   `files.rs`: the `.eml` files and private folders.
//! - `templates/`: the emails themselves, rendered from the outbox's kind and payload.

mod files;
mod mailer;
mod mime;
mod smtp;
pub mod templates;

use std::time::Duration;

pub use files::{private_dir, private_file};
pub use mailer::Mailer;

/// How long one whole SMTP conversation (connect, greeting, every command, the message and its
/// answer) may take by default before the attempt is abandoned; `BOXOFFICE_SMTP_TIMEOUT_SECONDS`.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A message ready to go.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Without the angle brackets; the same for every attempt at the same email.
    pub message_id: String,
    /// Names the `.eml` file.
    pub file_stem: String,
    /// Files sent along: a calendar file, or images the HTML shows (`inline_id`).
    pub attachments: Vec<Attachment>,
}

/// A file in an email. With an `inline_id` it is an image the HTML body shows through
/// `<img src="cid:{inline_id}">`; without, a file the reader can open or save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    /// A MIME type, with parameters if any: `text/calendar; charset=utf-8; method=PUBLISH`.
    pub content_type: String,
    pub body: Vec<u8>,
    /// The Content-ID, without the angle brackets.
    pub inline_id: Option<String>,
}

/// Why a send did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Try again later: the server is down, busy, or said 4xx.
    #[error("{0}")]
    Temporary(String),
    /// Never going to work for this message: the server said 5xx for it, or it cannot be built.
    #[error("{0}")]
    Permanent(String),
    /// The conversation ran out of time: the message may have gone (the server may have taken
    /// it and not answered yet). Retried later with the same Message-ID: at least once.
    #[error("{0}")]
    Uncertain(String),
    /// This machine could not store the message (a full disk): retried until there is room,
    /// never given up on.
    #[error("{0}")]
    Storage(String),
}

#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("BOXOFFICE_SMTP_URL: {0}")]
    Smtp(String),
    #[error("BOXOFFICE_MAIL_FROM: {0}")]
    From(String),
}

#[cfg(test)]
mod tests;
