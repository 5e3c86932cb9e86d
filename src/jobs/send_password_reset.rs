//! "Send me a reset link", answered off the request path: the request only queues this job
//! with the address, whatever it is, so its answer takes as long whether or not the address
//! has an account (`services::notify::RequestJob` runs it with `recovery::request_reset`).

use serde::{Deserialize, Serialize};

use super::Job;

/// Sends a password-reset link to `email` if it is an enabled account's. (No `Debug`: an
/// address is never logged.)
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendPasswordReset {
    pub email: String,
}

impl Job for SendPasswordReset {
    const KIND: &'static str = "accounts.password_reset";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_is_the_address_and_there_is_no_key() {
        let job = SendPasswordReset {
            email: "ada@example.com".to_owned(),
        };
        assert_eq!(
            serde_json::to_string(&job).unwrap(),
            r#"{"email":"ada@example.com"}"#
        );
        assert_eq!(job.dedupe_key(), None);
    }
}
