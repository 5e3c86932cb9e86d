//! The figures a metrics scrape reads (issue 21): what the worker has to do and what is held
//! now. One aggregate statement each, on indexed columns; no locks taken.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min, sum};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{email_outbox, event_seats, event_sections, jobs};
use crate::domain::email::EmailStatus;
use crate::domain::job::JobStatus;
use crate::domain::venue::SeatStatus;

/// Jobs a runner could claim now (the same rule as `jobs::claim_in`), and the earliest time one
/// of them became due.
pub fn jobs_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    jobs::table
        .filter(jobs::run_after.le(now))
        .filter(jobs::attempts.lt(jobs::max_attempts))
        .filter(
            jobs::status.eq(JobStatus::Queued).or(jobs::status
                .eq(JobStatus::Running)
                .and(jobs::lease_until.lt(now))),
        )
        .select((count_star(), min(jobs::run_after)))
        .first(conn)
}

/// Outbox emails the sender could claim now (the rule of `outbox::claim`), and the earliest
/// time one of them became due.
pub fn emails_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    email_outbox::table
        .filter(email_outbox::status.eq(EmailStatus::Pending))
        .filter(email_outbox::run_after.le(now))
        .filter(
            email_outbox::lease_until
                .is_null()
                .or(email_outbox::lease_until.lt(now)),
        )
        .select((count_star(), min(email_outbox::run_after)))
        .first(conn)
}

/// Numbered seats held by a hold that has not run out, and standing places held (standing
/// counters include a run-out hold until the sweeper, every two seconds, gives it back).
pub fn held(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<(i64, i64)> {
    let seats = event_seats::table
        .filter(event_seats::status.eq(SeatStatus::Held))
        .filter(event_seats::held_until.gt(now))
        .count()
        .get_result(conn)?;
    let standing: Option<i64> = event_sections::table
        .select(sum(event_sections::held))
        .first(conn)?;
    Ok((seats, standing.unwrap_or(0)))
}
