//! Accounts and settings tests start from: an admin, a verified address, a mail server.

use boxoffice::config::Settings;

use super::TestApp;

/// The admin [`TestApp::admin_token`] creates.
pub const ADMIN_EMAIL: &str = "boss@example.com";
pub const ADMIN_PASSWORD: &str = "a long enough password";
/// The password the buyer fixtures sign up with.
pub const BUYER_PASSWORD: &str = "a long enough password";

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

    /// Signs a buyer up through `POST /api/v1/register` (asserts the 201), delivers their
    /// welcome email ([`TestApp::deliver_welcome_mail`]), and answers their API token.
    pub async fn api_buyer(&self, name: &str, email: &str) -> String {
        let (status, body) = self
            .api(
                None,
                reqwest::Method::POST,
                "/api/v1/register",
                Some(
                    &serde_json::json!({"name": name, "email": email, "password": BUYER_PASSWORD}),
                ),
            )
            .await;
        assert_eq!(status, 201, "signing up through the API: {body}");
        self.deliver_welcome_mail();
        self.api_login(email, BUYER_PASSWORD).await
    }

    /// Creates buyer accounts through the registration service (no rate limit in the way), each
    /// `(name, email)` with [`BUYER_PASSWORD`], then delivers their welcome emails ([`TestApp::deliver_welcome_mail`]).
    pub fn create_buyers(
        &self,
        people: &[(String, String)],
    ) -> Vec<boxoffice::services::accounts::Account> {
        use boxoffice::services::accounts::{self, Registration};
        let now = self.clock.now();
        let accounts = people
            .iter()
            .map(|(name, email)| {
                let r = Registration::parse(name, email, BUYER_PASSWORD).expect("a valid sign-up");
                accounts::register(&self.db, &r, 4, now).expect("registered")
            })
            .collect();
        self.deliver_welcome_mail();
        accounts
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
