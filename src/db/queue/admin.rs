//! The box office's side of a waiting room (shared/WAITING_ROOM.md §3.13, §3.14): the phase
//! moves an admin makes (close, admit everyone), excluding an account before the draw, and the
//! live figures of the admin panel and the admin JSON. The same SQL on both backends.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Timestamp};

use super::{RoomRow, numbered, tick};
use crate::db::schema::{queue_calls, queue_exclusions, queue_tickets, users, waiting_rooms};
use crate::db::{DbConnection, backend};
use crate::domain::ids::{EventId, UserId};
use crate::domain::queue::{Phase, TicketState};

/// How many recent calls (and turns) the wait and session percentiles read at most.
pub const SAMPLE_LIMIT: i64 = 5_000;
/// The waits the panel reports are those of tickets called this recently.
pub const WAIT_WINDOW: TimeDelta = TimeDelta::minutes(30);
/// No-shows "lately" are those marked missed this recently.
pub const NO_SHOW_WINDOW: TimeDelta = TimeDelta::minutes(10);

/// Closes a room in the pre-queue or open: nobody more is called or may join. False when it
/// was in neither phase.
pub fn close(conn: &mut DbConnection, event: EventId, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        waiting_rooms::table
            .find(event)
            .filter(waiting_rooms::phase.eq_any([Phase::Prequeue, Phase::Open])),
    )
    .set((
        waiting_rooms::phase.eq(Phase::Closed),
        waiting_rooms::version.eq(waiting_rooms::version + 1),
        waiting_rooms::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// "Admit everyone": the room stops gating (off and disabled), so the seat map and the holds
/// are open to all; the tickets stay as they are. False when it was already off and disabled.
pub fn admit_everyone(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        waiting_rooms::table.find(event).filter(
            waiting_rooms::enabled
                .eq(true)
                .or(waiting_rooms::phase.ne(Phase::Off)),
        ),
    )
    .set((
        waiting_rooms::enabled.eq(false),
        waiting_rooms::phase.eq(Phase::Off),
        waiting_rooms::version.eq(waiting_rooms::version + 1),
        waiting_rooms::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// The account with this (normalised) email address.
pub fn user_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserId>> {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(conn)
        .optional()
}

/// Records that `user` may not join the event's room; false when it already was excluded.
pub fn exclude(
    conn: &mut DbConnection,
    event: EventId,
    user: UserId,
    by: UserId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let sql = numbered(
        conn,
        "INSERT INTO queue_exclusions (event_id, user_id, excluded_at, excluded_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    );
    let n = backend::execute(
        conn,
        diesel::sql_query(sql)
            .bind::<BigInt, _>(event.0)
            .bind::<BigInt, _>(user.0)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(by.0),
    )?;
    Ok(n == 1)
}

/// Whether an admin excluded the account from the event's room (one primary-key read).
pub fn is_excluded(conn: &mut DbConnection, event: EventId, user: UserId) -> QueryResult<bool> {
    queue_exclusions::table
        .find((event, user))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// How many accounts are excluded from the event's room.
pub fn exclusions(conn: &mut DbConnection, event: EventId) -> QueryResult<i64> {
    queue_exclusions::table
        .filter(queue_exclusions::event_id.eq(event))
        .count()
        .get_result(conn)
}

/// What the panel and the admin JSON show about a room now (§3.14).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Numbers handed out and not yet called (`issued − cursor`): an upper bound, since
    /// tickets that left are counted until the cursor passes them.
    pub waiting: i64,
    /// Tickets really waiting behind the cursor (numbered, not called, not left).
    pub waiting_tickets: i64,
    /// Waiting tickets without a number: the pre-queue before the draw, stragglers after it.
    pub unnumbered: i64,
    pub issued: i64,
    pub cursor: i64,
    /// Turns running now (`active`, `active_until > now`).
    pub active: i64,
    /// Called within the claim window and not claimed: each holds a slot.
    pub called_unclaimed: i64,
    /// Tickets called in the last minute (the seqs of the calls made then).
    pub calls_last_minute: i64,
    /// Called and never claimed within the grace (`missed`), in all and lately.
    pub no_shows: i64,
    pub no_shows_recent: i64,
    pub done: i64,
    /// Turns that ran out unused (marked `lapsed`, or `active` past `active_until`).
    pub lapsed: i64,
    /// Turns claimed and ended (done, lapsed, or given up): the conversion's denominator.
    pub turns_ended: i64,
    /// Join (or draw) to call, in seconds, for tickets called in the last [`WAIT_WINDOW`].
    pub waits: Vec<i64>,
    /// Claim to payment, in seconds, for turns done in the last [`WAIT_WINDOW`].
    pub sessions: Vec<i64>,
}

#[derive(QueryableByName)]
struct Span {
    #[diesel(sql_type = Timestamp)]
    started: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    ended: Option<NaiveDateTime>,
}

fn seconds(spans: Vec<Span>, floor: Option<NaiveDateTime>) -> Vec<i64> {
    let mut out: Vec<i64> = spans
        .into_iter()
        .filter_map(|s| {
            let start = floor.map_or(s.started, |f| s.started.max(f));
            s.ended.map(|end| (end - start).num_seconds().max(0))
        })
        .collect();
    out.sort_unstable();
    out
}

/// The room's live figures, read at `now`: a handful of indexed counts on the room's tickets
/// and calls, and two bounded samples for the percentiles.
pub fn figures(
    conn: &mut DbConnection,
    room: &RoomRow,
    now: NaiveDateTime,
) -> QueryResult<Figures> {
    let event = room.event_id;
    let by_state: Vec<(TicketState, i64)> = queue_tickets::table
        .filter(queue_tickets::event_id.eq(event))
        .group_by(queue_tickets::state)
        .select((queue_tickets::state, count_star()))
        .load(conn)?;
    let count = |s: TicketState| {
        by_state
            .iter()
            .find(|(state, _)| *state == s)
            .map_or(0, |(_, n)| *n)
    };
    let active = tick::active(conn, event, now)?;
    let run_out = count(TicketState::Active) - active;
    let window = TimeDelta::seconds(i64::from(room.claim_seconds));
    let before_window = tick::cursor_at(conn, event, now - window)?;
    let called_unclaimed = tick::waiting_between(conn, event, before_window, room.cursor)?;
    let waiting_tickets = queue_tickets::table
        .filter(queue_tickets::event_id.eq(event))
        .filter(queue_tickets::state.eq(TicketState::Waiting))
        .filter(queue_tickets::seq.gt(room.cursor))
        .count()
        .get_result(conn)?;
    let unnumbered = queue_tickets::table
        .filter(queue_tickets::event_id.eq(event))
        .filter(queue_tickets::state.eq(TicketState::Waiting))
        .filter(queue_tickets::seq.is_null())
        .count()
        .get_result(conn)?;
    let recent_calls: Vec<(i64, i64)> = queue_calls::table
        .filter(queue_calls::event_id.eq(event))
        .filter(queue_calls::called_at.gt(now - TimeDelta::minutes(1)))
        .select((queue_calls::from_seq, queue_calls::to_seq))
        .load(conn)?;
    let no_shows_recent = queue_tickets::table
        .filter(queue_tickets::event_id.eq(event))
        .filter(queue_tickets::state.eq(TicketState::Missed))
        .filter(queue_tickets::ended_at.gt(now - NO_SHOW_WINDOW))
        .count()
        .get_result(conn)?;
    let given_up = queue_tickets::table
        .filter(queue_tickets::event_id.eq(event))
        .filter(queue_tickets::state.eq(TicketState::Left))
        .filter(queue_tickets::claimed_at.is_not_null())
        .count()
        .get_result::<i64>(conn)?;
    let lapsed = count(TicketState::Lapsed) + run_out;
    Ok(Figures {
        waiting: room.issued - room.cursor,
        waiting_tickets,
        unnumbered,
        issued: room.issued,
        cursor: room.cursor,
        active,
        called_unclaimed,
        calls_last_minute: recent_calls.iter().map(|(f, t)| t - f + 1).sum(),
        no_shows: count(TicketState::Missed),
        no_shows_recent,
        done: count(TicketState::Done),
        lapsed,
        turns_ended: count(TicketState::Done) + lapsed + given_up,
        waits: waits(conn, room, now)?,
        sessions: sessions(conn, event, now)?,
    })
}

/// Join (or draw, for those drawn) to call, for tickets called in the last [`WAIT_WINDOW`]:
/// each ticket's call is the `queue_calls` row whose range holds its seq. Tickets that left
/// before their call were passed over, not called.
fn waits(conn: &mut DbConnection, room: &RoomRow, now: NaiveDateTime) -> QueryResult<Vec<i64>> {
    let sql = numbered(
        conn,
        "SELECT t.joined_at AS started, c.called_at AS ended \
         FROM queue_calls c JOIN queue_tickets t \
           ON t.event_id = c.event_id AND t.seq >= c.from_seq AND t.seq <= c.to_seq \
         WHERE c.event_id = $1 AND c.called_at > $2 \
           AND NOT (t.state = 'left' AND t.ended_at <= c.called_at) \
         ORDER BY c.called_at DESC LIMIT $3",
    );
    let spans: Vec<Span> = backend::load(
        conn,
        diesel::sql_query(sql)
            .bind::<BigInt, _>(room.event_id.0)
            .bind::<Timestamp, _>(now - WAIT_WINDOW)
            .bind::<BigInt, _>(SAMPLE_LIMIT),
    )?;
    Ok(seconds(spans, room.drawn_at))
}

/// Claim to payment for turns done in the last [`WAIT_WINDOW`] (the buyer's session).
fn sessions(conn: &mut DbConnection, event: EventId, now: NaiveDateTime) -> QueryResult<Vec<i64>> {
    let rows: Vec<(Option<NaiveDateTime>, Option<NaiveDateTime>)> = queue_tickets::table
        .filter(queue_tickets::event_id.eq(event))
        .filter(queue_tickets::state.eq(TicketState::Done))
        .filter(queue_tickets::ended_at.gt(now - WAIT_WINDOW))
        .order(queue_tickets::ended_at.desc())
        .limit(SAMPLE_LIMIT)
        .select((queue_tickets::claimed_at, queue_tickets::ended_at))
        .load(conn)?;
    let spans = rows
        .into_iter()
        .filter_map(|(claimed, ended)| {
            Some(Span {
                started: claimed?,
                ended,
            })
        })
        .collect();
    Ok(seconds(spans, None))
}
