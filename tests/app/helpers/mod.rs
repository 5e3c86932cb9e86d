//! The test harness (ARCHITECTURE §10): the real app on port 0 with a fresh database per test.
//! SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set. The demo catalogue is seeded
//! once per test process into a template, and each test gets a copy.

mod client;
mod databases;
mod fixtures;
mod html;
mod leftovers;
pub mod statements;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use boxoffice::clock::Clock;
use boxoffice::config::{DatabaseUrl, Settings};
use boxoffice::db::Db;
use boxoffice::startup::Application;
use boxoffice::worker::WorkerHandle;
use chrono::{DateTime, TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use databases::{COUNTER, TestDatabase, pg_template, sqlite_template};
pub use databases::{backend_name, database_url_named, postgres_url};
pub use fixtures::{ADMIN_EMAIL, ADMIN_PASSWORD, BUYER_PASSWORD, smtp_to};
pub use html::{attrs, csrf_in, grouped_lower, location, texts};

/// Every test runs at this instant, so the demo's dates (relative to "today") are stable.
pub fn test_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 10, 0, 0)
        .single()
        .expect("valid instant")
}

pub struct TestApp {
    pub address: String,
    /// `http://127.0.0.1:PORT` of the metrics listener, when the test turned it on
    /// (`metrics_bind`).
    pub metrics_address: Option<String>,
    pub database_url: DatabaseUrl,
    pub client: reqwest::Client,
    pub db: Db,
    pub clock: Clock,
    pub settings: Settings,
    pub live: std::sync::Arc<boxoffice::services::live::LiveHub>,
    /// The server's secret key (the worker signs webhooks with a key derived from it).
    pub secret: std::sync::Arc<Vec<u8>>,
    /// The secret the gateway's webhooks are signed with.
    pub webhook_secret: std::sync::Arc<Vec<u8>>,
    /// The server's picture of its waiting rooms (`services::queue::board`).
    pub queue: std::sync::Arc<boxoffice::services::queue::board::Board>,
    /// The background worker, when a test turned it on; stopped when the test ends.
    worker: Option<WorkerHandle>,
    database: TestDatabase,
    /// Set by [`TestApp::leaves_work_behind`]: the end-of-test check for due work is off.
    leftovers_allowed: std::sync::atomic::AtomicBool,
}

/// Settings for a test app on `database_url`.
pub fn test_settings(database_url: DatabaseUrl, data_dir: PathBuf) -> Settings {
    let mut vars = HashMap::new();
    vars.insert("BOXOFFICE_BIND".to_owned(), "127.0.0.1:0".to_owned());
    vars.insert("BOXOFFICE_BCRYPT_COST".to_owned(), "4".to_owned());
    vars.insert("BOXOFFICE_DB_POOL_SIZE".to_owned(), "4".to_owned());
    // Tests cancel and hold the same seats again on purpose (stampedes, takeovers); the re-hold
    // cooldown is off here and turned on by the tests about it (`hold_limits`).
    vars.insert(
        "BOXOFFICE_REHOLD_COOLDOWN_SECONDS".to_owned(),
        "0".to_owned(),
    );
    vars.insert(
        "BOXOFFICE_MAIL_DIR".to_owned(),
        data_dir.join("mail").display().to_string(),
    );
    // The waiting rooms' snapshot is read when a test asks (`TestApp::refresh_queue`), so
    // nothing reads the database behind a test's back (the poll path's count is zero).
    vars.insert("BOXOFFICE_QUEUE_SNAPSHOT_MS".to_owned(), "0".to_owned());
    let mut settings = Settings::from_vars(&vars).expect("test settings");
    // Tests run the worker themselves (`TestApp::worker`), so nothing races them.
    settings.worker = false;
    settings.database_url = database_url;
    settings.data_dir = data_dir;
    settings
}

/// With `demo: false`, an empty (migrated) database; otherwise a copy of the seeded demo.
pub async fn spawn_app_with(demo: bool) -> TestApp {
    spawn_app_configured(demo, |_| {}).await
}

/// [`spawn_app_with`], with the settings adjusted first.
pub async fn spawn_app_configured(demo: bool, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, database) = match postgres_url() {
        None => {
            let path = dir.path().join("test.db");
            if demo {
                std::fs::copy(sqlite_template(), &path).expect("copy the demo template");
            }
            (
                DatabaseUrl::Sqlite(path),
                TestDatabase::Sqlite { _dir: dir },
            )
        }
        Some(admin_url) => {
            let name = format!("bo_test_{}_{n}", std::process::id());
            let mut admin =
                PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
            let template = if demo {
                format!(" TEMPLATE \"{}\"", pg_template(&admin_url))
            } else {
                String::new()
            };
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .and_then(|()| {
                    admin.batch_execute(&format!("CREATE DATABASE \"{name}\"{template}"))
                })
                .expect("create the test database");
            let url = database_url_named(&admin_url, &name);
            let database = TestDatabase::Postgres { admin_url, name };
            let _ = dir; // PostgreSQL needs no folder beyond the settings' data dir.
            (DatabaseUrl::Postgres(url), database)
        }
    };
    let data_dir = std::env::temp_dir().join(format!("boxoffice-test-{}-{n}", std::process::id()));
    let mut settings = test_settings(url.clone(), data_dir);
    settings.demo_data = false;
    adjust(&mut settings);
    let clock = Clock::fixed(test_now());
    let mut app = Application::build(settings, clock.clone()).expect("the app builds");
    let worker = app.take_worker();
    let port = app.port();
    let metrics_port = app.metrics_port();
    let db = app.state.db.clone();
    let settings = (*app.state.settings).clone();
    let live = app.state.live.clone();
    let secret = app.state.secret.clone();
    let webhook_secret = app.state.webhook_secret.clone();
    let queue = app.state.queue.clone();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("http client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        metrics_address: metrics_port.map(|port| format!("http://127.0.0.1:{port}")),
        database_url: url,
        client,
        db,
        clock,
        settings,
        live,
        secret,
        webhook_secret,
        queue,
        worker,
        database,
        leftovers_allowed: std::sync::atomic::AtomicBool::new(false),
    }
}

/// A copy of the demo catalogue, at [`test_now`].
pub async fn spawn_app() -> TestApp {
    spawn_app_with(true).await
}
