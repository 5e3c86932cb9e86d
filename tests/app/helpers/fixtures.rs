//! Accounts and settings tests start from: an admin, a verified address, a mail server.

use boxoffice::config::Settings;

use super::TestApp;

/// The admin [`TestApp::admin_token`] creates.
pub const ADMIN_EMAIL: &str = "boss@example.com";
pub const ADMIN_PASSWORD: &str = "a long enough password";

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
