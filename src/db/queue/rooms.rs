//! Waiting rooms: their settings, their phase (moved only by guarded updates), the locks the
//! tick and the late claims take, and the draw (§3.5).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{RoomRow, numbered};
use crate::db::schema::{events, waiting_rooms};
use crate::db::{DbConnection, backend};
use crate::domain::ids::EventId;
use crate::domain::queue::{OrderMode, Phase};

/// What an admin sets on a room (all of it, each time).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = waiting_rooms, treat_none_as_null = true)]
pub struct RoomSettingsRow {
    pub enabled: bool,
    pub prequeue_opens_at: Option<NaiveDateTime>,
    pub order_mode: OrderMode,
    pub rate_per_minute: Option<i32>,
    pub max_active: Option<i32>,
    pub admission_minutes: i32,
    pub claim_seconds: i32,
    pub grace_minutes: i32,
    pub require_account: bool,
    pub auto_close: bool,
    pub paused: bool,
    pub message: Option<String>,
}

pub fn find(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<RoomRow>> {
    waiting_rooms::table
        .find(event)
        .select(RoomRow::as_select())
        .first(conn)
        .optional()
}

/// The room, locked `FOR UPDATE` on PostgreSQL until the transaction ends (settings, late
/// claims, a forced draw).
pub fn lock(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<RoomRow>> {
    let query = waiting_rooms::table
        .filter(waiting_rooms::event_id.eq(event))
        .select(waiting_rooms::event_id);
    backend::lock_rows::<_, _, EventId>(conn, query, QueryDsl::for_update)?;
    find(conn, event)
}

/// The room for one admission tick: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so while one
/// instance ticks it the others get `None` and skip it this second. SQLite's immediate
/// transaction already excludes every other writer.
pub fn lock_for_tick(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<RoomRow>> {
    let query = waiting_rooms::table
        .filter(waiting_rooms::event_id.eq(event))
        .select(waiting_rooms::event_id);
    let locked: Option<EventId> =
        backend::first_locked(conn, query, |q| q.for_update().skip_locked())?;
    match locked {
        Some(_) => find(conn, event),
        None => Ok(None),
    }
}

/// The rooms the tick visits: enabled, and not closed. One query on `(enabled, phase)`; none
/// at all when no room is enabled.
pub fn live_rooms(conn: &mut DbConnection) -> QueryResult<Vec<EventId>> {
    waiting_rooms::table
        .filter(waiting_rooms::enabled.eq(true))
        .filter(waiting_rooms::phase.eq_any([Phase::Off, Phase::Prequeue, Phase::Open]))
        .order(waiting_rooms::event_id)
        .select(waiting_rooms::event_id)
        .load(conn)
}

/// When the event's sale starts (`None` inside: no start set); `None`: no such event.
pub fn sales_start(
    conn: &mut DbConnection,
    event: EventId,
) -> QueryResult<Option<Option<NaiveDateTime>>> {
    events::table
        .find(event)
        .select(events::sales_start_at)
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConnection,
    event: EventId,
    settings: &RoomSettingsRow,
    phase: Phase,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let opened = (phase == Phase::Open).then_some(now);
    diesel::insert_into(waiting_rooms::table)
        .values((
            waiting_rooms::event_id.eq(event),
            settings,
            waiting_rooms::phase.eq(phase),
            waiting_rooms::drawn_at.eq(opened),
            waiting_rooms::last_tick_at.eq(opened),
            waiting_rooms::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// New settings, and the phase the room moves to (`drawn_at` and the tick's clock start when
/// it opens without a draw).
pub fn update(
    conn: &mut DbConnection,
    room: &RoomRow,
    settings: &RoomSettingsRow,
    phase: Phase,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let opens = phase == Phase::Open && room.drawn_at.is_none();
    diesel::update(waiting_rooms::table.find(room.event_id))
        .set((
            settings,
            waiting_rooms::phase.eq(phase),
            waiting_rooms::drawn_at.eq(room.drawn_at.or(opens.then_some(now))),
            waiting_rooms::last_tick_at.eq(if opens { Some(now) } else { room.last_tick_at }),
            waiting_rooms::version.eq(waiting_rooms::version + 1),
            waiting_rooms::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Moves the room from `from` to `to`; false when it was not in `from`.
pub fn set_phase(
    conn: &mut DbConnection,
    event: EventId,
    from: Phase,
    to: Phase,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        waiting_rooms::table
            .find(event)
            .filter(waiting_rooms::phase.eq(from)),
    )
    .set((
        waiting_rooms::phase.eq(to),
        waiting_rooms::version.eq(waiting_rooms::version + 1),
        waiting_rooms::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Pauses or resumes calling; false when the room does not exist.
pub fn set_paused(
    conn: &mut DbConnection,
    event: EventId,
    paused: bool,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(waiting_rooms::table.find(event))
        .set((
            waiting_rooms::paused.eq(paused),
            waiting_rooms::version.eq(waiting_rooms::version + 1),
            waiting_rooms::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Takes the next live number (`issued + 1`) of an open room; `None` when it is not open.
pub fn take_number(conn: &mut DbConnection, event: EventId) -> QueryResult<Option<i64>> {
    diesel::update(
        waiting_rooms::table
            .find(event)
            .filter(waiting_rooms::phase.eq(Phase::Open)),
    )
    .set((
        waiting_rooms::issued.eq(waiting_rooms::issued + 1),
        waiting_rooms::version.eq(waiting_rooms::version + 1),
    ))
    .returning(waiting_rooms::issued)
    .get_result(conn)
    .optional()
}

/// The draw (§3.5), with the room locked and in `prequeue`: numbers every waiting ticket in
/// one statement, drawn keys first in key order, then those without a key (late joiners, and
/// everyone in fifo mode) in join order; then opens the room with `issued` = how many were
/// numbered and the cursor at 0. Answers that number, or `None` when the room was not in the
/// pre-queue (the guard of the phase update).
pub fn draw(
    conn: &mut DbConnection,
    event: EventId,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let opened = diesel::update(
        waiting_rooms::table
            .find(event)
            .filter(waiting_rooms::phase.eq(Phase::Prequeue)),
    )
    .set((
        waiting_rooms::phase.eq(Phase::Open),
        waiting_rooms::drawn_at.eq(now),
        waiting_rooms::last_tick_at.eq(now),
        waiting_rooms::allowance.eq(0.0),
        waiting_rooms::version.eq(waiting_rooms::version + 1),
        waiting_rooms::updated_at.eq(now),
    ))
    .execute(conn)?;
    if opened == 0 {
        return Ok(None);
    }
    let sql = numbered(
        conn,
        "UPDATE queue_tickets SET seq = r.n \
         FROM (SELECT id, row_number() OVER (ORDER BY draw_key IS NULL, draw_key, id) AS n \
               FROM queue_tickets WHERE event_id = $1 AND state = 'waiting' AND seq IS NULL) r \
         WHERE queue_tickets.id = r.id",
    );
    let n = backend::execute(conn, diesel::sql_query(sql).bind::<BigInt, _>(event.0))? as i64;
    diesel::update(waiting_rooms::table.find(event))
        .set((
            waiting_rooms::issued.eq(n),
            waiting_rooms::cursor.eq(0),
            waiting_rooms::prequeue_count.eq(n),
        ))
        .execute(conn)?;
    Ok(Some(n))
}
