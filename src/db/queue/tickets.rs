//! Queue tickets: joining (pre-queue and live), rejoining, claiming a turn, leaving, finishing,
//! each a guarded update (`… WHERE state = <from>`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Timestamp};

use super::{TicketRow, numbered};
use crate::db::schema::{queue_tickets, waiting_rooms};
use crate::db::{DbConnection, backend};
use crate::domain::ids::{EventId, QueueTicketId, UserId};
use crate::domain::queue::{Phase, TicketState};

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

pub fn find(conn: &mut DbConnection, id: QueueTicketId) -> QueryResult<Option<TicketRow>> {
    queue_tickets::table
        .find(id)
        .select(TicketRow::as_select())
        .first(conn)
        .optional()
}

/// The account's ticket for the event, if it has one.
pub fn find_for_user(
    conn: &mut DbConnection,
    event: EventId,
    user: UserId,
) -> QueryResult<Option<TicketRow>> {
    queue_tickets::table
        .filter(queue_tickets::event_id.eq(event))
        .filter(queue_tickets::user_id.eq(user))
        .select(TicketRow::as_select())
        .first(conn)
        .optional()
}

/// A pre-queue ticket (no number yet): one `INSERT … ON CONFLICT DO NOTHING` that touches no
/// shared row. `None` when the account already has a ticket (another tab got there first).
pub fn insert_prequeue(
    conn: &mut DbConnection,
    event: EventId,
    user: Option<UserId>,
    draw_key: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<Option<QueueTicketId>> {
    let sql = numbered(
        conn,
        "INSERT INTO queue_tickets (event_id, user_id, draw_key, state, joined_at) \
         VALUES ($1, $2, $3, 'waiting', $4) ON CONFLICT DO NOTHING RETURNING id",
    );
    let rows: Vec<Id> = backend::load(
        conn,
        diesel::sql_query(sql)
            .bind::<BigInt, _>(event.0)
            .bind::<Nullable<BigInt>, _>(user.map(|u| u.0))
            .bind::<Nullable<BigInt>, _>(draw_key)
            .bind::<Timestamp, _>(now),
    )?;
    Ok(rows.first().map(|r| QueueTicketId(r.id)))
}

/// A live ticket of an open room, numbered `issued + 1`. On PostgreSQL one statement, so the
/// room row is locked for that statement only; on SQLite the same two steps inside the
/// caller's immediate transaction (the single writer is the lock). `None` when the room is not
/// open or the account already has a ticket.
pub fn insert_live(
    conn: &mut DbConnection,
    event: EventId,
    user: Option<UserId>,
    now: NaiveDateTime,
) -> QueryResult<Option<QueueTicketId>> {
    const INSERT: &str = "INSERT INTO queue_tickets (event_id, user_id, seq, state, joined_at) \
        SELECT $1, $2, r.issued, 'waiting', $3 FROM r WHERE true ON CONFLICT DO NOTHING RETURNING id";
    let one_statement = backend::takes_row_locks(conn);
    if !one_statement {
        let Some(seq) = super::rooms::take_number(conn, event)? else {
            return Ok(None);
        };
        let sql = numbered(conn, &format!("WITH r AS (SELECT $4 AS issued) {INSERT}"));
        let rows: Vec<Id> = backend::load(
            conn,
            diesel::sql_query(sql)
                .bind::<BigInt, _>(event.0)
                .bind::<Nullable<BigInt>, _>(user.map(|u| u.0))
                .bind::<Timestamp, _>(now)
                .bind::<BigInt, _>(seq),
        )?;
        return Ok(rows.first().map(|r| QueueTicketId(r.id)));
    }
    let sql = format!(
        "WITH r AS (UPDATE waiting_rooms SET issued = issued + 1, version = version + 1 \
           WHERE event_id = $1 AND phase = 'open' RETURNING issued) {INSERT}"
    );
    let rows: Vec<Id> = backend::load(
        conn,
        diesel::sql_query(sql)
            .bind::<BigInt, _>(event.0)
            .bind::<Nullable<BigInt>, _>(user.map(|u| u.0))
            .bind::<Timestamp, _>(now),
    )?;
    Ok(rows.first().map(|r| QueueTicketId(r.id)))
}

/// Puts an ended ticket back in the queue: with a fresh draw key in the pre-queue (`seq`
/// `None`), or with a new number at the back after the draw. Guarded: only a ticket that
/// ended (or whose turn ran out) comes back.
pub fn rejoin(
    conn: &mut DbConnection,
    id: QueueTicketId,
    draw_key: Option<i64>,
    seq: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let ended = [
        TicketState::Done,
        TicketState::Lapsed,
        TicketState::Left,
        TicketState::Missed,
    ];
    diesel::update(
        queue_tickets::table.find(id).filter(
            queue_tickets::state.eq_any(ended).or(queue_tickets::state
                .eq(TicketState::Active)
                .and(queue_tickets::active_until.le(now))),
        ),
    )
    .set((
        queue_tickets::state.eq(TicketState::Waiting),
        queue_tickets::draw_key.eq(draw_key),
        queue_tickets::seq.eq(seq),
        queue_tickets::joined_at.eq(now),
        queue_tickets::claimed_at.eq(None::<NaiveDateTime>),
        queue_tickets::active_until.eq(None::<NaiveDateTime>),
        queue_tickets::ended_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Numbers a waiting ticket that has none after the draw (a straggler: its pre-queue insert
/// committed after the draw's snapshot).
pub fn number(conn: &mut DbConnection, id: QueueTicketId, seq: i64) -> QueryResult<bool> {
    diesel::update(
        queue_tickets::table
            .find(id)
            .filter(queue_tickets::state.eq(TicketState::Waiting))
            .filter(queue_tickets::seq.is_null()),
    )
    .set(queue_tickets::seq.eq(seq))
    .execute(conn)
    .map(|n| n == 1)
}

/// Claims the turn of a called ticket (`waiting`, `seq <= cursor`): active until `until`.
pub fn claim(
    conn: &mut DbConnection,
    id: QueueTicketId,
    cursor: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        queue_tickets::table
            .find(id)
            .filter(queue_tickets::state.eq(TicketState::Waiting))
            .filter(queue_tickets::seq.le(cursor)),
    )
    .set((
        queue_tickets::state.eq(TicketState::Active),
        queue_tickets::claimed_at.eq(now),
        queue_tickets::active_until.eq(until),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Ends a ticket: from one of `from` to `to` at `now`.
pub fn end(
    conn: &mut DbConnection,
    id: QueueTicketId,
    from: &[TicketState],
    to: TicketState,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        queue_tickets::table
            .find(id)
            .filter(queue_tickets::state.eq_any(from.to_vec())),
    )
    .set((queue_tickets::state.eq(to), queue_tickets::ended_at.eq(now)))
    .execute(conn)
    .map(|n| n == 1)
}

/// The account's turn for the event is over because it paid (the payment transaction will run
/// this, §3.9): `active` (and not run out) → `done`, in the caller's transaction. False when
/// it had no running turn.
pub fn finish_for_user(
    conn: &mut DbConnection,
    event: EventId,
    user: UserId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        queue_tickets::table
            .filter(queue_tickets::event_id.eq(event))
            .filter(queue_tickets::user_id.eq(user))
            .filter(queue_tickets::state.eq(TicketState::Active))
            .filter(queue_tickets::active_until.gt(now)),
    )
    .set((
        queue_tickets::state.eq(TicketState::Done),
        queue_tickets::ended_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// The same for one ticket.
pub fn finish(conn: &mut DbConnection, id: QueueTicketId, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        queue_tickets::table
            .find(id)
            .filter(queue_tickets::state.eq(TicketState::Active))
            .filter(queue_tickets::active_until.gt(now)),
    )
    .set((
        queue_tickets::state.eq(TicketState::Done),
        queue_tickets::ended_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Whether the room of this ticket is open (a straggler's number needs it).
pub fn room_is_open(conn: &mut DbConnection, event: EventId) -> QueryResult<bool> {
    waiting_rooms::table
        .find(event)
        .filter(waiting_rooms::phase.eq(Phase::Open))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n == 1)
}

/// A hold by an admitted buyer (WAITING_ROOM.md §3.9), inside the hold's transaction: the
/// account's running turn at `event` is kept at least until `hold_expires_at`, so its slot
/// counts as taken while the seats are held. `false` when the account has no running turn
/// (never admitted, finished, run out, or left): the hold must roll back. One statement that
/// both checks and extends, and locks the ticket's row until the commit, so a turn that ends
/// meanwhile (a payment, an expiry sweep) cannot let a hold through.
pub fn keep_turn_for_hold(
    conn: &mut DbConnection,
    event: EventId,
    user: UserId,
    hold_expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let sql = numbered(
        conn,
        "UPDATE queue_tickets SET active_until = \
           CASE WHEN active_until < $3 THEN $3 ELSE active_until END \
         WHERE event_id = $1 AND user_id = $2 AND state = 'active' AND active_until > $4",
    );
    let n = backend::execute(
        conn,
        diesel::sql_query(sql)
            .bind::<BigInt, _>(event.0)
            .bind::<BigInt, _>(user.0)
            .bind::<Timestamp, _>(hold_expires_at)
            .bind::<Timestamp, _>(now),
    )?;
    Ok(n == 1)
}

/// Binds a ticket joined without an account to the account that claims it (rooms that do not
/// require an account: the hold needs one). False when it already belongs to an account.
pub fn attach_user(conn: &mut DbConnection, id: QueueTicketId, user: UserId) -> QueryResult<bool> {
    diesel::update(
        queue_tickets::table
            .find(id)
            .filter(queue_tickets::user_id.is_null()),
    )
    .set(queue_tickets::user_id.eq(user))
    .execute(conn)
    .map(|n| n == 1)
}
