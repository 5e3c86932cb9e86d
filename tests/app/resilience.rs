//! Issue 16, faults: the worker's lanes (payments never wait behind email, the sweeper runs on
//! its own schedule), SMTP conversations with a deadline, readiness that means "can write",
//! full disks, and the small hardening items (file modes, logs, odd requests).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use boxoffice::clock::Clock;
use boxoffice::db::Db;
use boxoffice::jobs::{self, JobHandler};
use boxoffice::mail::Mailer;
use boxoffice::worker::{PeriodicTask, Worker};
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{TestApp, smtp_to, spawn_app, spawn_app_configured, spawn_app_with};
use crate::holds::buyer;
use crate::payments::{basket, card_ok, pay};

/// Where a scripted SMTP server stops answering.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hang {
    /// Accepts the connection and never says a word.
    AtGreeting,
    /// Takes the whole message, then never answers the final dot.
    AfterData,
}

/// A loopback SMTP server that hangs where told. Connections it accepts stay open.
struct StuckSmtp {
    port: u16,
    accepted: Arc<AtomicUsize>,
    messages: Arc<AtomicUsize>,
}

impl StuckSmtp {
    fn start(hang: Hang) -> StuckSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let messages = Arc::new(AtomicUsize::new(0));
        let (a, m) = (accepted.clone(), messages.clone());
        std::thread::spawn(move || {
            let kept: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                a.fetch_add(1, Ordering::SeqCst);
                kept.lock().unwrap().push(stream.try_clone().unwrap());
                if hang == Hang::AtGreeting {
                    continue;
                }
                let m = m.clone();
                std::thread::spawn(move || converse(stream, &m));
            }
        });
        StuckSmtp {
            port,
            accepted,
            messages,
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }
}

/// Speaks just enough SMTP to take a message, then stays silent after its final dot.
fn converse(stream: TcpStream, messages: &AtomicUsize) {
    let mut out = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream);
    let _ = out.write_all(b"220 stuck.test ESMTP\r\n");
    let mut line = String::new();
    let mut in_data = false;
    loop {
        line.clear();
        if lines.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if in_data {
            if line == ".\r\n" {
                messages.fetch_add(1, Ordering::SeqCst);
                // Never answers: the client cannot know whether the message went.
                std::thread::sleep(Duration::from_secs(600));
                return;
            }
            continue;
        }
        let upper = line.to_ascii_uppercase();
        let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250 stuck.test\r\n"
        } else if upper.starts_with("DATA") {
            in_data = true;
            b"354 go ahead\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = out.write_all(b"221 bye\r\n");
            return;
        } else {
            b"250 ok\r\n"
        };
        let _ = out.write_all(answer);
    }
}

/// Waits for `check` for up to `limit`.
async fn within(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}

fn booking_status(app: &TestApp, reference: &str) -> String {
    use boxoffice::db::schema::bookings as b;
    app.with_conn(|c| {
        b::table
            .filter(b::reference.eq(reference))
            .select(b::status)
            .first::<String>(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn a_payment_webhook_is_applied_promptly_while_the_smtp_server_never_answers() {
    let smtp = StuckSmtp::start(Hang::AtGreeting);
    let url = smtp.url();
    let app = spawn_app_configured(true, move |s| {
        smtp_to(url)(s);
        s.worker = true;
    })
    .await;
    // Registering queues a welcome email: the email lane picks it up and gets stuck.
    let ada = buyer(&app, 1).await;
    assert!(
        within(Duration::from_secs(10), || smtp
            .accepted
            .load(Ordering::SeqCst)
            >= 1)
        .await,
        "the worker connected to the silent SMTP server"
    );
    let (_, _, reference) = basket(&app, &ada).await;
    let (status, payment) = pay(&app, &ada, &reference, "key-1", "card").await;
    assert_eq!(status, 201, "{payment}");
    let started = Instant::now();
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    let paid = within(Duration::from_secs(5), || {
        booking_status(&app, &reference) == "paid"
    })
    .await;
    assert!(
        paid,
        "the webhook was applied while email was stuck (waited {:?})",
        started.elapsed()
    );
    app.leaves_work_behind("the SMTP server never answers: the welcome email cannot go");
}

/// Takes its time, so a queue stays busy.
struct Slow(AtomicUsize);

impl JobHandler for Slow {
    fn run(&self, _: &Db, _: &Clock, _: &serde_json::Value) -> Result<(), String> {
        std::thread::sleep(Duration::from_millis(300));
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[actix_web::test]
async fn periodic_tasks_keep_their_schedule_while_the_queues_are_busy() {
    let app = spawn_app_with(false).await;
    let slow = Arc::new(Slow(AtomicUsize::new(0)));
    let now = app.clock.now();
    app.db
        .write(|c| {
            for n in 0..20 {
                jobs::enqueue(
                    c,
                    "slow",
                    &json!({ "n": n }),
                    Some(&format!("slow:{n}")),
                    now,
                )?;
            }
            Ok::<_, boxoffice::db::DbError>(())
        })
        .unwrap();
    let ticks = Arc::new(AtomicUsize::new(0));
    let counted = ticks.clone();
    let task = PeriodicTask::new("count", Duration::from_millis(100), move |_, _| {
        counted.fetch_add(1, Ordering::SeqCst);
        Ok(0)
    });
    let handlers: HashMap<String, Arc<dyn JobHandler>> =
        HashMap::from([("slow".to_owned(), slow.clone() as Arc<dyn JobHandler>)]);
    let worker = Worker::new(
        app.db.clone(),
        app.clock.clone(),
        Arc::new(Mailer::from_settings(&app.settings).unwrap()),
        app.settings.base_url.clone(),
        handlers,
        vec![task],
    );
    let handle = worker.start();
    actix_web::rt::time::sleep(Duration::from_millis(1_500)).await;
    let (ran, done) = (ticks.load(Ordering::SeqCst), slow.0.load(Ordering::SeqCst));
    handle.shutdown(Duration::from_secs(10));
    assert!(done < 20, "the queue was still busy ({done} done)");
    assert!(
        ran >= 5,
        "the periodic task ran on its schedule: {ran} times"
    );
    app.leaves_work_behind("the queue is meant to be still busy when the worker stops");
}

/// The outbox row of the only email: (dedupe key, run_after, status).
fn only_email(app: &TestApp) -> (String, chrono::NaiveDateTime, String) {
    use boxoffice::db::schema::email_outbox as o;
    app.with_conn(|c| {
        o::table
            .select((o::dedupe_key, o::run_after, o::status))
            .first(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn an_smtp_conversation_is_bounded_as_a_whole_and_an_uncertain_send_is_retried_late_with_the_same_message_id()
 {
    let stuck = StuckSmtp::start(Hang::AfterData);
    let url = stuck.url();
    let app = spawn_app_configured(false, move |s| {
        smtp_to(url)(s);
        s.smtp_timeout_seconds = 1;
    })
    .await;
    app.register_keeping_mail("Ada", "ada@example.com", "a long enough password")
        .await;
    let sender = |settings: &boxoffice::config::Settings| {
        let mailer = Arc::new(Mailer::from_settings(settings).unwrap());
        (
            boxoffice::services::email::Sender::new(
                app.db.clone(),
                app.clock.clone(),
                mailer.clone(),
                settings.base_url.clone(),
            ),
            mailer,
        )
    };
    let (stuck_sender, _) = sender(&app.settings);
    let started = Instant::now();
    let turn = stuck_sender.send_one().unwrap();
    let took = started.elapsed();
    assert!(
        matches!(turn, boxoffice::services::email::SendTurn::Retrying { .. }),
        "{turn:?}"
    );
    assert!(
        took < Duration::from_secs(4),
        "one deadline, not per command: {took:?}"
    );
    assert_eq!(stuck.messages.load(Ordering::SeqCst), 1, "the message went");
    let (key, run_after, status) = only_email(&app);
    assert_eq!(status, "pending");
    assert!(
        run_after >= app.clock.now() + chrono::TimeDelta::minutes(10),
        "an uncertain send is retried late, not at once: {run_after}"
    );
    assert_eq!(
        stuck_sender.send_one().unwrap(),
        boxoffice::services::email::SendTurn::Idle
    );

    // Ten minutes on, a working server gets it, under the same deterministic Message-ID.
    let good = crate::smtp::SmtpServer::start(crate::smtp::Script::default());
    let mut settings = app.settings.clone();
    smtp_to(good.url())(&mut settings);
    let (good_sender, mailer) = sender(&settings);
    app.clock.advance(chrono::TimeDelta::minutes(11));
    let turn = good_sender.send_one().unwrap();
    assert!(
        matches!(turn, boxoffice::services::email::SendTurn::Sent { .. }),
        "{turn:?}"
    );
    let inbox = good.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        inbox[0].header("Message-ID").unwrap(),
        format!("<{}>", mailer.message_id_for(&key))
    );
}

#[actix_web::test]
async fn readyz_is_503_when_the_database_refuses_writes() {
    let app = spawn_app_with(false).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    // Reads still work; the write readiness makes (the heartbeat row) cannot.
    app.with_conn(|c| {
        use diesel::connection::SimpleConnection;
        c.batch_execute("ALTER TABLE health_heartbeat RENAME TO health_heartbeat_gone")
            .unwrap();
    });
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.text().await.unwrap(), "database cannot write");
}

#[actix_web::test]
async fn readyz_stays_200_while_every_connection_is_merely_busy() {
    let app = spawn_app_configured(false, |s| {
        s.pool_size = 2;
        s.db_checkout_ms = 300;
    })
    .await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let held: Vec<_> = (0..2).map(|_| app.db.conn().unwrap()).collect();
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    drop(held);
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[actix_web::test]
async fn head_on_a_page_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    for path in ["/", "/events", "/login"] {
        let get = app.get(path).await;
        let res = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), get.status(), "HEAD {path}");
        assert_eq!(
            res.headers().get("content-type"),
            get.headers().get("content-type")
        );
        assert!(res.bytes().await.unwrap().is_empty());
    }
}

#[actix_web::test]
async fn control_characters_in_a_booking_reference_are_404_not_500() {
    let app = spawn_app().await;
    app.register("Ada", "ada@example.com", "a long enough password")
        .await;
    for reference in ["AB%0D%0ASet-Cookie:%20x=1", "AB%0A", "AB%00"] {
        let res = app
            .submit(
                &app.client,
                "/account",
                &format!("/bookings/{reference}/pay"),
                &[("method", "nonsense"), ("idempotency_key", "k")],
            )
            .await;
        assert_eq!(res.status(), 404, "{reference}");
    }
}

/// Everything the process logs, from the moment the first test asks (a global subscriber that
/// writes into memory; other tests' logs land here too, harmlessly).
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let buffer: Arc<Mutex<Vec<u8>>> = Arc::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Capture(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test sets a global subscriber");
        buffer
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_web::test]
async fn a_signed_out_visit_to_a_private_page_keeps_its_query_out_of_the_log() {
    let log = captured_log();
    let app = spawn_app_with(false).await;
    let res = app
        .get("/account/bookings?page=2&secret=QUERYd0e5n0tL0g")
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let text = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    assert!(
        !text.contains("QUERYd0e5n0tL0g"),
        "the query string is not in the log"
    );
}

/// Names of the files in `dir` (none when it does not exist).
fn files_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn an_eml_that_cannot_be_stored_leaves_no_temporary_file_is_never_given_up_and_goes_once_there_is_room()
 {
    let app = spawn_app_with(false).await;
    app.register_keeping_mail("Ada", "ada@example.com", "a long enough password")
        .await;
    let (id, kind): (i64, String) = app.with_conn(|c| {
        use boxoffice::db::schema::email_outbox as o;
        o::table.select((o::id, o::kind)).first(c).unwrap()
    });
    // The storage fails at its last step (the final name is taken by a folder), as on a disk
    // that fills up while the file is written.
    let dir = app.settings.mail_dir.clone();
    let stem = format!("{}-{id}-{kind}", app.clock.now().format("%Y%m%dT%H%M%S"));
    std::fs::create_dir_all(dir.join(format!("{stem}.eml"))).unwrap();
    // Far past the attempts a failing server would get.
    app.with_conn(|c| {
        use boxoffice::db::schema::email_outbox as o;
        diesel::update(o::table)
            .set(o::attempts.eq(boxoffice::services::email::MAX_ATTEMPTS + 5))
            .execute(c)
            .unwrap();
    });
    let pass = app.run_worker();
    assert!(
        matches!(
            pass.emails.as_slice(),
            [boxoffice::services::email::SendTurn::Retrying { .. }]
        ),
        "{pass:?}"
    );
    assert!(
        files_in(&dir).iter().all(|f| !f.ends_with(".tmp")),
        "no temporary file is left behind: {:?}",
        files_in(&dir)
    );
    // Room again: it goes on its own at the next try.
    std::fs::remove_dir(dir.join(format!("{stem}.eml"))).unwrap();
    app.clock.advance(chrono::TimeDelta::seconds(31));
    let pass = app.run_worker();
    assert!(
        matches!(
            pass.emails.as_slice(),
            [boxoffice::services::email::SendTurn::Sent { .. }]
        ),
        "{pass:?}"
    );
}

#[cfg(unix)]
#[actix_web::test]
async fn the_database_and_email_files_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let base = tempfile::tempdir().unwrap();
    let data = base.path().join("data");
    let mail = base.path().join("mail");
    let (db, mail_dir) = (data.join("app.db"), mail.clone());
    let app = spawn_app_configured(false, move |s| {
        if matches!(s.database_url, boxoffice::config::DatabaseUrl::Sqlite(_)) {
            s.database_url = boxoffice::config::DatabaseUrl::Sqlite(db);
        }
        s.mail_dir = mail_dir;
    })
    .await;
    app.register_keeping_mail("Ada", "ada@example.com", "a long enough password")
        .await;
    app.run_worker();
    if let boxoffice::config::DatabaseUrl::Sqlite(path) = &app.settings.database_url {
        assert_eq!(mode(path), 0o600, "the SQLite file");
        assert_eq!(mode(&data), 0o700, "its folder");
    }
    assert_eq!(mode(&mail), 0o700, "the mail folder");
    let emls = files_in(&mail);
    assert!(!emls.is_empty());
    for f in emls {
        assert_eq!(mode(&mail.join(&f)), 0o600, "{f}");
    }
}
