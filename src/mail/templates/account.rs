//! The account emails (welcome, verification, password reset and change, sign-in link, address
//! change, registration attempt): askama text + HTML pairs over one layout.

use askama::Template;
use url::Url;

use super::payload::{
    AccountEmail, EmailKind, LOGIN_LINK_VALID_FOR, RESET_VALID_FOR, Rendered, VERIFY_VALID_FOR,
    absolute,
};

macro_rules! email_pair {
    ($html:ident, $text:ident, $html_path:literal, $text_path:literal) => {
        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            subject: &'a str,
            name: &'a str,
            link: &'a str,
            #[allow(dead_code, reason = "not every email says how long its link lasts")]
            valid_for: &'a str,
            home: &'a str,
            site: &'a str,
        }

        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            name: &'a str,
            link: &'a str,
            #[allow(dead_code, reason = "not every email says how long its link lasts")]
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

/// Renders one of the account kinds. An `Err` means it can never be sent.
pub(super) fn render(
    kind: EmailKind,
    data: &AccountEmail,
    base_url: &Url,
) -> Result<Rendered, String> {
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
        EmailKind::TeamAdded | EmailKind::TeamInvitation => {
            return super::team::render(kind, data, base_url);
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
