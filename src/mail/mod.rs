//! Sending email (ARCHITECTURE §6): a [`Mailer`] over SMTP when `BOXOFFICE_SMTP_URL` is set, or
//! `.eml` files in `BOXOFFICE_MAIL_DIR` otherwise. Sending is blocking (lettre's synchronous
//! SMTP client, with timeouts); only the worker thread calls it. What to send, and when, is the
//! outbox's business (`services::email`).

mod booking;
pub mod templates;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Message, SmtpTransport, Transport};
use url::Url;

use crate::config::{Settings, SmtpUrl};

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

enum Transport_ {
    Smtp(Arc<SmtpTransport>),
    Files(PathBuf),
}

/// Delivers [`OutgoingEmail`]s. Cheap to share behind an `Arc`.
pub struct Mailer {
    transport: Transport_,
    from: Mailbox,
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

/// The MIME body of an email. Without attachments it is exactly the plain `multipart/alternative`
/// of text and HTML.
fn body(email: &OutgoingEmail) -> Result<MultiPart, SendError> {
    let (inline, attached): (Vec<&Attachment>, Vec<&Attachment>) = email
        .attachments
        .iter()
        .partition(|a| a.inline_id.is_some());
    let html = if inline.is_empty() {
        None
    } else {
        let mut related = MultiPart::related().singlepart(SinglePart::html(email.html.clone()));
        for a in inline {
            related = related.singlepart(mime_part(a)?);
        }
        Some(related)
    };
    let alternative = match html {
        None => MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()),
        Some(related) => MultiPart::alternative()
            .singlepart(SinglePart::plain(email.text.clone()))
            .multipart(related),
    };
    if attached.is_empty() {
        return Ok(alternative);
    }
    let mut mixed = MultiPart::mixed().multipart(alternative);
    for a in attached {
        mixed = mixed.singlepart(mime_part(a)?);
    }
    Ok(mixed)
}

fn mime_part(a: &Attachment) -> Result<SinglePart, SendError> {
    let content_type = ContentType::parse(&a.content_type).map_err(|e| {
        SendError::Permanent(format!(
            "the attachment {} has a bad content type `{}`: {e}",
            a.filename, a.content_type
        ))
    })?;
    let builder = match &a.inline_id {
        Some(id) => {
            lettre::message::Attachment::new_inline_with_name(id.clone(), a.filename.clone())
        }
        None => lettre::message::Attachment::new(a.filename.clone()),
    };
    Ok(builder.body(a.body.clone(), content_type))
}

/// The host of the public URL, or `localhost` when that is an IP address (an address literal
/// is not welcome in a From header or a Message-ID).
fn mail_domain(base_url: &Url) -> String {
    match base_url.host() {
        Some(url::Host::Domain(d)) if d.contains('.') || d == "localhost" => d.to_owned(),
        _ => "localhost".to_owned(),
    }
}

/// `smtp://` uses STARTTLS and insists on it; `smtps://` is TLS from the first byte. Add
/// `?tls=opportunistic` (STARTTLS when offered) or `?tls=none` for a local relay without TLS.
fn smtp_transport(
    url: &SmtpUrl,
    hello: &str,
    deadline: Duration,
) -> Result<SmtpTransport, MailConfigError> {
    let url = &url.0;
    let bad = |why: &str| MailConfigError::Smtp(why.to_owned());
    let host = url.host_str().ok_or_else(|| bad("the URL has no host"))?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let tls_mode = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let params = || {
        TlsParameters::new(host.clone())
            .map_err(|e| MailConfigError::Smtp(format!("cannot set up TLS: {e}")))
    };
    let (tls, default_port) = match (url.scheme(), tls_mode.as_deref()) {
        ("smtps", None | Some("wrapper" | "required")) => (Tls::Wrapper(params()?), 465),
        ("smtp", None | Some("required" | "starttls")) => (Tls::Required(params()?), 587),
        ("smtp", Some("opportunistic")) => (Tls::Opportunistic(params()?), 587),
        ("smtp", Some("none")) => (Tls::None, 25),
        _ => {
            return Err(bad(
                "tls= must be required, opportunistic or none (smtp://), or left out",
            ));
        }
    };
    let decode = |s: &str| {
        percent_decode(s).ok_or_else(|| bad("the user name or password is not valid UTF-8"))
    };
    let mut builder = SmtpTransport::builder_dangerous(host.clone())
        .port(url.port().unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(deadline))
        .hello_name(ClientId::Domain(hello.to_owned()));
    if !url.username().is_empty() {
        let user = decode(url.username())?;
        let password = decode(url.password().unwrap_or(""))?;
        builder = builder.credentials(Credentials::new(user, password));
    }
    Ok(builder.build())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// 5xx means this message will never go (wrong address, refused content); everything else
/// (4xx, no connection, timeouts, TLS trouble) may clear up. A 5xx about authentication is the
/// server's configuration, not the message's, so it is retried too, to go once an admin fixes
/// the credentials.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    let text = one_line(&e.to_string());
    let auth_problem = e
        .status()
        .map(|code| matches!(code.to_string().as_str(), "530" | "534" | "535" | "538"))
        .unwrap_or(false);
    if e.is_permanent() && !auth_problem {
        SendError::Permanent(text)
    } else {
        SendError::Temporary(text)
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes the message next to its final name, then renames it, so a reader never sees half a
/// file and a crash never leaves one. Folders are made 0700 and files 0600 (emails hold reset
/// links and buyers' details); a failed write removes its temporary file, so retries on a full
/// disk never fill it further.
fn write_eml(dir: &Path, stem: &str, bytes: &[u8]) -> std::io::Result<()> {
    private_dir(dir)?;
    let final_path = dir.join(format!("{stem}.eml"));
    let temp_path = dir.join(format!(".{stem}.eml.tmp"));
    let written = (|| {
        let mut file = private_file(&temp_path)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp_path, &final_path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp_path);
    }
    written
}

/// Creates `dir` (and its parents) readable by the owner only.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates (or truncates) a file readable by the owner only.
pub fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Settings {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_vars(&vars).expect("settings")
    }

    #[test]
    fn message_ids_are_stable_per_key_and_differ_between_keys() {
        let mailer = Mailer::from_settings(&settings(&[(
            "BOXOFFICE_BASE_URL",
            "https://tickets.example.org",
        )]))
        .unwrap();
        let a = mailer.message_id_for("welcome:1");
        assert_eq!(a, mailer.message_id_for("welcome:1"));
        assert_ne!(a, mailer.message_id_for("welcome:2"));
        assert!(a.ends_with("@tickets.example.org"), "{a}");
    }

    #[test]
    fn an_ip_base_url_gives_a_localhost_sender() {
        let mailer = Mailer::from_settings(&settings(&[])).unwrap();
        assert_eq!(mailer.from.email.to_string(), "no-reply@localhost");
    }

    #[test]
    fn smtp_urls_pick_tls_and_reject_unknown_modes() {
        for ok in [
            "smtp://mail.example.org",
            "smtp://u%40x:p%2Fw@mail.example.org:2525?tls=opportunistic",
            "smtp://127.0.0.1:1025?tls=none",
            "smtps://mail.example.org",
        ] {
            let s = settings(&[("BOXOFFICE_SMTP_URL", ok)]);
            assert!(Mailer::from_settings(&s).is_ok(), "{ok}");
        }
        let s = settings(&[("BOXOFFICE_SMTP_URL", "smtps://mail.example.org?tls=none")]);
        assert!(Mailer::from_settings(&s).is_err());
        let s = settings(&[("BOXOFFICE_MAIL_FROM", "not an address")]);
        assert!(Mailer::from_settings(&s).is_err());
    }

    fn email(attachments: Vec<Attachment>) -> OutgoingEmail {
        OutgoingEmail {
            to: "ada@example.com".to_owned(),
            subject: "Your tickets".to_owned(),
            text: "Hello Ada".to_owned(),
            html: "<p>Hello Ada</p>".to_owned(),
            message_id: "abc@tickets.example.org".to_owned(),
            file_stem: "t".to_owned(),
            attachments,
        }
    }

    fn calendar() -> Attachment {
        Attachment {
            filename: "BK7Q2M.ics".to_owned(),
            content_type: "text/calendar; charset=utf-8; method=PUBLISH".to_owned(),
            body: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec(),
            inline_id: None,
        }
    }

    fn qr_image() -> Attachment {
        Attachment {
            filename: "ticket-ABCD.svg".to_owned(),
            content_type: "image/svg+xml".to_owned(),
            body: b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>".to_vec(),
            inline_id: Some("ticket-ABCD@boxoffice".to_owned()),
        }
    }

    /// The message's content types, in order.
    fn content_types(email: &OutgoingEmail) -> Vec<String> {
        let mailer = Mailer::from_settings(&settings(&[])).unwrap();
        let message = mailer.build(email, SystemTime::UNIX_EPOCH).unwrap();
        String::from_utf8(message.formatted())
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("Content-Type: "))
            .map(|t| t.split(';').next().unwrap_or(t).to_owned())
            .collect()
    }

    #[test]
    fn without_attachments_a_message_is_text_and_html_alternatives() {
        assert_eq!(
            content_types(&email(Vec::new())),
            ["multipart/alternative", "text/plain", "text/html"]
        );
    }

    #[test]
    fn attachments_go_around_the_alternatives_and_inline_images_beside_the_html() {
        assert_eq!(
            content_types(&email(vec![calendar()])),
            [
                "multipart/mixed",
                "multipart/alternative",
                "text/plain",
                "text/html",
                "text/calendar"
            ]
        );
        assert_eq!(
            content_types(&email(vec![qr_image()])),
            [
                "multipart/alternative",
                "text/plain",
                "multipart/related",
                "text/html",
                "image/svg+xml"
            ]
        );
        let both = email(vec![qr_image(), calendar()]);
        assert_eq!(
            content_types(&both),
            [
                "multipart/mixed",
                "multipart/alternative",
                "text/plain",
                "multipart/related",
                "text/html",
                "image/svg+xml",
                "text/calendar"
            ]
        );
        let mailer = Mailer::from_settings(&settings(&[])).unwrap();
        let raw = String::from_utf8(
            mailer
                .build(&both, SystemTime::UNIX_EPOCH)
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(
            raw.contains("Content-ID: <ticket-ABCD@boxoffice>\r\n"),
            "{raw}"
        );
        assert!(raw.contains("Content-Disposition: inline; filename=\"ticket-ABCD.svg\""));
        assert!(raw.contains("Content-Disposition: attachment; filename=\"BK7Q2M.ics\""));
    }

    #[test]
    fn an_attachment_with_a_bad_content_type_can_never_be_sent() {
        let mut bad = calendar();
        bad.content_type = "not a type".to_owned();
        let mailer = Mailer::from_settings(&settings(&[])).unwrap();
        let result = mailer.build(&email(vec![bad]), SystemTime::UNIX_EPOCH);
        assert!(matches!(result, Err(SendError::Permanent(_))));
    }

    #[test]
    fn percent_decoding_handles_escapes_and_plain_text() {
        assert_eq!(percent_decode("u%40x").as_deref(), Some("u@x"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%ff"), None);
    }
}
