//! What a metrics scrape reads (issue 21): the pool, the worker's backlogs, places held, open
//! live streams and the waiting rooms, gathered into [`Figures`] for `crate::metrics`. Three
//! aggregate statements on one pooled connection; everything else is in memory. Blocking: the
//! scrape runs it on the blocking pool.

use chrono::NaiveDateTime;

use crate::db::{Db, DbError, backlog};
use crate::domain::queue::Phase;
use crate::metrics::{Figures, Stored};
use crate::services::live::LiveHub;
use crate::services::queue::board::Board;

/// Every figure; those of the database are `None` when it cannot be read (the scrape still
/// answers the counters).
pub fn figures(db: &Db, live: &LiveHub, board: &Board, now: NaiveDateTime) -> Figures {
    // The pool as it is before this scrape takes a connection of its own.
    let (in_use, idle) = db.pool_state();
    let stored = stored(db, now)
        .inspect_err(|e| tracing::warn!(error = %e, "metrics: could not read the database figures"))
        .ok();
    let rooms = board.rooms();
    let open: Vec<_> = rooms
        .iter()
        .filter(|r| r.enabled && matches!(r.phase, Phase::Prequeue | Phase::Open))
        .collect();
    Figures {
        pool_in_use: i64::from(in_use),
        pool_idle: i64::from(idle),
        stored,
        live_streams: i64::try_from(live.slots.open()).unwrap_or(i64::MAX),
        rooms_open: i64::try_from(open.len()).unwrap_or(i64::MAX),
        waiting: open
            .iter()
            .map(|r| (r.issued - r.cursor).max(0) + r.prequeue_size)
            .sum(),
        active: open.iter().map(|r| r.active).sum(),
        refusals: board.refusals(),
        polls: board.polls(),
    }
}

fn stored(db: &Db, now: NaiveDateTime) -> Result<Stored, DbError> {
    let ((jobs, oldest_job), (emails, oldest_email), (seats, standing)) = db.read(|c| {
        Ok::<_, DbError>((
            backlog::jobs_due(c, now)?,
            backlog::emails_due(c, now)?,
            backlog::held(c, now)?,
        ))
    })?;
    let age =
        |since: Option<NaiveDateTime>| since.map_or(0.0, |at| (now - at).as_seconds_f64().max(0.0));
    Ok(Stored {
        jobs_due: jobs,
        emails_due: emails,
        oldest_job_due_seconds: age(oldest_job),
        oldest_email_due_seconds: age(oldest_email),
        seats_held: seats,
        standing_held: standing,
    })
}
