//! The test harness (ARCHITECTURE §10): the real app on port 0 with a fresh database per test.
//! SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set. The demo catalogue is seeded
//! once per test process into a template, and each test gets a copy.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use boxoffice::clock::Clock;
use boxoffice::config::{DatabaseUrl, Settings};
use boxoffice::db::{Db, DbConnection};
use boxoffice::services::setup;
use boxoffice::startup::Application;
use boxoffice::worker::{Pass, Worker, WorkerHandle};
use chrono::{DateTime, TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// Every test runs at this instant, so the demo's dates (relative to "today") are stable.
pub fn test_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 10, 0, 0)
        .single()
        .expect("valid instant")
}

pub struct TestApp {
    pub address: String,
    pub database_url: DatabaseUrl,
    pub client: reqwest::Client,
    pub db: Db,
    pub clock: Clock,
    pub settings: Settings,
    pub live: std::sync::Arc<boxoffice::live::LiveHub>,
    /// The server's secret key (the worker signs webhooks with a key derived from it).
    pub secret: std::sync::Arc<Vec<u8>>,
    /// The secret the gateway's webhooks are signed with.
    pub webhook_secret: std::sync::Arc<Vec<u8>>,
    /// The background worker, when a test turned it on; stopped when the test ends.
    worker: Option<WorkerHandle>,
    database: TestDatabase,
}

enum TestDatabase {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.shutdown(std::time::Duration::from_secs(20));
        }
        self.drop_database();
    }
}

impl TestApp {
    fn drop_database(&self) {
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
    let db = app.state.db.clone();
    let settings = (*app.state.settings).clone();
    let live = app.state.live.clone();
    let secret = app.state.secret.clone();
    let webhook_secret = app.state.webhook_secret.clone();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("http client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        database_url: url,
        client,
        db,
        clock,
        settings,
        live,
        secret,
        webhook_secret,
        worker,
        database,
    }
}

/// A copy of the demo catalogue, at [`test_now`].
pub async fn spawn_app() -> TestApp {
    spawn_app_with(true).await
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// `postgres://…/NAME` with the database part replaced.
pub fn database_url_named(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// Migrates and seeds a database the way start-up does, at [`test_now`].
fn seed_template(url: DatabaseUrl) {
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

fn sqlite_template() -> &'static PathBuf {
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

fn pg_template(admin_url: &str) -> &'static str {
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
fn drop_stale_databases(admin: &mut PgConnection) {
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

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// A GET as htmx sends it.
    pub async fn get_htmx(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("HX-Request", "true")
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let res = self.get(path).await;
        let status = res.status();
        let body = res.json().await.expect("a JSON body");
        (status, body)
    }

    pub async fn get_html(&self, path: &str) -> (reqwest::StatusCode, scraper::Html) {
        let res = self.get(path).await;
        let status = res.status();
        let body = res.text().await.expect("a body");
        (status, scraper::Html::parse_document(&body))
    }

    /// The CSRF token a page carries in its forms (fetching the page starts the session).
    pub async fn csrf_token(&self, path: &str) -> String {
        let (_, doc) = self.get_html(path).await;
        csrf_in(&doc)
    }

    /// As a person would in `browser`: opens `page`, then submits its form to `action` with
    /// `fields` and the page's CSRF token.
    pub async fn submit(
        &self,
        browser: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let html = browser
            .get(self.url(page))
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("a body");
        let token = csrf_in(&scraper::Html::parse_document(&html));
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        browser
            .post(self.url(action))
            .form(&all)
            .send()
            .await
            .expect("request")
    }

    /// A JSON API call, with a bearer token if given: the status and the body (`Null` when it
    /// is not JSON).
    pub async fn api(
        &self,
        token: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// POSTs a form as a browser on this site would.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("Origin", &self.address)
            .form(fields)
            .send()
            .await
            .expect("request")
    }

    /// Registers through the form, which answers "check your inbox" (303 to /register/sent)
    /// whether or not the address is new, then logs in with the password as a new user does.
    /// Answers the login's response (303 when signed in), or the registration's when it was
    /// not that redirect.
    pub async fn register(&self, name: &str, email: &str, password: &str) -> reqwest::Response {
        let token = self.csrf_token("/register").await;
        let res = self
            .post_form(
                "/register",
                &[
                    ("csrf_token", &token),
                    ("name", name),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        // Registering answers "check your inbox" (303 to /register/sent) whether or not the
        // address had an account; the new account then logs in with its password.
        if res.status() != 303 || location(&res) != "/register/sent" {
            return res;
        }
        self.login(email, password).await
    }

    /// Logs in through the form.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        let token = self.csrf_token("/login").await;
        self.post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    /// Signs in through `POST /api/v1/login` and answers the bearer token (asserts a 200).
    pub async fn api_login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .api(
                None,
                reqwest::Method::POST,
                "/api/v1/login",
                Some(&serde_json::json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(status, 200, "signing in through the API: {body}");
        body["token"].as_str().expect("a token").to_owned()
    }

    /// An admin's API token: creates `boss@example.com` (an admin) and signs in as them.
    pub async fn admin_token(&self) -> String {
        self.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD);
        self.api_login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Creates the admin `email`, signs the app's own browser (`self.client`) in as them, and
    /// answers their API token.
    pub async fn admin_signed_in(&self, email: &str, password: &str) -> String {
        self.create_admin(email, password);
        assert_eq!(self.login(email, password).await.status(), 303);
        self.api_login(email, password).await
    }

    /// A second browser on the same app (its own cookies).
    pub fn new_browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("http client")
    }

    /// The background worker as `serve` builds it, to run step by step.
    pub fn worker(&self) -> Worker {
        Worker::from_settings(
            self.db.clone(),
            self.clock.clone(),
            &self.settings,
            self.live.clone(),
            &self.secret,
        )
        .expect("the worker builds")
    }

    /// Runs due jobs and emails until there are none ("run the worker until idle").
    pub fn run_worker(&self) -> Pass {
        self.worker().run_until_idle().expect("the worker runs")
    }

    /// Runs a closure on a pooled connection (for assertions on the database itself).
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConnection) -> T) -> T {
        let mut conn = self.db.conn().expect("a connection");
        f(&mut conn)
    }
}

/// The admin [`TestApp::admin_token`] creates.
pub const ADMIN_EMAIL: &str = "boss@example.com";
pub const ADMIN_PASSWORD: &str = "a long enough password";

/// The CSRF token of the page's (first) form.
pub fn csrf_in(doc: &scraper::Html) -> String {
    attrs(doc, "input[name=csrf_token]", "value")
        .into_iter()
        .next()
        .expect("a form with a CSRF token")
}

/// Text of every element matching `selector`.
pub fn texts(doc: &scraper::Html, selector: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(selector).expect("valid selector");
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// An attribute of every element matching `selector`.
pub fn attrs(doc: &scraper::Html, selector: &str, attr: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(selector).expect("valid selector");
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

impl TestApp {
    /// Marks the account's email address verified (as following the emailed link does): the
    /// limit on what unverified accounts may hold no longer applies to it.
    pub fn verify(&self, email: &str) {
        let now = self.clock.now();
        self.with_conn(|c| {
            let user = boxoffice::db::users::find_for_login(c, email)
                .expect("read the account")
                .expect("an account with this email");
            boxoffice::db::users::mark_verified(c, user.id, now).expect("verified");
        });
    }

    /// Creates an admin account with this email and password (as `boxoffice admin create`).
    pub fn create_admin(&self, email: &str, password: &str) {
        use boxoffice::services::admins::{AdminRequest, create_or_reset};
        let request =
            AdminRequest::new(email, password, Some("Test admin"), 4).expect("a valid admin");
        let now = self.clock.now();
        self.db
            .write(|c| create_or_reset(c, &request, now))
            .expect("admin created");
    }
}

/// A settings adjustment that sends mail to an SMTP server on loopback.
pub fn smtp_to(url: String) -> impl FnOnce(&mut Settings) {
    move |s| {
        s.smtp_url = Some(boxoffice::config::SmtpUrl(
            url::Url::parse(&url).expect("an SMTP URL"),
        ));
    }
}

/// A ticket code the way a person might type it: lower case, in groups of four.
pub fn grouped_lower(code: &str) -> String {
    code.to_lowercase()
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A response's `Location` header ("" when it has none).
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("Location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
