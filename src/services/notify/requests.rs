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

/// What the request path does for "send me a reset link": it only queues a job with the
/// address, the same for every address, so its answer takes as long whether or not the address
/// has an account. The worker then looks the address up and sends the link
/// (`recovery::request_reset`).
pub fn enqueue_reset(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    db.write(|c| {
        crate::jobs::enqueue(
            c,
            RESET_JOB,
            &serde_json::json!({ "email": email }),
            None,
            now,
        )?;
        Ok(())
    })
}

/// What the request path does: queue a job with the address, the same for every address (so
/// the answer takes as long whether or not it has an account); the worker sends the link.
pub fn enqueue_link(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    db.write(|c| {
        crate::jobs::enqueue(
            c,
            LINK_JOB,
            &serde_json::json!({ "email": email }),
            None,
            now,
        )?;
        Ok(())
    })
}
