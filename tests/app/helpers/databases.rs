//! A fresh database per test: SQLite files, or PostgreSQL databases copied from a seeded template.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::AtomicUsize;

use boxoffice::clock::Clock;
use boxoffice::config::DatabaseUrl;
use boxoffice::db::{Db, DbConnection};
use boxoffice::services::setup;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use super::{TestApp, test_now, test_settings};

pub(super) enum TestDatabase {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.shutdown(std::time::Duration::from_secs(20));
        }
        let left = if std::thread::panicking() {
            Vec::new()
        } else {
            self.work_left_behind()
        };
        self.drop_database();
        assert!(
            left.is_empty(),
            "the test left due work behind: {left:?}. Run the worker (`app.run_worker()`) and \
             assert what it did, or say why it stays with `app.leaves_work_behind(..)`"
        );
    }
}

impl TestApp {
    pub(super) fn drop_database(&self) {
        if let TestDatabase::Postgres { admin_url, name } = &self.database
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// `TEST_DATABASE_URL`, without TLS unless it asks for some: the test server is on loopback,
/// and libpq's OpenSSL tears its global state down in an `atexit` handler while the test
/// process's other threads may still be closing pooled connections (seen here once as a heap
/// corruption after every test had passed).
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())?;
    if url.contains("sslmode=") {
        return Some(url);
    }
    let joiner = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{joiner}sslmode=disable"))
}

/// Which backend this run tests, for messages.
pub fn backend_name() -> &'static str {
    if postgres_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

pub(super) static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// `postgres://…/NAME` with the database part replaced.
pub fn database_url_named(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// Migrates and seeds a database the way start-up does, at [`test_now`].
pub(super) fn seed_template(url: DatabaseUrl) {
    let db = Db::connect(&url, 2).expect("connect to the template");
    let clock = Clock::fixed(test_now());
    let settings = test_settings(url, std::env::temp_dir());
    setup::prepare(&db, &settings, &clock).expect("migrate and seed the template");
    if let Ok(mut conn) = db.conn()
        && let DbConnection::Sqlite(c) = &mut *conn
    {
        c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("checkpoint");
    }
}

pub(super) fn sqlite_template() -> &'static PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("boxoffice-template-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("template folder");
        let path = dir.join("demo.db");
        seed_template(DatabaseUrl::Sqlite(path.clone()));
        path
    })
}

pub(super) fn pg_template(admin_url: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("bo_tpl_{}", std::process::id());
        let mut admin = PgConnection::establish(admin_url).expect("connect to TEST_DATABASE_URL");
        drop_stale_databases(&mut admin);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .and_then(|()| admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")))
            .expect("create the template database");
        seed_template(DatabaseUrl::Postgres(database_url_named(admin_url, &name)));
        name
    })
}

/// Test databases left by runs that were killed (their process is gone).
pub(super) fn drop_stale_databases(admin: &mut PgConnection) {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Datname {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Datname> = diesel::sql_query(
        "SELECT datname::text AS datname FROM pg_database WHERE datname LIKE 'bo\\_tpl\\_%' OR datname LIKE 'bo\\_test\\_%'",
    )
    .load(admin)
    .unwrap_or_default();
    for Datname { datname } in names {
        let pid = datname
            .split('_')
            .nth(2)
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)"
            ));
        }
    }
}
