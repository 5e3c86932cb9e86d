//! The emails themselves: askama text + HTML pairs over one layout (`templates/email/`), with
//! absolute links built from `BOXOFFICE_BASE_URL`. The outbox stores a kind and a JSON payload;
//! the message is rendered when it is sent.

use askama::Template;
use serde::{Deserialize, Serialize};
use url::Url;

use super::Attachment;

/// Every kind of email the outbox knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    Welcome,
    VerifyEmail,
    PasswordReset,
    PasswordChanged,
    BookingConfirmed,
    PaymentFailed,
    HoldExpired,
    LatePaymentRefunded,
    EventCancelled,
    BookingRefunded,
    /// A one-time sign-in (unlock) link (`/login/link/{token}`).
    LoginLink,
    /// To the old address after an email change; the payload's `detail` is the new address,
    /// masked.
    EmailChanged,
    /// To an account's owner when someone tried to register with their address.
    RegistrationAttempt,
}

impl EmailKind {
    pub const ALL: [EmailKind; 13] = [
        EmailKind::Welcome,
        EmailKind::VerifyEmail,
        EmailKind::PasswordReset,
        EmailKind::PasswordChanged,
        EmailKind::BookingConfirmed,
        EmailKind::PaymentFailed,
        EmailKind::HoldExpired,
        EmailKind::LatePaymentRefunded,
        EmailKind::EventCancelled,
        EmailKind::BookingRefunded,
        EmailKind::LoginLink,
        EmailKind::EmailChanged,
        EmailKind::RegistrationAttempt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Welcome => "welcome",
            EmailKind::VerifyEmail => "verify_email",
            EmailKind::PasswordReset => "password_reset",
            EmailKind::PasswordChanged => "password_changed",
            EmailKind::BookingConfirmed => "booking_confirmed",
            EmailKind::PaymentFailed => "payment_failed",
            EmailKind::HoldExpired => "hold_expired",
            EmailKind::LatePaymentRefunded => "late_payment_refunded",
            EmailKind::EventCancelled => "event_cancelled",
            EmailKind::BookingRefunded => "booking_refunded",
            EmailKind::LoginLink => "login_link",
            EmailKind::EmailChanged => "email_changed",
            EmailKind::RegistrationAttempt => "registration_attempt",
        }
    }

    pub fn parse(raw: &str) -> Option<EmailKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// Whether the payload is a [`BookingEmail`] (otherwise an [`AccountEmail`]).
    pub fn is_booking(self) -> bool {
        match self {
            EmailKind::Welcome
            | EmailKind::VerifyEmail
            | EmailKind::PasswordReset
            | EmailKind::PasswordChanged
            | EmailKind::LoginLink
            | EmailKind::EmailChanged
            | EmailKind::RegistrationAttempt => false,
            EmailKind::BookingConfirmed
            | EmailKind::PaymentFailed
            | EmailKind::HoldExpired
            | EmailKind::LatePaymentRefunded
            | EmailKind::EventCancelled
            | EmailKind::BookingRefunded => true,
        }
    }
}

/// The payload of the account emails: who, and (for links that need one) the raw token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccountEmail {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// What else the email says (`email_changed`: the new address, masked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The payload of the booking emails: a snapshot of the booking when the business event happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BookingEmail {
    pub name: String,
    pub reference: String,
    pub event_title: String,
    /// "Royal Albert Hall, London"
    pub venue: String,
    /// "Sat 12 Dec 2026, 19:30 GMT" (already in the venue's time zone)
    pub starts_local: String,
    /// UTC, for the calendar file.
    pub starts_at: chrono::NaiveDateTime,
    /// UTC; when the event has no end, the calendar uses start + 3 hours.
    #[serde(default)]
    pub ends_at: Option<chrono::NaiveDateTime>,
    /// "Stalls, row F, seat 12 · £65.00", one per line of the booking.
    pub lines: Vec<String>,
    /// "£130.00"
    pub total: String,
    /// Empty except for booking_confirmed.
    #[serde(default)]
    pub tickets: Vec<TicketLine>,
    /// Why (payment_failed: the gateway's reason; late_payment_refunded: what happened).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TicketLine {
    pub code: String,
    /// "Stalls, row F, seat 12" or "Standing floor"
    pub place: String,
}

/// Subject, both bodies, and the files that go with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

/// How long the links stay valid, in words, for the emails.
pub const VERIFY_VALID_FOR: &str = "48 hours";
pub const RESET_VALID_FOR: &str = "1 hour";
pub const LOGIN_LINK_VALID_FOR: &str = "15 minutes";

macro_rules! email_pair {
    ($html:ident, $text:ident, $html_path:literal, $text_path:literal) => {
        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            subject: &'a str,
            name: &'a str,
            link: &'a str,
            #[allow(dead_code)] // not every email says how long its link lasts
            valid_for: &'a str,
            home: &'a str,
            site: &'a str,
        }

        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            name: &'a str,
            link: &'a str,
            #[allow(dead_code)] // not every email says how long its link lasts
            valid_for: &'a str,
            home: &'a str,
            site: &'a str,
        }

        impl<'a> $html<'a> {
            fn pair(
                subject: &'a str,
                name: &'a str,
                link: &'a str,
                valid_for: &'a str,
                home: &'a str,
                site: &'a str,
            ) -> Result<(String, String), askama::Error> {
                let html = $html {
                    subject,
                    name,
                    link,
                    valid_for,
                    home,
                    site,
                }
                .render()?;
                let text = $text {
                    name,
                    link,
                    valid_for,
                    home,
                    site,
                }
                .render()?;
                Ok((text, html))
            }
        }
    };
}

email_pair!(
    WelcomeHtml,
    WelcomeText,
    "email/welcome.html",
    "email/welcome.txt"
);
email_pair!(
    VerifyHtml,
    VerifyText,
    "email/verify_email.html",
    "email/verify_email.txt"
);
email_pair!(
    ResetHtml,
    ResetText,
    "email/password_reset.html",
    "email/password_reset.txt"
);
email_pair!(
    ChangedHtml,
    ChangedText,
    "email/password_changed.html",
    "email/password_changed.txt"
);

email_pair!(
    LoginLinkHtml,
    LoginLinkText,
    "email/login_link.html",
    "email/login_link.txt"
);
// `valid_for` carries the new address, masked.
email_pair!(
    EmailChangedHtml,
    EmailChangedText,
    "email/email_changed.html",
    "email/email_changed.txt"
);
email_pair!(
    RegistrationAttemptHtml,
    RegistrationAttemptText,
    "email/registration_attempt.html",
    "email/registration_attempt.txt"
);

/// An absolute link to `path` (which may carry a query) on the public site.
pub fn absolute(base_url: &Url, path: &str) -> String {
    base_url
        .join(path)
        .map_or_else(|_| format!("{base_url}{path}"), |u| u.to_string())
}

/// Renders an email from its outbox kind and payload. An `Err` means it can never be sent.
pub fn render(kind: &str, payload: &str, base_url: &Url) -> Result<Rendered, String> {
    let kind = EmailKind::parse(kind).ok_or_else(|| format!("unknown email kind `{kind}`"))?;
    if kind.is_booking() {
        let data: BookingEmail =
            serde_json::from_str(payload).map_err(|e| format!("unreadable payload: {e}"))?;
        return super::booking::render(kind, &data, base_url);
    }
    let data: AccountEmail =
        serde_json::from_str(payload).map_err(|e| format!("unreadable payload: {e}"))?;
    let token = || {
        data.token
            .as_deref()
            .ok_or_else(|| format!("a {} email needs a token", kind.as_str()))
    };
    let home = absolute(base_url, "");
    let site = base_url.host_str().unwrap_or("boxoffice").to_owned();
    let name = data.name.as_str();
    let (subject, result) = match kind {
        EmailKind::Welcome => {
            let subject = "Welcome to boxoffice: please confirm your email";
            let link = absolute(base_url, &format!("account/verify?token={}", token()?));
            let pair = WelcomeHtml::pair(subject, name, &link, VERIFY_VALID_FOR, &home, &site);
            (subject, pair)
        }
        EmailKind::VerifyEmail => {
            let subject = "Confirm your email address";
            let link = absolute(base_url, &format!("account/verify?token={}", token()?));
            let pair = VerifyHtml::pair(subject, name, &link, VERIFY_VALID_FOR, &home, &site);
            (subject, pair)
        }
        EmailKind::PasswordReset => {
            let subject = "Reset your boxoffice password";
            let link = absolute(base_url, &format!("password/reset?token={}", token()?));
            let pair = ResetHtml::pair(subject, name, &link, RESET_VALID_FOR, &home, &site);
            (subject, pair)
        }
        EmailKind::PasswordChanged => {
            let subject = "Your boxoffice password was changed";
            let link = absolute(base_url, "password/forgot");
            let pair = ChangedHtml::pair(subject, name, &link, "", &home, &site);
            (subject, pair)
        }
        EmailKind::LoginLink => {
            let subject = "Your boxoffice sign-in link";
            let link = absolute(base_url, &format!("login/link/{}", token()?));
            let pair =
                LoginLinkHtml::pair(subject, name, &link, LOGIN_LINK_VALID_FOR, &home, &site);
            (subject, pair)
        }
        EmailKind::EmailChanged => {
            let subject = "The email address of your boxoffice account was changed";
            let link = absolute(base_url, "password/forgot");
            let new_address = data.detail.as_deref().unwrap_or("another address");
            let pair = EmailChangedHtml::pair(subject, name, &link, new_address, &home, &site);
            (subject, pair)
        }
        EmailKind::RegistrationAttempt => {
            let subject = "Someone tried to register with your email address";
            let link = absolute(base_url, "password/forgot");
            let pair = RegistrationAttemptHtml::pair(subject, name, &link, "", &home, &site);
            (subject, pair)
        }
        EmailKind::BookingConfirmed
        | EmailKind::PaymentFailed
        | EmailKind::HoldExpired
        | EmailKind::LatePaymentRefunded
        | EmailKind::EventCancelled
        | EmailKind::BookingRefunded => {
            return Err(format!("{} is not an account email", kind.as_str()));
        }
    };
    let (text, html) = result.map_err(|e| format!("cannot render the email: {e}"))?;
    Ok(Rendered {
        subject: subject.to_owned(),
        text,
        html,
        attachments: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://tickets.example.org/").unwrap()
    }

    fn payload(name: &str, token: Option<&str>) -> String {
        serde_json::to_string(&AccountEmail {
            name: name.to_owned(),
            token: token.map(str::to_owned),
            detail: None,
        })
        .unwrap()
    }

    #[test]
    fn the_welcome_email_links_to_verification_in_both_bodies() {
        let r = render("welcome", &payload("Ada", Some("abc123")), &base()).unwrap();
        let link = "https://tickets.example.org/account/verify?token=abc123";
        assert!(r.text.contains(link), "{}", r.text);
        assert!(r.html.contains(link), "{}", r.html);
        assert!(r.text.contains("Welcome, Ada!"));
        assert!(r.subject.contains("confirm your email"));
    }

    #[test]
    fn names_are_escaped_in_html_but_not_in_text() {
        let r = render("password_reset", &payload("<b>Eve</b>", Some("t")), &base()).unwrap();
        assert!(r.html.contains("&#60;b&#62;Eve") || r.html.contains("&lt;b&gt;Eve"));
        assert!(!r.html.contains("<b>Eve"));
        assert!(r.text.contains("Hello <b>Eve</b>,"));
        assert!(
            r.text
                .contains("https://tickets.example.org/password/reset?token=t")
        );
    }

    #[test]
    fn unknown_kinds_and_missing_tokens_cannot_render() {
        assert!(render("nope", &payload("A", None), &base()).is_err());
        assert!(render("verify_email", &payload("A", None), &base()).is_err());
        assert!(render("verify_email", "not json", &base()).is_err());
        assert!(render("password_changed", &payload("A", None), &base()).is_ok());
    }

    #[test]
    fn every_kind_renders_from_its_own_payload() {
        let booking = serde_json::to_string(&BookingEmail {
            name: "Ada".to_owned(),
            reference: "BK7Q2M".to_owned(),
            event_title: "Hamlet".to_owned(),
            venue: "Globe, London".to_owned(),
            starts_local: "Sat 12 Dec 2026, 19:30 GMT".to_owned(),
            starts_at: chrono::DateTime::from_timestamp(1_797_017_400, 0)
                .unwrap()
                .naive_utc(),
            ends_at: None,
            lines: vec!["Yard, standing · £5.00".to_owned()],
            total: "£5.00".to_owned(),
            tickets: vec![TicketLine {
                code: "ABCD2345EFGH6789".to_owned(),
                place: "Standing floor".to_owned(),
            }],
            reason: None,
        })
        .unwrap();
        let account = payload("Ada", Some("t"));
        for kind in EmailKind::ALL {
            assert_eq!(EmailKind::parse(kind.as_str()), Some(kind));
            let (right, wrong) = if kind.is_booking() {
                (&booking, &account)
            } else {
                (&account, &booking)
            };
            let r = render(kind.as_str(), right, &base()).unwrap();
            assert!(r.text.contains("Ada"), "{}", kind.as_str());
            assert_eq!(
                r.attachments.is_empty(),
                kind != EmailKind::BookingConfirmed
            );
            // Each family's payload lacks the other's required fields.
            if kind.is_booking() {
                assert!(render(kind.as_str(), wrong, &base()).is_err());
            }
        }
    }

    #[test]
    fn links_keep_a_base_path() {
        let base = Url::parse("https://example.org/tickets/").unwrap();
        assert_eq!(
            absolute(&base, "password/forgot"),
            "https://example.org/tickets/password/forgot"
        );
    }
}
