//! The mailer's own checks: MIME structure, Message-IDs, SMTP URLs, files.

use std::collections::HashMap;
use std::time::SystemTime;

use super::smtp::percent_decode;
use super::*;
use crate::config::Settings;

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
