//! Erasing an account, in the caller's write transaction (`services::accounts::erase`): the
//! row is anonymised and kept (bookings, tickets and payments still point at it), what signs
//! it in is deleted, and the personal data elsewhere is erased or anonymised.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    api_tokens, audit_log, bookings, email_outbox, login_links, queue_tickets, user_sessions,
    user_tokens, users,
};
use crate::db::{DbConnection, backend};
use crate::domain::booking::BookingStatus;
use crate::domain::catalogue::contains_pattern;
use crate::domain::email::EmailStatus;
use crate::domain::ids::{BookingId, EmailId, QueueTicketId, UserId};
use crate::domain::queue::TicketState;
use crate::domain::user::{DELETED_NAME, Role, deleted_address};

/// What no password ever hashes to: bcrypt refuses to verify it.
const NO_PASSWORD: &str = "!deleted";

/// On PostgreSQL, locks the account's row and every live admin's, `ORDER BY id FOR NO KEY
/// UPDATE`: two admins deleting themselves at once take turns, so the second sees the first
/// gone and the last admin stays. A user row comes before any section row (db::lock_order);
/// this takes user rows only, all in one statement, in id order. Nothing on SQLite.
pub fn lock_account_and_admins(conn: &mut DbConnection, user: UserId) -> QueryResult<()> {
    let query = users::table
        .filter(
            users::id.eq(user).or(users::role
                .eq(Role::Admin)
                .and(users::disabled_at.is_null())
                .and(users::deleted_at.is_null())),
        )
        .order(users::id)
        .select(users::id);
    backend::lock_rows::<_, _, UserId>(conn, query, QueryDsl::for_no_key_update)
}

/// What the deletion needs to know of the account.
#[derive(Debug, Clone, Queryable)]
pub struct AccountState {
    pub role: Role,
    pub email: String,
    pub deleted: bool,
}

pub fn state(conn: &mut DbConnection, user: UserId) -> QueryResult<Option<AccountState>> {
    users::table
        .filter(users::id.eq(user))
        .select((users::role, users::email, users::deleted_at.is_not_null()))
        .first(conn)
        .optional()
}

/// Platform admins other than `user` that can still sign in.
pub fn other_live_admins(conn: &mut DbConnection, user: UserId) -> QueryResult<i64> {
    users::table
        .filter(users::id.ne(user))
        .filter(users::role.eq(Role::Admin))
        .filter(users::disabled_at.is_null())
        .filter(users::deleted_at.is_null())
        .count()
        .get_result(conn)
}

/// The account's pending bookings (whose seats it holds), oldest first.
pub fn pending_bookings(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<BookingId>> {
    bookings::table
        .filter(bookings::user_id.eq(user))
        .filter(bookings::status.eq(BookingStatus::Pending))
        .order(bookings::id)
        .select(bookings::id)
        .load(conn)
}

/// The account's places in waiting rooms that are still running (waiting or in a turn).
pub fn running_queue_tickets(
    conn: &mut DbConnection,
    user: UserId,
) -> QueryResult<Vec<QueueTicketId>> {
    queue_tickets::table
        .filter(queue_tickets::user_id.eq(Some(user.0)))
        .filter(queue_tickets::state.eq_any([TicketState::Waiting, TicketState::Active]))
        .select(queue_tickets::id)
        .load(conn)
}

/// Deletes everything that signs the account in or would: browser sessions, API tokens,
/// emailed sign-in links, address confirmations and password resets. How many rows.
pub fn delete_sign_ins(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    let sessions = diesel::delete(user_sessions::table.filter(user_sessions::user_id.eq(user)))
        .execute(conn)?;
    let tokens =
        diesel::delete(api_tokens::table.filter(api_tokens::user_id.eq(user))).execute(conn)?;
    let links =
        diesel::delete(login_links::table.filter(login_links::user_id.eq(user))).execute(conn)?;
    let emailed =
        diesel::delete(user_tokens::table.filter(user_tokens::user_id.eq(user))).execute(conn)?;
    Ok(sessions + tokens + links + emailed)
}

/// The outbox's rows for the account or to its address: unsent ones are dropped; sent ones
/// keep their kind and times (the booking's history shows them) but go to the deleted
/// address, with a body reduced to `scrub` of it. Answers `(dropped, anonymised)`.
pub fn erase_emails(
    conn: &mut DbConnection,
    user: UserId,
    email: &str,
    scrub: impl Fn(&str) -> String,
) -> QueryResult<(usize, usize)> {
    let theirs = email_outbox::user_id
        .eq(Some(user.0))
        .or(email_outbox::recipient.eq(email.to_owned()));
    let dropped = diesel::delete(
        email_outbox::table
            .filter(theirs.clone())
            .filter(email_outbox::status.ne(EmailStatus::Sent)),
    )
    .execute(conn)?;
    let sent: Vec<(EmailId, String)> = email_outbox::table
        .filter(theirs)
        .select((email_outbox::id, email_outbox::payload))
        .load(conn)?;
    let address = deleted_address(user.0);
    for (id, payload) in &sent {
        diesel::update(email_outbox::table.filter(email_outbox::id.eq(*id)))
            .set((
                email_outbox::recipient.eq(&address),
                email_outbox::user_id.eq(Some(user.0)),
                email_outbox::payload.eq(scrub(payload)),
                email_outbox::last_error.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    Ok((dropped, sent.len()))
}

/// Audit details that name the address lose their detail (the contract is that none does;
/// this makes sure). How many.
pub fn scrub_audit(conn: &mut DbConnection, email: &str) -> QueryResult<usize> {
    diesel::update(
        audit_log::table.filter(audit_log::detail.like(contains_pattern(email)).escape('\\')),
    )
    .set(audit_log::detail.eq("{}"))
    .execute(conn)
}

/// Anonymises the account's row (see the `account_deletion` migration's CHECK): the deleted
/// name and address, no password, no verification, the plain role, disabled, a new session
/// epoch, `deleted_at`. `false` when it was already deleted.
pub fn anonymise(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        users::table
            .filter(users::id.eq(user))
            .filter(users::deleted_at.is_null()),
    )
    .set((
        users::name.eq(DELETED_NAME),
        users::email.eq(deleted_address(user.0)),
        users::password_hash.eq(NO_PASSWORD),
        users::email_verified_at.eq(None::<NaiveDateTime>),
        users::role.eq(Role::User),
        users::disabled_at.eq(Some(now)),
        users::session_epoch.eq(users::session_epoch + 1),
        users::updated_at.eq(now),
        users::deleted_at.eq(Some(now)),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
