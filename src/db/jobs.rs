//! The durable job queue's SQL. Claiming differs per backend: PostgreSQL skips rows other
//! workers have locked (`FOR UPDATE SKIP LOCKED`); SQLite's single writer makes the same
//! guarded update safe on its own.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::schema::jobs;
use super::{DbConnection, backend};
use crate::domain::ids::JobId;
use crate::domain::job::JobStatus;

/// A job as a worker holds it.
#[derive(Debug, Clone, QueryableByName, PartialEq, Eq)]
pub struct ClaimedJob {
    #[diesel(sql_type = BigInt)]
    pub id: JobId,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub payload: String,
    /// Including this one.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Integer)]
    pub max_attempts: i32,
}

/// Adds a job unless one with the same dedupe key exists (then nothing happens). Meant to run
/// inside the caller's transaction, so the job exists exactly when the change that needs it
/// does; `ON CONFLICT DO NOTHING` keeps a duplicate from aborting that transaction.
pub fn enqueue(
    conn: &mut DbConnection,
    kind: &str,
    payload: &str,
    dedupe_key: Option<&str>,
    max_attempts: i32,
    run_after: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let row = (
        jobs::kind.eq(kind),
        jobs::payload.eq(payload),
        jobs::dedupe_key.eq(dedupe_key),
        jobs::max_attempts.eq(max_attempts),
        jobs::run_after.eq(run_after),
        jobs::created_at.eq(now),
        jobs::updated_at.eq(now),
    );
    let inserted = backend::execute(
        conn,
        diesel::insert_into(jobs::table)
            .values(row)
            .on_conflict(jobs::dedupe_key)
            .do_nothing(),
    )?;
    Ok(inserted == 1)
}

/// Which kinds of job a worker lane claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindFilter {
    Any,
    /// Only these kinds (the payments lane).
    Only(Vec<String>),
    /// Every kind but these (the other-jobs lane, which also dead-letters unknown kinds).
    Except(Vec<String>),
}

impl KindFilter {
    /// The SQL condition, kinds as quoted literals (they are the code's own constants; quotes
    /// are doubled all the same).
    fn condition(&self) -> String {
        let list = |kinds: &[String]| {
            kinds
                .iter()
                .map(|k| format!("'{}'", k.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            KindFilter::Any => String::new(),
            KindFilter::Only(kinds) if kinds.is_empty() => " AND 1 = 0".to_owned(),
            KindFilter::Except(kinds) if kinds.is_empty() => String::new(),
            KindFilter::Only(kinds) => format!(" AND kind IN ({})", list(kinds)),
            KindFilter::Except(kinds) => format!(" AND kind NOT IN ({})", list(kinds)),
        }
    }
}

/// Claims the next due job (queued, or running under a lease that ran out) for `lease_until`,
/// counting the attempt. Jobs out of attempts are not claimed (see [`bury_abandoned`]).
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Option<ClaimedJob>> {
    claim_in(conn, now, lease_until, &KindFilter::Any)
}

/// [`claim`], of the kinds `kinds` lets through only (one worker lane's share).
pub fn claim_in(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    kinds: &KindFilter,
) -> QueryResult<Option<ClaimedJob>> {
    let pick = format!(
        "SELECT id FROM jobs WHERE run_after <= {{now}} AND attempts < max_attempts \
        AND (status = 'queued' OR (status = 'running' AND lease_until < {{now}})){} \
        ORDER BY run_after, id LIMIT 1",
        kinds.condition()
    );
    let claim = format!(
        "UPDATE jobs SET status = 'running', lease_until = {{lease_until}}, \
         attempts = attempts + 1, updated_at = {{now}} WHERE id = ({pick}{{skip_locked}}) \
         RETURNING id, kind, payload, attempts, max_attempts"
    );
    backend::claim_one(conn, &claim, now, lease_until)
}

/// Marks a claimed job done; `false` if the claim had been lost (its lease ran out and another
/// worker took it).
pub fn complete(
    conn: &mut DbConnection,
    id: JobId,
    attempt: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(JobStatus::Running))
            .filter(jobs::attempts.eq(attempt)),
    )
    .set((
        jobs::status.eq(JobStatus::Done),
        jobs::lease_until.eq(None::<NaiveDateTime>),
        jobs::finished_at.eq(Some(now)),
        jobs::updated_at.eq(now),
        jobs::last_error.eq(None::<String>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Records a failed attempt: queued again at `retry_at`, or dead (with the error kept) when
/// `retry_at` is `None`.
pub fn fail(
    conn: &mut DbConnection,
    id: JobId,
    attempt: i32,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = jobs::table
        .filter(jobs::id.eq(id))
        .filter(jobs::status.eq(JobStatus::Running))
        .filter(jobs::attempts.eq(attempt));
    let error: String = error.chars().take(2_000).collect();
    let updated = match retry_at {
        Some(at) => diesel::update(target)
            .set((
                jobs::status.eq(JobStatus::Queued),
                jobs::run_after.eq(at),
                jobs::lease_until.eq(None::<NaiveDateTime>),
                jobs::last_error.eq(Some(error)),
                jobs::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                jobs::status.eq(JobStatus::Dead),
                jobs::lease_until.eq(None::<NaiveDateTime>),
                jobs::last_error.eq(Some(error)),
                jobs::finished_at.eq(Some(now)),
                jobs::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(updated == 1)
}

/// Jobs whose worker vanished on their last attempt: dead, with the reason.
pub fn bury_abandoned(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        jobs::table
            .filter(jobs::status.eq(JobStatus::Running))
            .filter(jobs::lease_until.lt(now))
            .filter(jobs::attempts.ge(jobs::max_attempts)),
    )
    .set((
        jobs::status.eq(JobStatus::Dead),
        jobs::lease_until.eq(None::<NaiveDateTime>),
        jobs::last_error.eq(Some("the worker stopped during the last attempt")),
        jobs::finished_at.eq(Some(now)),
        jobs::updated_at.eq(now),
    ))
    .execute(conn)
}

/// `(status, count)` of every job, for dashboards and tests.
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(JobStatus, i64)>> {
    jobs::table
        .group_by(jobs::status)
        .select((jobs::status, diesel::dsl::count_star()))
        .load(conn)
}

/// The last error of a job, if any.
pub fn last_error(conn: &mut DbConnection, id: JobId) -> QueryResult<Option<String>> {
    jobs::table
        .filter(jobs::id.eq(id))
        .select(jobs::last_error)
        .first::<Option<String>>(conn)
}

/// A row of the admin's jobs view.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: JobId,
    pub kind: String,
    pub status: JobStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_after: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// One page of jobs, newest first, optionally of one status.
pub fn list(
    conn: &mut DbConnection,
    status: Option<JobStatus>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<JobRow>> {
    let mut query = jobs::table
        .select(JobRow::as_select())
        .order(jobs::id.desc())
        .limit(limit)
        .offset(offset)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(jobs::status.eq(status));
    }
    query.load(conn)
}

/// Queues a dead (or waiting) job to run at once with a fresh count of attempts; `false` when
/// it is running or done.
pub fn retry(conn: &mut DbConnection, id: JobId, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq_any([JobStatus::Dead, JobStatus::Queued])),
    )
    .set((
        jobs::status.eq(JobStatus::Queued),
        jobs::attempts.eq(0),
        jobs::run_after.eq(now),
        jobs::lease_until.eq(None::<NaiveDateTime>),
        jobs::finished_at.eq(None::<NaiveDateTime>),
        jobs::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
