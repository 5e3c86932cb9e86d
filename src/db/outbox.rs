//! The email outbox's SQL. A row is written in the same transaction as the business change
//! (its dedupe key makes a second write of the same email a no-op), claimed by a sender with a
//! lease, and ends `sent` or `failed`. Claiming mirrors the job queue: `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL, a guarded update under SQLite's single writer.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::schema::email_outbox;
use super::{DbConnection, backend};
use crate::domain::email::EmailStatus;
use crate::domain::ids::{EmailId, UserId};
use crate::domain::user::is_deleted_address;

pub struct NewEmail<'a> {
    pub dedupe_key: &'a str,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub user_id: Option<UserId>,
    pub payload: &'a str,
}

/// An email as a sender holds it.
#[derive(Debug, Clone, QueryableByName)]
pub struct ClaimedEmail {
    #[diesel(sql_type = BigInt)]
    pub id: EmailId,
    #[diesel(sql_type = Text)]
    pub dedupe_key: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub recipient: String,
    #[diesel(sql_type = Text)]
    pub payload: String,
    /// Including this one.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

/// A row of the admin's outbox view.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_outbox)]
pub struct OutboxRow {
    pub id: EmailId,
    pub kind: String,
    pub recipient: String,
    pub status: EmailStatus,
    pub attempts: i32,
    pub run_after: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Adds an email unless one with the same dedupe key exists; `true` when it was added. An
/// email to a deleted account's address is never added: nobody reads it (issue 22).
pub fn enqueue(conn: &mut DbConnection, email: &NewEmail, now: NaiveDateTime) -> QueryResult<bool> {
    if is_deleted_address(email.recipient) {
        return Ok(false);
    }
    let row = (
        email_outbox::dedupe_key.eq(email.dedupe_key),
        email_outbox::kind.eq(email.kind),
        email_outbox::recipient.eq(email.recipient),
        email_outbox::user_id.eq(email.user_id.map(|u| u.0)),
        email_outbox::payload.eq(email.payload),
        email_outbox::run_after.eq(now),
        email_outbox::created_at.eq(now),
    );
    let inserted = backend::execute(
        conn,
        diesel::insert_into(email_outbox::table)
            .values(row)
            .on_conflict(email_outbox::dedupe_key)
            .do_nothing(),
    )?;
    Ok(inserted == 1)
}

/// Rows per insert of [`enqueue_many`] (SQLite binds each value: 7 a row).
const ENQUEUE_CHUNK: usize = 500;

/// Adds these emails, each unless one with the same dedupe key exists (one statement per 500
/// emails); answers how many were added.
pub fn enqueue_many(
    conn: &mut DbConnection,
    emails: &[NewEmail],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let emails: Vec<&NewEmail> = emails
        .iter()
        .filter(|e| !is_deleted_address(e.recipient))
        .collect();
    let mut added = 0;
    for chunk in emails.chunks(ENQUEUE_CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|email| {
                (
                    email_outbox::dedupe_key.eq(email.dedupe_key),
                    email_outbox::kind.eq(email.kind),
                    email_outbox::recipient.eq(email.recipient),
                    email_outbox::user_id.eq(email.user_id.map(|u| u.0)),
                    email_outbox::payload.eq(email.payload),
                    email_outbox::run_after.eq(now),
                    email_outbox::created_at.eq(now),
                )
            })
            .collect();
        added += backend::execute(
            conn,
            diesel::insert_into(email_outbox::table)
                .values(&rows)
                .on_conflict(email_outbox::dedupe_key)
                .do_nothing(),
        )?;
    }
    Ok(added)
}

/// Whether any email is due (a cheap read, so an idle sender never takes the write lock).
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        email_outbox::table
            .filter(email_outbox::status.eq(EmailStatus::Pending))
            .filter(email_outbox::run_after.le(now))
            .filter(
                email_outbox::lease_until
                    .is_null()
                    .or(email_outbox::lease_until.lt(now)),
            ),
    ))
    .get_result(conn)
}

/// Claims the next due email (pending, not under a live lease) until `lease_until`, counting
/// the attempt.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Option<ClaimedEmail>> {
    const CLAIM: &str = "UPDATE email_outbox SET lease_until = {lease_until}, \
        attempts = attempts + 1 WHERE id = (SELECT id FROM email_outbox \
        WHERE status = 'pending' AND run_after <= {now} \
        AND (lease_until IS NULL OR lease_until < {now}) \
        ORDER BY run_after, id LIMIT 1{skip_locked}) \
        RETURNING id, dedupe_key, kind, recipient, payload, attempts";
    backend::claim_one(conn, CLAIM, now, lease_until)
}

/// The rows a claim may still settle: pending, and on the attempt it made.
type Claimed = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<email_outbox::table, diesel::dsl::Eq<email_outbox::id, EmailId>>,
        diesel::dsl::Eq<email_outbox::status, EmailStatus>,
    >,
    diesel::dsl::Eq<email_outbox::attempts, i32>,
>;

fn claimed(id: EmailId, attempt: i32) -> Claimed {
    email_outbox::table
        .filter(email_outbox::id.eq(id))
        .filter(email_outbox::status.eq(EmailStatus::Pending))
        .filter(email_outbox::attempts.eq(attempt))
}

/// Marks a claimed email sent; `false` if the claim was lost meanwhile.
pub fn mark_sent(
    conn: &mut DbConnection,
    id: EmailId,
    attempt: i32,
    message_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(claimed(id, attempt))
        .set((
            email_outbox::status.eq(EmailStatus::Sent),
            email_outbox::sent_at.eq(Some(now)),
            email_outbox::lease_until.eq(None::<NaiveDateTime>),
            email_outbox::message_id.eq(Some(message_id)),
            email_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Records a failed attempt: pending again at `retry_at`, or `failed` for good when `None`.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: EmailId,
    attempt: i32,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let error: String = error.chars().take(2_000).collect();
    let updated = match retry_at {
        Some(at) => diesel::update(claimed(id, attempt))
            .set((
                email_outbox::run_after.eq(at),
                email_outbox::lease_until.eq(None::<NaiveDateTime>),
                email_outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
        None => diesel::update(claimed(id, attempt))
            .set((
                email_outbox::status.eq(EmailStatus::Failed),
                email_outbox::lease_until.eq(None::<NaiveDateTime>),
                email_outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
    };
    Ok(updated == 1)
}

/// Puts an email back in the queue to go at once, with a fresh count of attempts (the admin's
/// resend). Not while a sender holds it, nor one a deleted account was sent (its address and
/// body are gone); `false` when it was not resendable.
pub fn resend(conn: &mut DbConnection, id: EmailId, now: NaiveDateTime) -> QueryResult<bool> {
    let erased = format!("%@{}", crate::domain::user::DELETED_DOMAIN);
    diesel::update(
        email_outbox::table
            .filter(email_outbox::id.eq(id))
            .filter(
                email_outbox::lease_until
                    .is_null()
                    .or(email_outbox::lease_until.lt(now)),
            )
            .filter(email_outbox::recipient.not_like(erased)),
    )
    .set((
        email_outbox::status.eq(EmailStatus::Pending),
        email_outbox::attempts.eq(0),
        email_outbox::run_after.eq(now),
        email_outbox::lease_until.eq(None::<NaiveDateTime>),
        email_outbox::sent_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// One page of the outbox, newest first, optionally of one status.
pub fn list(
    conn: &mut DbConnection,
    status: Option<EmailStatus>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut query = email_outbox::table
        .select(OutboxRow::as_select())
        .order(email_outbox::id.desc())
        .limit(limit)
        .offset(offset)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(email_outbox::status.eq(status));
    }
    query.load(conn)
}

/// `(status, count)` over the outbox.
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(EmailStatus, i64)>> {
    email_outbox::table
        .group_by(email_outbox::status)
        .select((email_outbox::status, diesel::dsl::count_star()))
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: EmailId) -> QueryResult<Option<OutboxRow>> {
    email_outbox::table
        .filter(email_outbox::id.eq(id))
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}
