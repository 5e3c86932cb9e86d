//! Anonymous requests for an emailed link ("reset my password", "email me a sign-in link"):
//! the request path only queues a job with the address, the same for every address, so its
//! answer takes as long whether or not the address has an account. The worker then looks the
//! address up and sends the link (`recovery::request_reset`, `login_links::request_link`).

use chrono::NaiveDateTime;

use crate::clock::Clock;
use crate::db::{Db, DbError};
use crate::jobs::{Job, RunJob, SendLoginLink, SendPasswordReset};

/// What the request path does for "send me a reset link": queues [`SendPasswordReset`],
/// whatever the address (`recovery::request_reset` runs it).
pub fn enqueue_reset(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    let job = SendPasswordReset {
        email: email.to_owned(),
    };
    db.write(|c| job.enqueue(c, now).map(|_| ()))
}

/// What the request path does for "email me a sign-in link": queues [`SendLoginLink`],
/// whatever the address (`login_links::request_link` runs it).
pub fn enqueue_link(db: &Db, email: &str, now: NaiveDateTime) -> Result<(), DbError> {
    let job = SendLoginLink {
        email: email.to_owned(),
    };
    db.write(|c| job.enqueue(c, now).map(|_| ()))
}

/// Runs a queued request: hands the job's address to the use case (`recovery::request_reset`
/// for [`SendPasswordReset`], `login_links::request_link` for [`SendLoginLink`]).
pub struct RequestJob(pub fn(&Db, &str, NaiveDateTime) -> Result<(), DbError>);

impl RunJob<SendPasswordReset> for RequestJob {
    fn run(&self, db: &Db, clock: &Clock, job: SendPasswordReset) -> Result<(), String> {
        (self.0)(db, &job.email, clock.now()).map_err(|e| e.to_string())
    }
}

impl RunJob<SendLoginLink> for RequestJob {
    fn run(&self, db: &Db, clock: &Clock, job: SendLoginLink) -> Result<(), String> {
        (self.0)(db, &job.email, clock.now()).map_err(|e| e.to_string())
    }
}
