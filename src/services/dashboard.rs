//! What the box-office dashboard shows.

use chrono::{Datelike, NaiveDateTime, TimeDelta};

use crate::db::admin::{self, Activity, Overview, SectionSummary, VenueRow};
use crate::db::{DbConnection, DbError};
use crate::domain::access::Scope;
use crate::domain::email::EmailStatus;
use crate::domain::ids::EventId;
use crate::domain::job::JobStatus;
use crate::domain::local_time::{LocalStart, zone};
use crate::domain::money::Money;
use crate::services::queues::{EMAIL_STATUSES, JOB_STATUSES, tally};

/// Upcoming events listed on the dashboard.
pub const UPCOMING: i64 = 8;
/// Audit-log rows shown as recent activity.
pub const ACTIVITY: i64 = 15;

/// Sales in a period (days start at 00:00 UTC; weeks on Monday).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sales {
    pub bookings: i64,
    pub tickets: i64,
    /// One amount per currency sold in, e.g. `["£1,204.00", "€96.00"]`; empty when none.
    pub revenue: Vec<String>,
}

impl Sales {
    pub fn revenue_text(&self) -> String {
        if self.revenue.is_empty() {
            "–".to_owned()
        } else {
            self.revenue.join(" · ")
        }
    }
}

pub struct Upcoming {
    pub event: admin::UpcomingEvent,
    pub start: LocalStart,
}

impl Upcoming {
    pub fn fill_percent(&self) -> i64 {
        if self.event.capacity > 0 {
            self.event.sold * 100 / self.event.capacity
        } else {
            0
        }
    }
}

/// How a queue is doing: rows per status, and how long the oldest waiting one has waited.
pub struct QueueHealth {
    pub counts: Vec<(&'static str, i64)>,
    pub oldest_waiting_minutes: Option<i64>,
    /// The status that means "given up" (`failed` emails, `dead` jobs) and how many there are.
    pub stuck: i64,
}

impl QueueHealth {
    pub fn healthy(&self) -> bool {
        self.stuck == 0 && self.oldest_waiting_minutes.is_none_or(|m| m < 10)
    }
}

/// An event waiting for a platform admin's review.
pub struct Review {
    pub id: EventId,
    pub title: String,
    pub organizer: String,
    pub since: NaiveDateTime,
}

/// Everything `/admin` shows, for the organizers of the caller's scope.
pub struct Dashboard {
    pub overview: Overview,
    /// Events waiting for review (platform admins approve them; editors see their own).
    pub review: Vec<Review>,
    pub today: Sales,
    pub week: Sales,
    /// Baskets holding seats now, and the seats and places they hold.
    pub holds: (i64, i64),
    pub upcoming: Vec<Upcoming>,
    pub emails: QueueHealth,
    pub jobs: QueueHealth,
    pub activity: Vec<Activity>,
}

#[tracing::instrument(name = "dashboard.overview", level = "debug", skip_all)]
pub fn overview(
    conn: &mut DbConnection,
    scope: &Scope,
    now: NaiveDateTime,
) -> Result<Dashboard, DbError> {
    let today = now.date().and_hms_opt(0, 0, 0).unwrap_or(now);
    let week = today - TimeDelta::days(i64::from(now.weekday().num_days_from_monday()));
    let sales = |conn: &mut DbConnection, since: NaiveDateTime| -> Result<Sales, DbError> {
        let rows = admin::paid_since(conn, scope, since)?;
        Ok(Sales {
            bookings: rows.iter().map(|(_, n, _)| n).sum(),
            tickets: admin::tickets_paid_since(conn, scope, since)?,
            revenue: rows
                .iter()
                .map(|(currency, _, total)| Money::new(total.unwrap_or(0), *currency).to_string())
                .collect(),
        })
    };
    let minutes_since = |t: Option<NaiveDateTime>| t.map(|t| (now - t).num_minutes().max(0));
    let email_counts = tally(&crate::db::outbox::counts(conn)?, &EMAIL_STATUSES);
    let job_counts = tally(&crate::db::jobs::counts(conn)?, &JOB_STATUSES);

    Ok(Dashboard {
        overview: admin::overview(conn, scope, now)?,
        review: admin::waiting_for_review(conn, scope)?
            .into_iter()
            .map(|(id, title, organizer, since)| Review {
                id,
                title,
                organizer,
                since,
            })
            .collect(),
        today: sales(conn, today)?,
        week: sales(conn, week)?,
        holds: admin::active_holds(conn, scope, now)?,
        upcoming: admin::upcoming(conn, scope, now, UPCOMING)?
            .into_iter()
            .map(|event| Upcoming {
                start: LocalStart::new(event.starts_at, zone(&event.timezone)),
                event,
            })
            .collect(),
        emails: QueueHealth {
            stuck: count_of(&email_counts, EmailStatus::Failed),
            oldest_waiting_minutes: minutes_since(admin::oldest_pending_email(conn)?),
            counts: email_counts.iter().map(|(s, n)| (s.as_str(), *n)).collect(),
        },
        jobs: QueueHealth {
            stuck: count_of(&job_counts, JobStatus::Dead),
            oldest_waiting_minutes: minutes_since(admin::oldest_queued_job(conn)?),
            counts: job_counts.iter().map(|(s, n)| (s.as_str(), *n)).collect(),
        },
        activity: admin::recent_activity(conn, ACTIVITY)?,
    })
}

/// How many rows of a queue have `status`.
fn count_of<S: PartialEq>(counts: &[(S, i64)], status: S) -> i64 {
    counts
        .iter()
        .find(|(s, _)| *s == status)
        .map_or(0, |(_, n)| *n)
}

/// A venue with its sections and total capacity.
pub struct VenueWithSections {
    pub venue: VenueRow,
    pub capacity: i64,
    pub sections: Vec<SectionSummary>,
}

pub fn venues(conn: &mut DbConnection, scope: &Scope) -> Result<Vec<VenueWithSections>, DbError> {
    let (venues, sections) = admin::venues(conn, scope)?;
    Ok(venues
        .into_iter()
        .map(|venue| {
            let sections: Vec<SectionSummary> = sections
                .iter()
                .filter(|s| s.venue_id == venue.id)
                .cloned()
                .collect();
            VenueWithSections {
                capacity: sections.iter().map(|s| s.capacity).sum(),
                venue,
                sections,
            }
        })
        .collect())
}
