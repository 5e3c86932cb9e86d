//! The `boxoffice` command line (API.md): one-line failures, admin creation, graceful stop.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::helpers::{database_url_named, postgres_url};

pub(crate) fn boxoffice(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_boxoffice"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.env("BOXOFFICE_BCRYPT_COST", "4");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run boxoffice")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_owned()
}

/// An empty database of the backend under test, dropped with the guard.
pub(crate) struct FreshDb {
    pub(crate) url: String,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg
            && let Ok(mut c) = PgConnection::establish(admin_url)
        {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

pub(crate) fn fresh_db(tag: &str) -> FreshDb {
    let dir = tempfile::tempdir().unwrap();
    match postgres_url() {
        None => FreshDb {
            url: format!("sqlite://{}", dir.path().join("cli.db").display()),
            _dir: dir,
            pg: None,
        },
        Some(admin_url) => {
            let name = format!("bo_test_{}_cli_{tag}", std::process::id());
            let mut c = PgConnection::establish(&admin_url).unwrap();
            c.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .and_then(|()| c.batch_execute(&format!("CREATE DATABASE \"{name}\"")))
                .unwrap();
            FreshDb {
                url: database_url_named(&admin_url, &name),
                _dir: dir,
                pg: Some((admin_url, name)),
            }
        }
    }
}

#[test]
fn an_unreachable_database_ends_start_up_with_one_line() {
    let out = boxoffice(
        &["migrate"],
        &[("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("boxoffice: cannot connect to postgres://nobody@127.0.0.1:1/none"),
        "{err}"
    );
    assert!(
        err.contains("Connection refused") || err.contains("connection"),
        "the driver's reason: {err}"
    );
    assert!(!err.contains("panicked"));

    let out = boxoffice(&[], &[("DATABASE_URL", "mysql://localhost/x")]);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        "boxoffice: configuration: DATABASE_URL: expected sqlite://PATH or postgres://USER@HOST/DB"
    );

    let out = boxoffice(
        &["migrate"],
        &[("DATABASE_URL", "sqlite:///proc/forbidden/x.db")],
    );
    assert!(!out.status.success());
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn admin_create_validates_and_creates_then_resets() {
    let db = fresh_db("admin");
    let env = [("DATABASE_URL", db.url.as_str())];
    let out = boxoffice(
        &[
            "admin",
            "create",
            "--email",
            "boss@example.com",
            "--password",
            "short",
        ],
        &env,
    );
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        "boxoffice: weak password: Use at least 10 characters."
    );
    let out = boxoffice(
        &[
            "admin",
            "create",
            "--email",
            "not-an-email",
            "--password",
            "long enough secret",
        ],
        &env,
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).starts_with("boxoffice: invalid email"),
        "{}",
        stderr(&out)
    );

    let out = boxoffice(
        &[
            "admin",
            "create",
            "--email",
            "Boss@Example.com",
            "--password",
            "long enough secret",
            "--name",
            "The Boss",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Created admin #"));
    let out = boxoffice(
        &[
            "admin",
            "create",
            "--email",
            "boss@example.com",
            "--password",
            "another long secret",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is now an admin"));
    let out = boxoffice(
        &[
            "admin",
            "create",
            "--email",
            "boss@example.com",
            "--password",
            "another long secret",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already an admin with this password"));
}

#[test]
fn seed_demo_fills_an_empty_database_once() {
    let db = fresh_db("seed");
    let env = [("DATABASE_URL", db.url.as_str())];
    let out = boxoffice(&["migrate"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = boxoffice(&["seed-demo"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Seeded 6 venues, 26 events"));
    let out = boxoffice(&["seed-demo"], &env);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already has venues or events"));
}

/// A server process that is killed if the test fails before it stops it.
pub(crate) struct Server(pub(crate) std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A plain HTTP/1.0 GET on loopback, answered as text.
fn raw_get(bind: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(bind).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {bind}\r\n\r\n").unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let db = fresh_db("serve");
    let log = tempfile::NamedTempFile::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .env("BOXOFFICE_BIND", &bind)
        .env("BOXOFFICE_BCRYPT_COST", "4")
        .stdout(log.reopen().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .map(Server)
        .unwrap();
    let started = Instant::now();
    let mut up = false;
    while started.elapsed() < Duration::from_secs(60) {
        if std::net::TcpStream::connect(&bind).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(up, "the server came up");
    // A viewer is watching a seat map: its stream must end with the server, not hold the
    // graceful stop until actix gives up on it (20 s).
    let event = raw_get(&bind, "/api/v1/events?per_page=1");
    let id: String = event
        .split("\"id\":")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let mut viewer = std::net::TcpStream::connect(&bind).unwrap();
    use std::io::{Read, Write};
    write!(
        viewer,
        "GET /events/{id}/live HTTP/1.1\r\nHost: {bind}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    viewer
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && viewer.read(&mut byte).unwrap() == 1 {
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_lowercase();
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    let watcher = std::thread::spawn(move || {
        let mut rest = Vec::new();
        let ended = viewer.read_to_end(&mut rest).is_ok();
        (ended, Instant::now())
    });
    let killed = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let signalled = Instant::now();
    let (ended, at) = watcher.join().unwrap();
    assert!(ended, "the live stream ended rather than timing out");
    assert!(
        at.duration_since(signalled) < Duration::from_secs(10),
        "the live stream was closed by the stop, not by actix's shutdown timeout"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status:?}");
    // The background worker was running, and stopped after the server.
    let log = std::fs::read_to_string(log.path()).unwrap();
    let started = log.find("background worker started");
    let stopped = log.find("background worker stopped");
    assert!(started.is_some() && stopped > started, "{log}");
}

#[actix_web::test]
async fn the_log_never_holds_a_password_a_token_a_cookie_or_an_email() {
    let db = fresh_db("logs");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .env("BOXOFFICE_BIND", format!("127.0.0.1:{port}"))
        .env("BOXOFFICE_DEMO_DATA", "false")
        .env("BOXOFFICE_BCRYPT_COST", "4")
        .env("BOXOFFICE_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdout(log.reopen().unwrap())
        .stderr(log.reopen().unwrap())
        .spawn()
        .map(Server)
        .unwrap();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server came up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let password = "Sekrit-Passphrase-4242";
    let email = "log.watcher@example.com";
    let page = client
        .get(format!("{base}/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_in(&scraper::Html::parse_document(&page));
    let res = client
        .post(format!("{base}/register"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Log Watcher"),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    // Registering answers "check your inbox"; the new account then logs in.
    assert_eq!(res.status(), 303);
    assert_eq!(crate::helpers::location(&res), "/register/sent");
    let res = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("boxoffice_session="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let res = client
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let token = res.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // A wrong password, and a token in a query string, are not logged either.
    client
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"email": email, "password": "wrong-Passphrase-99"}))
        .send()
        .await
        .unwrap();
    client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    client
        .get(format!("{base}/events?reset_token={token}"))
        .send()
        .await
        .unwrap();

    Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    let _ = child.0.wait();
    let logged = std::fs::read_to_string(log.path()).unwrap();
    assert!(
        logged.contains("HTTP request"),
        "requests were logged: {logged}"
    );
    for secret in [
        password,
        "wrong-Passphrase-99",
        token.as_str(),
        &token[3..],
        email,
        cookie.as_str(),
        csrf.as_str(),
    ] {
        assert!(!logged.contains(secret), "the log holds a secret: {secret}");
    }
}

/// A loopback address with a port nobody is listening on.
pub(crate) fn free_bind() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// The real binary serving `db` on `bind`, its emails written to `mail`, with or without its
/// background worker; killed if the test fails before it stops it.
pub(crate) fn serve(db: &FreshDb, bind: &str, mail: &std::path::Path, worker: bool) -> Server {
    Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .env("BOXOFFICE_BIND", bind)
        .env("BOXOFFICE_BCRYPT_COST", "4")
        .env("BOXOFFICE_SECRET_KEY", "k".repeat(64))
        .env("BOXOFFICE_MAIL_DIR", mail)
        .env("BOXOFFICE_WORKER", if worker { "true" } else { "false" })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Server)
        .unwrap()
}

/// Waits until `bind` accepts connections (two minutes at most).
pub(crate) fn wait_up(bind: &str, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(bind).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{what} came up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Migrates `db` and seeds the demo through the command line, so a server started on it
/// afterwards comes up at once, however long seeding takes on a busy machine.
pub(crate) fn seed_demo(db: &FreshDb) {
    let env = [("DATABASE_URL", db.url.as_str())];
    for args in [&["migrate"][..], &["seed-demo"][..]] {
        let out = boxoffice(args, &env);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
}
