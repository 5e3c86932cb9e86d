//! The booking emails' checks: tickets, QR codes, the calendar file, each kind's words.

use chrono::NaiveDate;

use super::*;
use crate::mail::templates::{TicketLine, render};

fn base() -> Url {
    Url::parse("https://tickets.example.org/").unwrap()
}

fn booking(title: &str) -> BookingEmail {
    BookingEmail {
        name: "Ada".to_owned(),
        reference: "BK7Q2M".to_owned(),
        event_title: title.to_owned(),
        venue: "Royal Albert Hall, London".to_owned(),
        starts_local: "Sat 12 Dec 2026, 19:30 GMT".to_owned(),
        starts_at: NaiveDate::from_ymd_opt(2026, 12, 12)
            .unwrap()
            .and_hms_opt(19, 30, 0)
            .unwrap(),
        ends_at: None,
        lines: vec![
            "Stalls, row F, seat 12 · £65.00".to_owned(),
            "Stalls, row F, seat 13 · £65.00".to_owned(),
        ],
        total: "£130.00".to_owned(),
        tickets: vec![
            TicketLine {
                code: "ABCD2345EFGH6789".to_owned(),
                place: "Stalls, row F, seat 12".to_owned(),
            },
            TicketLine {
                code: "WXYZ2345EFGH6789".to_owned(),
                place: "Stalls, row F, seat 13".to_owned(),
            },
        ],
        reason: None,
    }
}

fn rendered(kind: &str, b: &BookingEmail) -> Rendered {
    render(kind, &serde_json::to_string(b).unwrap(), &base()).unwrap()
}

fn text_of(a: &Attachment) -> &str {
    std::str::from_utf8(&a.body).unwrap()
}

#[test]
fn every_booking_kind_renders_with_its_subject_and_the_booking_link() {
    let b = booking("Hamlet");
    let link = "https://tickets.example.org/bookings/BK7Q2M";
    for (kind, subject) in [
        ("booking_confirmed", "Your tickets for Hamlet (BK7Q2M)"),
        (
            "payment_failed",
            "Payment for booking BK7Q2M did not go through",
        ),
        ("hold_expired", "Your hold on Hamlet has ended"),
        (
            "late_payment_refunded",
            "Your payment for BK7Q2M has been refunded",
        ),
    ] {
        let r = rendered(kind, &b);
        assert_eq!(r.subject, subject);
        assert!(r.text.contains(link), "{kind}: {}", r.text);
        assert!(r.html.contains(&format!(r#"href="{link}""#)), "{kind}");
        assert!(r.text.contains("Hello Ada"), "{kind}: {}", r.text);
        assert!(r.html.contains("<title>"), "{kind}: over the layout");
        assert!(r.text.starts_with("boxoffice\n"), "{kind}: over the layout");
    }
}

#[test]
fn the_confirmation_shows_every_ticket_with_its_qr_code_attached_inline() {
    let r = rendered("booking_confirmed", &booking("Hamlet"));
    for code in ["ABCD2345EFGH6789", "WXYZ2345EFGH6789"] {
        assert!(r.text.contains(code), "{}", r.text);
        let img = format!(
            r#"<img src="cid:ticket-{code}@boxoffice" alt="QR code for ticket {code}" width="160" height="160""#
        );
        assert!(r.html.contains(&img), "{}", r.html);
        let inline: Vec<&Attachment> = r
            .attachments
            .iter()
            .filter(|a| a.inline_id.as_deref() == Some(&format!("ticket-{code}@boxoffice")))
            .collect();
        assert_eq!(inline.len(), 1);
        assert_eq!(inline[0].content_type, "image/svg+xml");
        assert_eq!(inline[0].filename, format!("ticket-{code}.svg"));
        assert!(text_of(inline[0]).starts_with("<svg "));
    }
    assert_eq!(
        r.attachments
            .iter()
            .filter(|a| a.inline_id.is_some())
            .count(),
        2
    );
    for part in [
        "Stalls, row F, seat 13 · £65.00",
        "£130.00",
        "Royal Albert Hall",
    ] {
        assert!(r.text.contains(part), "{part}");
        assert!(r.html.contains(part), "{part}");
    }
    let printable = "https://tickets.example.org/bookings/BK7Q2M/tickets";
    assert!(r.text.contains(printable));
    assert!(r.html.contains(printable));
}

#[test]
fn the_confirmation_carries_a_calendar_file_of_the_event() {
    let mut b = booking("Rock, Paper; Scissors");
    let r = rendered("booking_confirmed", &b);
    let ics: Vec<&Attachment> = r
        .attachments
        .iter()
        .filter(|a| a.filename == "BK7Q2M.ics")
        .collect();
    assert_eq!(ics.len(), 1);
    let (file, body) = (ics[0], text_of(ics[0]));
    assert_eq!(file.inline_id, None);
    assert_eq!(
        file.content_type,
        "text/calendar; charset=utf-8; method=PUBLISH"
    );
    assert!(body.contains("BEGIN:VEVENT\r\n"));
    assert!(
        body.contains("\r\nSUMMARY:Rock\\, Paper\\; Scissors\r\n"),
        "{body}"
    );
    assert!(body.contains("\r\nUID:BK7Q2M@tickets.example.org\r\n"));
    assert!(body.contains("\r\nDTSTART:20261212T193000Z\r\n"));
    assert!(
        body.contains("\r\nDTEND:20261212T223000Z\r\n"),
        "three hours"
    );
    assert!(body.contains("\r\nURL:https://tickets.example.org/bookings/BK7Q2M\r\n"));
    // A retry attaches the same bytes.
    assert_eq!(rendered("booking_confirmed", &b).attachments, r.attachments);
    b.ends_at = Some(b.starts_at + TimeDelta::minutes(150));
    let r = rendered("booking_confirmed", &b);
    let body = text_of(r.attachments.last().unwrap());
    assert!(body.contains("\r\nDTEND:20261212T220000Z\r\n"), "{body}");
}

#[test]
fn payload_values_are_escaped_in_html_and_plain_in_text() {
    let mut b = booking("<Rock & Roll>");
    b.name = "<b>Eve</b>".to_owned();
    b.reason = Some("<script>card declined</script>".to_owned());
    for kind in [
        "booking_confirmed",
        "payment_failed",
        "hold_expired",
        "late_payment_refunded",
    ] {
        let r = rendered(kind, &b);
        assert!(!r.html.contains("<Rock"), "{kind}: {}", r.html);
        assert!(!r.html.contains("<b>Eve"), "{kind}");
        assert!(!r.html.contains("<script>"), "{kind}");
        assert!(r.html.contains("Rock &#38; Roll"), "{kind}: {}", r.html);
        assert!(r.text.contains("<b>Eve</b>"), "{kind}");
        assert!(r.text.contains("<Rock & Roll>"), "{kind}: {}", r.text);
    }
}

#[test]
fn the_other_booking_emails_say_what_happened() {
    let mut b = booking("Hamlet");
    b.tickets.clear();
    let r = rendered("payment_failed", &b);
    assert!(r.text.contains("still held"), "{}", r.text);
    assert!(r.attachments.is_empty());
    b.reason = Some("Your card was declined.".to_owned());
    let r = rendered("payment_failed", &b);
    assert!(r.text.contains("Your card was declined."), "{}", r.text);
    assert!(r.html.contains("Your card was declined."));

    let r = rendered("hold_expired", &b);
    assert!(r.text.contains("back on sale"), "{}", r.text);
    assert!(r.html.contains("Choose seats again"));

    b.reason = None;
    let r = rendered("late_payment_refunded", &b);
    assert!(r.text.contains("no longer available"), "{}", r.text);
    assert!(r.text.contains("£130.00"));
    assert!(r.html.contains("£130.00"));
    b.reason = Some("The event was sold out when the payment arrived.".to_owned());
    let r = rendered("late_payment_refunded", &b);
    assert!(r.text.contains("sold out when the payment arrived"));
    assert!(!r.text.contains("no longer available"));
}

#[test]
fn a_booking_payload_that_does_not_parse_cannot_render() {
    assert!(render("booking_confirmed", r#"{"name":"Ada"}"#, &base()).is_err());
    let account = r#"{"name":"Ada","token":"t"}"#;
    assert!(render("hold_expired", account, &base()).is_err());
}
