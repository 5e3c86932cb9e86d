//! Anonymous requests for an emailed link ("reset my password", "email me a sign-in link"):
//! the request path only queues a job with the address, the same for every address, so its
//! answer takes as long whether or not the address has an account. The worker then looks the
//! address up and sends the link (`recovery::request_reset`, `login_links::request_link`).

use chrono::NaiveDateTime;

use crate::db::{Db, DbError};

/// The job that does the work of "send me a reset link".
pub const RESET_JOB: &str = "accounts.password_reset";
/// The job that does the work of "email me a sign-in link".
pub const LINK_JOB: &str = "accounts.login_link";

/// What the request path does for "send me a reset link" (`recovery::request_reset` runs it).
pub fn enqueue_reset(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    enqueue_request(db, RESET_JOB, email, now)
}

/// What the request path does for "email me a sign-in link" (`login_links::request_link`
/// runs it).
pub fn enqueue_link(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    enqueue_request(db, LINK_JOB, email, now)
}

/// Queues the job `kind` with `{"email": ...}`, whatever the address.
fn enqueue_request(db: &Db, kind: &str, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    db.write(|c| {
        crate::jobs::enqueue(c, kind, &serde_json::json!({ "email": email }), None, now)?;
        Ok(())
    })
}

/// Runs a queued request: reads the address from the job and hands it to the use case
/// (`recovery::request_reset` for [`RESET_JOB`], `login_links::request_link` for [`LINK_JOB`]).
pub struct RequestJob(pub fn(&Db, &str, NaiveDateTime) -> Result<(), DbError>);

impl crate::jobs::JobHandler for RequestJob {
    fn run(
        &self,
        db: &Db,
        clock: &crate::clock::Clock,
        payload: &serde_json::Value,
    ) -> Result<(), String> {
        let email = payload["email"]
            .as_str()
            .ok_or("the job has no email address")?;
        (self.0)(db, email, clock.now()).map_err(|e| e.to_string())
    }
}
