//! The admin's view of background work: the email outbox (with resend) and the job queue (with
//! retry). Every action is audited with the admin as the actor.

use std::str::FromStr;

use chrono::NaiveDateTime;

use crate::db::audit::{self, NewAuditEntry};
use crate::db::jobs::{self, JobRow};
use crate::db::outbox::{self, OutboxRow};
use crate::db::{DbConnection, DbError};
use crate::domain::email::EmailStatus;
use crate::domain::ids::{EmailId, JobId, UserId};
use crate::domain::job::JobStatus;

pub const PAGE_SIZE: i64 = 50;
/// The outbox's statuses in the order the admin's filter lists them.
pub const EMAIL_STATUSES: [EmailStatus; 3] =
    [EmailStatus::Pending, EmailStatus::Sent, EmailStatus::Failed];
/// The job queue's statuses in the order the admin's filter lists them.
pub const JOB_STATUSES: [JobStatus; 4] = [
    JobStatus::Queued,
    JobStatus::Running,
    JobStatus::Dead,
    JobStatus::Done,
];

/// A status filter from the query string: one of `allowed`, or all.
pub fn status_filter<S: FromStr + PartialEq>(raw: Option<&str>, allowed: &[S]) -> Option<S> {
    raw?.trim().parse().ok().filter(|s| allowed.contains(s))
}

/// How many rows have each status (every status listed, zeros included).
pub fn tally<S: Copy + PartialEq>(counts: &[(S, i64)], statuses: &[S]) -> Vec<(S, i64)> {
    statuses
        .iter()
        .map(|s| {
            let n = counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            (*s, n)
        })
        .collect()
}

pub struct EmailsView {
    pub rows: Vec<OutboxRow>,
    pub counts: Vec<(EmailStatus, i64)>,
    pub more: bool,
}

pub fn emails(
    conn: &mut DbConnection,
    status: Option<EmailStatus>,
    page: u32,
) -> Result<EmailsView, DbError> {
    let offset = i64::from(page.saturating_sub(1)) * PAGE_SIZE;
    let mut rows = outbox::list(conn, status, PAGE_SIZE + 1, offset)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let counts = tally(&outbox::counts(conn)?, &EMAIL_STATUSES);
    Ok(EmailsView { rows, counts, more })
}

pub struct JobsView {
    pub rows: Vec<JobRow>,
    pub counts: Vec<(JobStatus, i64)>,
    pub more: bool,
}

pub fn jobs(
    conn: &mut DbConnection,
    status: Option<JobStatus>,
    page: u32,
) -> Result<JobsView, DbError> {
    let offset = i64::from(page.saturating_sub(1)) * PAGE_SIZE;
    let mut rows = jobs::list(conn, status, PAGE_SIZE + 1, offset)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let counts = tally(&jobs::counts(conn)?, &JOB_STATUSES);
    Ok(JobsView { rows, counts, more })
}

fn audit_action(
    conn: &mut DbConnection,
    actor: UserId,
    action: &str,
    subject_type: &str,
    id: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    Ok(audit::record(
        conn,
        &NewAuditEntry {
            actor_user_id: Some(actor),
            action,
            subject_type,
            subject_id: Some(id),
            detail: "{}",
            created_at: now,
        },
    )?)
}

/// Sends an email again (any status, unless a sender holds it right now); `None` for an
/// unknown email.
#[tracing::instrument(name = "queues.resend_email", skip_all, fields(email.id = %id, admin.id = %actor))]
pub fn resend_email(
    conn: &mut DbConnection,
    actor: UserId,
    id: EmailId,
    now: NaiveDateTime,
) -> Result<Option<bool>, DbError> {
    if outbox::find(conn, id)?.is_none() {
        return Ok(None);
    }
    let queued = outbox::resend(conn, id, now)?;
    if queued {
        audit_action(conn, actor, "email.resent", "email", id.0, now)?;
    }
    Ok(Some(queued))
}

/// Runs a dead or waiting job again at once.
#[tracing::instrument(name = "queues.retry_job", skip_all, fields(job.id = %id, admin.id = %actor))]
pub fn retry_job(
    conn: &mut DbConnection,
    actor: UserId,
    id: JobId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let queued = jobs::retry(conn, id, now)?;
    if queued {
        audit_action(conn, actor, "job.retried", "job", id.0, now)?;
    }
    Ok(queued)
}
