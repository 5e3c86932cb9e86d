//! "Email me a sign-in link", answered off the request path like a reset request (see
//! [`super::send_password_reset`]; `services::notify::RequestJob` runs it with
//! `login_links::request_link`).

use serde::{Deserialize, Serialize};

use super::Job;

/// Sends a sign-in link to `email` if it is an enabled account's. (No `Debug`: an address is
/// never logged.)
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendLoginLink {
    pub email: String,
}

impl Job for SendLoginLink {
    const KIND: &'static str = "accounts.login_link";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_is_the_address_and_there_is_no_key() {
        let job = SendLoginLink {
            email: "ada@example.com".to_owned(),
        };
        assert_eq!(
            serde_json::to_string(&job).unwrap(),
            r#"{"email":"ada@example.com"}"#
        );
        assert_eq!(job.dedupe_key(), None);
    }
}
