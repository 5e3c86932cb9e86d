-- Issue 20: the waiting room (shared/WAITING_ROOM.md §3.3). One room per event; numbered tickets
-- are called in order by moving the room's cursor (every seq <= cursor has been called), and each
-- tick that moved it leaves a queue_calls row ("when was seq s called?"). Phases and states are
-- TEXT with a CHECK; every rule the database can keep on its own is a CHECK, so a wrong state
-- cannot be written by any path. Times are the app's clock, bound from Rust.
CREATE TABLE waiting_rooms (
    event_id INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    phase TEXT NOT NULL DEFAULT 'off' CHECK (phase IN ('off', 'prequeue', 'open', 'closed')),
    prequeue_opens_at TIMESTAMP,
    order_mode TEXT NOT NULL DEFAULT 'random_then_fifo'
        CHECK (order_mode IN ('random_then_fifo', 'fifo')),
    -- R and M; NULL: that limit is not used.
    rate_per_minute INTEGER CHECK (rate_per_minute IS NULL OR rate_per_minute > 0),
    max_active INTEGER CHECK (max_active IS NULL OR max_active > 0),
    admission_minutes INTEGER NOT NULL DEFAULT 15 CHECK (admission_minutes > 0),
    claim_seconds INTEGER NOT NULL DEFAULT 180 CHECK (claim_seconds > 0),
    grace_minutes INTEGER NOT NULL DEFAULT 15 CHECK (grace_minutes > 0),
    require_account BOOLEAN NOT NULL DEFAULT TRUE,
    auto_close BOOLEAN NOT NULL DEFAULT TRUE,
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    message TEXT CHECK (message IS NULL OR length(message) <= 500),
    issued BIGINT NOT NULL DEFAULT 0 CHECK (issued >= 0),
    cursor BIGINT NOT NULL DEFAULT 0 CHECK (cursor >= 0 AND cursor <= issued),
    allowance DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (allowance >= 0),
    last_tick_at TIMESTAMP,
    drawn_at TIMESTAMP,
    prequeue_count BIGINT NOT NULL DEFAULT 0 CHECK (prequeue_count >= 0),
    stats_active BIGINT NOT NULL DEFAULT 0 CHECK (stats_active >= 0),
    stats_called_unclaimed BIGINT NOT NULL DEFAULT 0 CHECK (stats_called_unclaimed >= 0),
    stats_seats_left BIGINT,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    -- A room that is off or closed calls nobody; only an enabled room is in a live phase.
    CHECK (enabled OR phase IN ('off', 'closed')),
    -- Numbers are handed out (and called) only once the draw has opened the room.
    CHECK (drawn_at IS NOT NULL OR (phase <> 'open' AND issued = 0)),
    -- A late claim (within G) comes after the claim window (W).
    CHECK (grace_minutes * 60 >= claim_seconds)
);
CREATE INDEX waiting_rooms_enabled_phase_idx ON waiting_rooms (enabled, phase);

CREATE TABLE queue_tickets (
    id INTEGER PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES waiting_rooms (event_id) ON DELETE CASCADE,
    -- NULL when the room does not require an account (one ticket per browser cookie).
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    -- The pre-queue's random key (never shown); NULL for late joiners and in fifo mode.
    draw_key BIGINT CHECK (draw_key IS NULL OR draw_key >= 0),
    seq BIGINT CHECK (seq IS NULL OR seq > 0),
    state TEXT NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'active', 'done', 'lapsed', 'left', 'missed')),
    joined_at TIMESTAMP NOT NULL,
    claimed_at TIMESTAMP,
    active_until TIMESTAMP,
    ended_at TIMESTAMP,
    -- Only a ticket waiting for the draw (or that left before it) has no number.
    CHECK (seq IS NOT NULL OR state IN ('waiting', 'left')),
    -- A turn was claimed, and lasts until a set time.
    CHECK (state NOT IN ('active', 'done', 'lapsed') OR (claimed_at IS NOT NULL AND active_until IS NOT NULL)),
    CHECK (active_until IS NULL OR (claimed_at IS NOT NULL AND active_until > claimed_at)),
    -- A waiting ticket has no turn yet and has not ended; every other state but active has.
    CHECK (state <> 'waiting' OR (claimed_at IS NULL AND active_until IS NULL AND ended_at IS NULL)),
    CHECK ((state IN ('waiting', 'active')) = (ended_at IS NULL))
);
CREATE UNIQUE INDEX queue_tickets_event_seq_key ON queue_tickets (event_id, seq);
CREATE UNIQUE INDEX queue_tickets_event_user_key ON queue_tickets (event_id, user_id);
CREATE INDEX queue_tickets_event_state_seq_idx ON queue_tickets (event_id, state, seq);
CREATE INDEX queue_tickets_event_draw_key_idx ON queue_tickets (event_id, draw_key);
CREATE INDEX queue_tickets_user_idx ON queue_tickets (user_id);

-- One row per tick that moved a room's cursor: seqs from_seq..=to_seq were called at called_at.
-- Ranges of one room never overlap (both ends are unique, and the tick writes them in order).
CREATE TABLE queue_calls (
    id INTEGER PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES waiting_rooms (event_id) ON DELETE CASCADE,
    from_seq BIGINT NOT NULL CHECK (from_seq > 0),
    to_seq BIGINT NOT NULL,
    called_at TIMESTAMP NOT NULL,
    CHECK (to_seq >= from_seq)
);
CREATE UNIQUE INDEX queue_calls_event_to_seq_key ON queue_calls (event_id, to_seq);
CREATE UNIQUE INDEX queue_calls_event_from_seq_key ON queue_calls (event_id, from_seq);
