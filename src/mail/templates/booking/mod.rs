//! The booking emails (`templates::render` sends their kinds here): the confirmation with its
//! tickets, QR codes and calendar file, a failed payment, an ended hold and a refunded late
//! payment. Askama text + HTML pairs over the same layout as the account emails.

use askama::Template;
use chrono::TimeDelta;
use url::Url;

use crate::domain::ics::{IcsEvent, event_ics};
use crate::domain::qr;
use crate::mail::Attachment;
use crate::mail::templates::payload::{BookingEmail, EmailKind, Rendered, absolute};

/// How long the calendar says an event lasts when it has no end of its own.
const DEFAULT_LENGTH: TimeDelta = TimeDelta::hours(3);

macro_rules! booking_pair {
    ($html:ident, $text:ident, $html_path:literal, $text_path:literal) => {
        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            subject: &'a str,
            b: &'a BookingEmail,
            link: &'a str,
            #[allow(
                dead_code,
                reason = "only the confirmation links to the printable tickets"
            )]
            tickets_link: &'a str,
            home: &'a str,
            site: &'a str,
        }

        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            b: &'a BookingEmail,
            link: &'a str,
            #[allow(
                dead_code,
                reason = "only the confirmation links to the printable tickets"
            )]
            tickets_link: &'a str,
            home: &'a str,
            site: &'a str,
        }

        impl $html<'_> {
            fn pair(v: &View) -> Result<(String, String), askama::Error> {
                let html = $html {
                    subject: v.subject,
                    b: v.b,
                    link: v.link,
                    tickets_link: v.tickets_link,
                    home: v.home,
                    site: v.site,
                }
                .render()?;
                let text = $text {
                    b: v.b,
                    link: v.link,
                    tickets_link: v.tickets_link,
                    home: v.home,
                    site: v.site,
                }
                .render()?;
                Ok((text, html))
            }
        }
    };
}

/// Renders the text and HTML bodies of one kind.
type Pair = fn(&View) -> Result<(String, String), askama::Error>;

/// What every booking email is rendered from.
struct View<'a> {
    subject: &'a str,
    b: &'a BookingEmail,
    link: &'a str,
    tickets_link: &'a str,
    home: &'a str,
    site: &'a str,
}

booking_pair!(
    ConfirmedHtml,
    ConfirmedText,
    "email/booking_confirmed.html",
    "email/booking_confirmed.txt"
);
booking_pair!(
    PaymentFailedHtml,
    PaymentFailedText,
    "email/payment_failed.html",
    "email/payment_failed.txt"
);
booking_pair!(
    HoldExpiredHtml,
    HoldExpiredText,
    "email/hold_expired.html",
    "email/hold_expired.txt"
);
booking_pair!(
    CancelledHtml,
    CancelledText,
    "email/event_cancelled.html",
    "email/event_cancelled.txt"
);
booking_pair!(
    BookingRefundedHtml,
    BookingRefundedText,
    "email/booking_refunded.html",
    "email/booking_refunded.txt"
);
booking_pair!(
    RefundedHtml,
    RefundedText,
    "email/late_payment_refunded.html",
    "email/late_payment_refunded.txt"
);

/// Renders one of the booking kinds. An `Err` means it can never be sent.
pub(super) fn render(
    kind: EmailKind,
    b: &BookingEmail,
    base_url: &Url,
) -> Result<Rendered, String> {
    let home = absolute(base_url, "");
    let site = base_url.host_str().unwrap_or("boxoffice");
    let link = absolute(base_url, &format!("bookings/{}", b.reference));
    let tickets_link = absolute(base_url, &format!("bookings/{}/tickets", b.reference));
    let (subject, pair, with_files): (String, Pair, bool) = match kind {
        EmailKind::BookingConfirmed => (
            format!("Your tickets for {} ({})", b.event_title, b.reference),
            ConfirmedHtml::pair,
            true,
        ),
        EmailKind::PaymentFailed => (
            format!("Payment for booking {} did not go through", b.reference),
            PaymentFailedHtml::pair,
            false,
        ),
        EmailKind::HoldExpired => (
            format!("Your hold on {} has ended", b.event_title),
            HoldExpiredHtml::pair,
            false,
        ),
        EmailKind::LatePaymentRefunded => (
            format!("Your payment for {} has been refunded", b.reference),
            RefundedHtml::pair,
            false,
        ),
        EmailKind::BookingRefunded => (
            format!("Your booking {} has been refunded", b.reference),
            BookingRefundedHtml::pair,
            false,
        ),
        EmailKind::EventCancelled => (
            format!("{} is cancelled: your refund", b.event_title),
            CancelledHtml::pair,
            false,
        ),
        EmailKind::Welcome
        | EmailKind::VerifyEmail
        | EmailKind::PasswordReset
        | EmailKind::PasswordChanged
        | EmailKind::LoginLink
        | EmailKind::EmailChanged
        | EmailKind::RegistrationAttempt
        | EmailKind::TeamAdded
        | EmailKind::TeamInvitation => {
            return Err(format!("{} is not a booking email", kind.as_str()));
        }
    };
    let attachments = if with_files {
        let mut files = ticket_images(b)?;
        files.push(calendar_file(b, &link, base_url));
        files
    } else {
        Vec::new()
    };
    let pair = pair(&View {
        subject: &subject,
        b,
        link: &link,
        tickets_link: &tickets_link,
        home: &home,
        site,
    });
    let (text, html) = pair.map_err(|e| format!("cannot render the email: {e}"))?;
    Ok(Rendered {
        subject,
        text,
        html,
        attachments,
    })
}

/// The Content-ID the HTML's `<img src="cid:…">` of a ticket points at (the template spells
/// the same thing out).
fn ticket_image_id(code: &str) -> String {
    format!("ticket-{code}@boxoffice")
}

/// Each ticket's QR code, as an image the HTML body shows inline.
fn ticket_images(b: &BookingEmail) -> Result<Vec<Attachment>, String> {
    b.tickets
        .iter()
        .map(|t| {
            let svg = qr::try_svg(&t.code).map_err(|e| format!("ticket {}: {e}", t.code))?;
            Ok(Attachment {
                filename: format!("ticket-{}.svg", t.code),
                content_type: "image/svg+xml".to_owned(),
                body: svg.into_bytes(),
                inline_id: Some(ticket_image_id(&t.code)),
            })
        })
        .collect()
}

/// `{reference}.ics`. Every input comes from the payload, so every retry of the same email
/// attaches a byte-identical file: that is why `DTSTAMP` is the start time rather than the
/// moment of sending.
fn calendar_file(b: &BookingEmail, link: &str, base_url: &Url) -> Attachment {
    let host = base_url.host_str().unwrap_or("boxoffice");
    let uid = format!("{}@{host}", b.reference);
    let mut description = b.lines.join("\n");
    description.push_str(&format!("\n\nBooking {}: {link}", b.reference));
    let ics = event_ics(&IcsEvent {
        uid: &uid,
        summary: &b.event_title,
        location: &b.venue,
        description: &description,
        url: link,
        starts_at: b.starts_at,
        ends_at: b.ends_at.unwrap_or(b.starts_at + DEFAULT_LENGTH),
        stamp: b.starts_at,
    });
    Attachment {
        filename: format!("{}.ics", b.reference),
        content_type: "text/calendar; charset=utf-8; method=PUBLISH".to_owned(),
        body: ics.into_bytes(),
        inline_id: None,
    }
}

#[cfg(test)]
mod tests;
