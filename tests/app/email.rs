//! The email outbox: delivered over real SMTP to a server on loopback, kept while that server
//! is down, retried after 4xx, failed for good after 5xx, never sent twice, or written to
//! `.eml` files when no SMTP server is configured.

use std::collections::HashMap;

use boxoffice::db::outbox;
use boxoffice::domain::email::EmailStatus;
use boxoffice::mail::templates::EmailKind;
use boxoffice::services::email::{self, Email, LEASE, SendTurn};
use boxoffice::worker::Worker;
use chrono::TimeDelta;
use serde_json::json;

use crate::helpers::{TestApp, smtp_to, spawn_app_configured, spawn_app_with, texts};
use crate::smtp::{Script, SmtpServer, free_port, link_path, smtp_url};

const PASSWORD: &str = "a long enough password";

fn outbox_rows(app: &TestApp) -> Vec<outbox::OutboxRow> {
    app.with_conn(|c| outbox::list(c, None, 1_000, 0).unwrap())
}

fn only_row(app: &TestApp) -> outbox::OutboxRow {
    let rows = outbox_rows(app);
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows.into_iter().next().unwrap()
}

#[actix_web::test]
async fn the_welcome_email_arrives_over_smtp_and_its_link_confirms_the_address() {
    let smtp = SmtpServer::start(Script::default());
    let app = spawn_app_configured(false, smtp_to(smtp.url())).await;
    let res = app
        .register_keeping_mail("Ada Lovelace", "ada@example.com", PASSWORD)
        .await;
    assert_eq!(res.status(), 303);

    // The email was written with the account, and is waiting.
    let row = only_row(&app);
    assert_eq!(
        (
            row.kind.as_str(),
            row.recipient.as_str(),
            row.status.as_str()
        ),
        ("welcome", "ada@example.com", "pending")
    );
    assert!(
        smtp.inbox().is_empty(),
        "nothing is sent inside the request"
    );

    let pass = app.run_worker();
    assert_eq!(pass.emails, vec![SendTurn::Sent { id: row.id }]);
    let inbox = smtp.inbox();
    assert_eq!(inbox.len(), 1);
    let mail = &inbox[0];
    assert_eq!(mail.to, vec!["ada@example.com".to_owned()]);
    let subject = mail.header("Subject").unwrap();
    assert!(subject.contains("Welcome to boxoffice"), "{subject}");
    assert!(mail.header("From").unwrap().contains("no-reply@localhost"));
    let message_id = mail.header("Message-ID").unwrap();
    assert!(
        message_id.starts_with('<') && message_id.ends_with("@localhost>"),
        "{message_id}"
    );
    let stored = app.with_conn(|c| {
        use boxoffice::db::schema::email_outbox::dsl::*;
        use diesel::prelude::*;
        email_outbox
            .find(row.id)
            .select(message_id)
            .first::<Option<String>>(c)
            .unwrap()
    });
    assert_eq!(Some(message_id.trim_matches(['<', '>']).to_owned()), stored);

    // Both bodies carry the same absolute link, built on the base URL.
    let text = mail.text();
    assert!(text.contains("Welcome, Ada Lovelace!"), "{text}");
    let link = link_path(&text, "/account/verify");
    assert!(
        mail.html().contains(&link.replace('&', "&amp;")),
        "the HTML part has the link too"
    );
    assert!(text.contains(&format!("{}account/verify?token=", app.settings.base_url)));

    // Not confirmed yet; the link confirms it; the profile says so.
    let (_, doc) = app.get_html("/account").await;
    assert!(texts(&doc, "#email-status")[0].contains("not confirmed yet"));
    let (status, doc) = app.get_html(&link).await;
    assert_eq!(status, 200);
    assert!(texts(&doc, "#verify-result")[0].contains("your tickets and receipts"));
    let (_, doc) = app.get_html("/account").await;
    assert_eq!(
        texts(&doc, "#email-status"),
        vec!["Confirmed ada@example.com"]
    );

    // Only one email: running the worker again sends nothing.
    assert!(app.run_worker().emails.is_empty());
    assert_eq!(smtp.inbox().len(), 1);
}

#[actix_web::test]
async fn mail_waits_while_smtp_is_down_and_goes_out_when_it_is_back() {
    let port = free_port();
    let app = spawn_app_configured(false, smtp_to(smtp_url(port))).await;
    // The business change succeeds although the mail server is down.
    let res = app
        .register_keeping_mail("Grace Hopper", "grace@example.com", PASSWORD)
        .await;
    assert_eq!(res.status(), 303);

    let pass = app.run_worker();
    let [SendTurn::Retrying { id, error }] = pass.emails.as_slice() else {
        panic!("expected one retry, got {:?}", pass.emails);
    };
    assert!(!error.is_empty());
    let row = only_row(&app);
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
    assert!(row.last_error.is_some());
    assert!(
        row.run_after > app.clock.now(),
        "it waits before trying again"
    );

    // Still down at the next try: still kept.
    app.clock.advance(TimeDelta::seconds(11));
    assert!(matches!(
        app.run_worker().emails.as_slice(),
        [SendTurn::Retrying { .. }]
    ));
    assert_eq!(only_row(&app).attempts, 2);

    // Back up: the next due attempt delivers it.
    let smtp = SmtpServer::start_on_port(port, Script::default());
    assert!(app.run_worker().emails.is_empty(), "not due yet");
    app.clock.advance(TimeDelta::seconds(21));
    assert_eq!(app.run_worker().emails, vec![SendTurn::Sent { id: *id }]);
    let inbox = smtp.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].to, vec!["grace@example.com".to_owned()]);
    let row = only_row(&app);
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 3));
    assert_eq!(row.last_error, None);
}

#[actix_web::test]
async fn a_temporary_rejection_is_retried_and_then_delivered() {
    let smtp = SmtpServer::start(Script {
        temporary_failures: 1,
        ..Script::default()
    });
    let app = spawn_app_configured(false, smtp_to(smtp.url())).await;
    app.register_keeping_mail("Katherine", "kj@example.com", PASSWORD)
        .await;

    let pass = app.run_worker();
    let [SendTurn::Retrying { error, .. }] = pass.emails.as_slice() else {
        panic!("expected a retry, got {:?}", pass.emails);
    };
    assert!(error.contains("451"), "{error}");
    assert!(smtp.inbox().is_empty());

    app.clock.advance(TimeDelta::seconds(10));
    assert!(matches!(
        app.run_worker().emails.as_slice(),
        [SendTurn::Sent { .. }]
    ));
    assert_eq!(smtp.inbox().len(), 1);
}

#[actix_web::test]
async fn a_permanent_rejection_ends_failed_with_the_reason_and_an_admin_can_resend() {
    let smtp = SmtpServer::start(Script {
        rejected: vec!["nobody@example.com".to_owned()],
        ..Script::default()
    });
    let app = spawn_app_configured(false, smtp_to(smtp.url())).await;
    app.register_keeping_mail("Nobody", "nobody@example.com", PASSWORD)
        .await;

    let pass = app.run_worker();
    let [SendTurn::Failed { error, .. }] = pass.emails.as_slice() else {
        panic!("expected a failure, got {:?}", pass.emails);
    };
    assert!(error.contains("550"), "{error}");
    let row = only_row(&app);
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 1));
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("No such mailbox")
    );

    // Failed for good: time passing does not bring it back.
    app.clock.advance(TimeDelta::days(2));
    assert!(app.run_worker().emails.is_empty());

    // The admin sees it, with the reason, and resends it once the address is fixed.
    app.create_admin("boss@example.com", PASSWORD);
    let admin = app.new_browser();
    let login = app
        .submit(
            &admin,
            "/login",
            "/login",
            &[("email", "boss@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status(), 303);
    let page = admin
        .get(app.url("/admin/emails?status=failed"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&page);
    let errors = texts(&doc, &format!("tr[data-email-id='{}'] .last-error", row.id));
    assert!(errors[0].contains("550"), "{errors:?}");

    // The mailbox exists now.
    smtp.set_script(Script::default());
    let res = app
        .submit(
            &admin,
            "/admin/emails?status=failed",
            &format!("/admin/emails/{}/resend", row.id),
            &[("status", "failed")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/emails?status=failed");
    let row = only_row(&app);
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 0));
    assert!(matches!(
        app.run_worker().emails.as_slice(),
        [SendTurn::Sent { .. }]
    ));
    assert_eq!(smtp.inbox().len(), 1);
    let audited = app.with_conn(|c| {
        use boxoffice::db::schema::audit_log::dsl::*;
        use diesel::prelude::*;
        audit_log
            .filter(action.eq("email.resent"))
            .count()
            .get_result::<i64>(c)
            .unwrap()
    });
    assert_eq!(audited, 1);
}

#[actix_web::test]
async fn racing_workers_send_each_business_event_exactly_once() {
    let smtp = SmtpServer::start(Script::default());
    let app = spawn_app_configured(false, smtp_to(smtp.url())).await;
    let now = app.clock.now();
    // 40 business events, each queued twice (a retried request, say): 40 rows.
    for round in 0..2 {
        app.db
            .write(|c| {
                for n in 0..40 {
                    let added = email::queue(
                        c,
                        &Email {
                            kind: EmailKind::PasswordChanged,
                            dedupe_key: format!("password_changed:{n}:1"),
                            recipient: &format!("user{n}@example.com"),
                            user_id: None,
                            payload: json!({"name": format!("User {n}")}),
                        },
                        now,
                    )?;
                    assert_eq!(added, round == 0);
                }
                Ok::<_, boxoffice::db::DbError>(())
            })
            .unwrap();
    }
    assert_eq!(outbox_rows(&app).len(), 40);

    // Four workers, each with its own pool (as four app instances would have), race.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let db = boxoffice::db::Db::connect(&app.database_url, 2).unwrap();
            let mut worker = Worker::from_settings(
                db,
                app.clock.clone(),
                &app.settings,
                app.live.clone(),
                &app.secret,
            )
            .unwrap();
            std::thread::spawn(move || worker.run_until_idle().unwrap().emails)
        })
        .collect();
    let turns: Vec<SendTurn> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let sent = turns
        .iter()
        .filter(|t| matches!(t, SendTurn::Sent { .. }))
        .count();
    assert_eq!(sent, 40, "{turns:?}");

    let inbox = smtp.inbox();
    assert_eq!(inbox.len(), 40, "one message per business event");
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for mail in &inbox {
        *per_recipient.entry(mail.to[0].clone()).or_default() += 1;
    }
    assert!(per_recipient.values().all(|n| *n == 1), "{per_recipient:?}");
    assert!(
        outbox_rows(&app)
            .iter()
            .all(|r| r.status == EmailStatus::Sent)
    );
}

#[actix_web::test]
async fn an_email_claimed_by_a_worker_that_died_is_sent_after_its_lease() {
    let smtp = SmtpServer::start(Script::default());
    let app = spawn_app_configured(false, smtp_to(smtp.url())).await;
    app.register_keeping_mail("Lin", "lin@example.com", PASSWORD)
        .await;
    // A worker claims the email and is killed before sending it.
    let now = app.clock.now();
    let claimed = app
        .db
        .write(|c| outbox::claim(c, now, now + LEASE).map_err(boxoffice::db::DbError::from))
        .unwrap()
        .expect("an email to claim");

    // While its lease lasts, nobody else takes it.
    assert!(app.run_worker().emails.is_empty());
    // Once the lease ran out, another worker sends it.
    app.clock.advance(LEASE + TimeDelta::seconds(1));
    assert_eq!(
        app.run_worker().emails,
        vec![SendTurn::Sent { id: claimed.id }]
    );
    assert_eq!(smtp.inbox().len(), 1);
    // The dead worker's claim can no longer settle the row.
    let late = app
        .db
        .write(|c| {
            outbox::mark_sent(c, claimed.id, claimed.attempts, "x@y", now)
                .map_err(boxoffice::db::DbError::from)
        })
        .unwrap();
    assert!(!late);
    assert_eq!(only_row(&app).attempts, 2);
}

#[actix_web::test]
async fn without_smtp_the_email_is_a_readable_eml_file() {
    let app = spawn_app_with(false).await;
    app.register_keeping_mail("Mary Somerville", "mary@example.com", PASSWORD)
        .await;
    assert!(matches!(
        app.run_worker().emails.as_slice(),
        [SendTurn::Sent { .. }]
    ));
    let files: Vec<_> = std::fs::read_dir(&app.settings.mail_dir)
        .expect("the mail folder exists")
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let path = &files[0];
    assert_eq!(path.extension().unwrap(), "eml");
    assert!(
        path.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .contains("welcome")
    );
    let raw = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        crate::smtp::header(&raw, "To").as_deref(),
        Some("mary@example.com")
    );
    assert!(
        crate::smtp::header(&raw, "Subject")
            .unwrap()
            .contains("Welcome")
    );
    assert!(crate::smtp::header(&raw, "Message-ID").is_some());
    assert!(crate::smtp::header(&raw, "Date").is_some());
    let text = crate::smtp::part(&raw, "text/plain");
    let link = link_path(&text, "/account/verify");
    let (status, _) = app.get_html(&link).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn an_email_that_cannot_be_rendered_fails_with_the_reason() {
    let app = spawn_app_with(false).await;
    let now = app.clock.now();
    app.db
        .write(|c| {
            outbox::enqueue(
                c,
                &outbox::NewEmail {
                    dedupe_key: "broken:1",
                    kind: "verify_email",
                    recipient: "x@example.com",
                    user_id: None,
                    payload: "{\"name\":\"X\"}",
                },
                now,
            )
            .map_err(boxoffice::db::DbError::from)
        })
        .unwrap();
    let pass = app.run_worker();
    let [SendTurn::Failed { error, .. }] = pass.emails.as_slice() else {
        panic!("{:?}", pass.emails);
    };
    assert!(error.contains("needs a token"), "{error}");
}
