-- Issue 16, denial of inventory. A box office may cap how many tickets one account may have
-- for an event (held and bought together); NULL: no cap beyond the per-order maximum.
ALTER TABLE events ADD COLUMN max_tickets_per_account INTEGER
    CHECK (max_tickets_per_account IS NULL OR max_tickets_per_account > 0);

-- Seats and standing places an account gave back (cancelled, released, or let run out): the
-- same account may not hold them again until the re-hold cooldown has passed (others may at
-- once). A short-lived ledger, purged by the sweeper. No foreign keys on purpose: a key check
-- takes a KEY SHARE lock on the users or events row, and these rows are written by cancels and
-- the sweeper while they hold section locks (db::lock_order). booking_id is the basket they
-- left: putting a seat back into that same basket, while it lives, is no renewal (the basket's
-- expiry does not move), so only a new basket waits out the cooldown.
CREATE TABLE hold_releases (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    booking_id BIGINT NOT NULL,
    event_seat_id BIGINT,
    event_section_id BIGINT,
    quantity INTEGER NOT NULL DEFAULT 1,
    released_at TIMESTAMP NOT NULL,
    CHECK ((event_seat_id IS NULL) <> (event_section_id IS NULL)),
    CHECK (quantity > 0),
    CHECK (event_seat_id IS NULL OR quantity = 1)
);
CREATE INDEX hold_releases_user_event_idx ON hold_releases (user_id, event_id, released_at);
CREATE INDEX hold_releases_released_at_idx ON hold_releases (released_at);
