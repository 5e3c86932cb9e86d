//! The test app as a browser and an API client: requests, forms with their CSRF token, sign-in, the worker.

use boxoffice::db::DbConnection;
use boxoffice::worker::{Pass, Worker};

use super::TestApp;
use super::fixtures::{ADMIN_EMAIL, ADMIN_PASSWORD};
use super::html::{csrf_in, location};

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
    /// whether or not the address is new, the welcome email is delivered (see
    /// [`TestApp::deliver_welcome_mail`]), then logs in with the password as a new user does.
    /// Answers the login's response (303 when signed in), or the registration's when it was
    /// not that redirect.
    pub async fn register(&self, name: &str, email: &str, password: &str) -> reqwest::Response {
        self.register_then(name, email, password, true).await
    }

    /// [`TestApp::register`], leaving the welcome email queued (tests of its delivery).
    pub async fn register_keeping_mail(
        &self,
        name: &str,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.register_then(name, email, password, false).await
    }

    async fn register_then(
        &self,
        name: &str,
        email: &str,
        password: &str,
        deliver: bool,
    ) -> reqwest::Response {
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
        if deliver {
            self.deliver_welcome_mail();
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
    /// The payment providers, as the app's own (over the same database, clock and secret).
    pub fn providers(&self) -> boxoffice::providers::Providers {
        boxoffice::providers::Providers::standard(&self.db, &self.clock, &self.secret)
    }

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

    /// What the sign-up fixtures do after creating an account: its welcome email is delivered
    /// ([`TestApp::deliver_emails`]), unless the app runs its own worker, which delivers it.
    pub fn deliver_welcome_mail(&self) {
        if self.worker.is_none() {
            self.deliver_emails();
        }
    }

    /// Sends every due email (and nothing else: no jobs, no periodic tasks), as the worker's
    /// email lane would; answers how many it handled.
    pub fn deliver_emails(&self) -> usize {
        let mailer = boxoffice::mail::Mailer::from_settings(&self.settings).expect("the mailer");
        boxoffice::services::email::Sender::new(
            self.db.clone(),
            self.clock.clone(),
            std::sync::Arc::new(mailer),
            self.settings.base_url.clone(),
        )
        .send_until_idle()
        .expect("the emails are sent")
        .len()
    }

    /// Runs a closure on a pooled connection (for assertions on the database itself).
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConnection) -> T) -> T {
        let mut conn = self.db.conn().expect("a connection");
        f(&mut conn)
    }

    /// Has the server read its waiting rooms again (it does so every second in production;
    /// tests ask, so that nothing reads the database behind their back).
    pub fn refresh_queue(&self) {
        self.queue
            .refresh(&self.db, self.clock.now())
            .expect("the waiting rooms read");
    }
}
