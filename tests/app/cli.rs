//! The `boxoffice` command line (API.md): one-line failures, admin creation, graceful stop.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::helpers::{database_url_named, postgres_url};

fn boxoffice(args: &[&str], env: &[(&str, &str)]) -> Output {
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
struct FreshDb {
    url: String,
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

fn fresh_db(tag: &str) -> FreshDb {
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

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let db = fresh_db("serve");
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
        .env("BOXOFFICE_DEMO_DATA", "false")
        .env("BOXOFFICE_BCRYPT_COST", "4")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
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
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status:?}");
}
