//! The account emails' checks, through `render` as the outbox calls it.

use super::*;

fn base() -> Url {
    Url::parse("https://tickets.example.org/").unwrap()
}

fn payload(name: &str, token: Option<&str>) -> String {
    serde_json::to_string(&AccountEmail {
        name: name.to_owned(),
        token: token.map(str::to_owned),
        detail: None,
        organizer: Some("Globe Theatre".to_owned()),
        role: Some("Box office".to_owned()),
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

#[test]
fn the_team_emails_name_the_organizer_and_role_and_the_invitation_links_to_it() {
    let added = render("team_added", &payload("Ada", None), &base()).unwrap();
    assert!(added.text.contains("Globe Theatre"), "{}", added.text);
    assert!(added.text.contains("box office"), "{}", added.text);
    assert!(added.text.contains("https://tickets.example.org/admin"));
    let invited = render("team_invitation", &payload("Ada", Some("tok")), &base()).unwrap();
    let link = "https://tickets.example.org/invitations/tok";
    assert!(invited.text.contains(link), "{}", invited.text);
    assert!(invited.html.contains(link));
    assert!(invited.subject.contains("Globe Theatre"));
    assert!(render("team_invitation", &payload("Ada", None), &base()).is_err());
    let no_team = serde_json::to_string(&AccountEmail {
        name: "Ada".to_owned(),
        token: None,
        detail: None,
        organizer: None,
        role: None,
    })
    .unwrap();
    assert!(render("team_added", &no_team, &base()).is_err());
}
