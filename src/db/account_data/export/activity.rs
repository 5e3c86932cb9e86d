//! The account's activity: emails, sessions, API tokens, emailed links, waiting rooms, given
//! back seats, the audit log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    api_tokens, audit_log, email_outbox, hold_releases, login_links, queue_exclusions,
    queue_tickets, user_sessions, user_tokens,
};
use crate::domain::email::EmailStatus;
use crate::domain::ids::{EventId, UserId};
use crate::domain::queue::TicketState;

/// An email sent, or to be sent, to the account or its address.
#[derive(Debug, Clone, Queryable)]
pub struct EmailRow {
    pub kind: String,
    pub recipient: String,
    pub status: EmailStatus,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// The outbox's rows for the account, or addressed to `email` (an email about its address
/// need not name the account), oldest first.
pub fn emails_of(conn: &mut DbConnection, user: UserId, email: &str) -> QueryResult<Vec<EmailRow>> {
    email_outbox::table
        .filter(
            email_outbox::user_id
                .eq(Some(user.0))
                .or(email_outbox::recipient.eq(email)),
        )
        .order(email_outbox::id)
        .select((
            email_outbox::kind,
            email_outbox::recipient,
            email_outbox::status,
            email_outbox::created_at,
            email_outbox::sent_at,
        ))
        .load(conn)
}

/// `(created, last seen, ended)` of each browser session.
pub fn sessions_of(
    conn: &mut DbConnection,
    user: UserId,
) -> QueryResult<Vec<(NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>)>> {
    user_sessions::table
        .filter(user_sessions::user_id.eq(user))
        .order(user_sessions::id)
        .select((
            user_sessions::created_at,
            user_sessions::last_seen_at,
            user_sessions::revoked_at,
        ))
        .load(conn)
}

/// `(created, expires, last used, revoked)` of each API token.
pub type TokenRow = (
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

pub fn api_tokens_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user))
        .order(api_tokens::id)
        .select((
            api_tokens::created_at,
            api_tokens::expires_at,
            api_tokens::last_used_at,
            api_tokens::revoked_at,
        ))
        .load(conn)
}

/// `(purpose, sent to, created, expires, used)` of each emailed link (address confirmations
/// and password resets, then sign-in links with the purpose `login`).
pub type LinkRow = (
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

pub fn links_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<LinkRow>> {
    let mut links: Vec<LinkRow> = user_tokens::table
        .filter(user_tokens::user_id.eq(user))
        .order(user_tokens::id)
        .select((
            user_tokens::purpose,
            user_tokens::sent_to,
            user_tokens::created_at,
            user_tokens::expires_at,
            user_tokens::used_at,
        ))
        .load(conn)?;
    let sign_in: Vec<(NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>)> = login_links::table
        .filter(login_links::user_id.eq(user))
        .order(login_links::id)
        .select((
            login_links::created_at,
            login_links::expires_at,
            login_links::used_at,
        ))
        .load(conn)?;
    links.extend(
        sign_in
            .into_iter()
            .map(|(created, expires, used)| ("login".to_owned(), None, created, expires, used)),
    );
    Ok(links)
}

/// A place in an event's waiting room.
#[derive(Debug, Clone, Queryable)]
pub struct QueueTicketRow {
    pub event_id: EventId,
    pub state: TicketState,
    pub seq: Option<i64>,
    pub joined_at: NaiveDateTime,
    pub claimed_at: Option<NaiveDateTime>,
    pub active_until: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
}

pub fn queue_tickets_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<QueueTicketRow>> {
    queue_tickets::table
        .filter(queue_tickets::user_id.eq(Some(user.0)))
        .order(queue_tickets::id)
        .select((
            queue_tickets::event_id,
            queue_tickets::state,
            queue_tickets::seq,
            queue_tickets::joined_at,
            queue_tickets::claimed_at,
            queue_tickets::active_until,
            queue_tickets::ended_at,
        ))
        .load(conn)
}

/// `(event, when)` of each waiting room the account was excluded from.
pub fn exclusions_of(
    conn: &mut DbConnection,
    user: UserId,
) -> QueryResult<Vec<(EventId, NaiveDateTime)>> {
    queue_exclusions::table
        .filter(queue_exclusions::user_id.eq(user))
        .order(queue_exclusions::event_id)
        .select((queue_exclusions::event_id, queue_exclusions::excluded_at))
        .load(conn)
}

/// `(event, places, when)` of each seat or standing line the account gave back lately (kept
/// for the re-hold cooldown, then purged).
pub fn releases_of(
    conn: &mut DbConnection,
    user: UserId,
) -> QueryResult<Vec<(EventId, i32, NaiveDateTime)>> {
    hold_releases::table
        .filter(hold_releases::user_id.eq(user.0))
        .order(hold_releases::id)
        .select((
            hold_releases::event_id,
            hold_releases::quantity,
            hold_releases::released_at,
        ))
        .load(conn)
}

/// An audit entry the account made or that is about it.
#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<i64>,
    pub detail: String,
    pub created_at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
}

pub fn audit_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(
            audit_log::actor_user_id
                .eq(Some(user.0))
                .or(audit_log::subject_type
                    .eq("user")
                    .and(audit_log::subject_id.eq(Some(user.0)))),
        )
        .order(audit_log::id)
        .select((
            audit_log::action,
            audit_log::subject_type,
            audit_log::subject_id,
            audit_log::detail,
            audit_log::created_at,
            audit_log::actor_user_id,
        ))
        .load(conn)
}
