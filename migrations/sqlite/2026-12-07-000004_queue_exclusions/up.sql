-- Issue 20 (shared/WAITING_ROOM.md §3.11, §3.13): an admin can exclude an account from an
-- event's waiting room before the draw. Its ticket ends as 'left', and this row stops the
-- account from joining the room again. Times are the app's clock, bound from Rust.
CREATE TABLE queue_exclusions (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    excluded_at TIMESTAMP NOT NULL,
    -- The admin who excluded it; NULL once that account is gone.
    excluded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX queue_exclusions_user_idx ON queue_exclusions (user_id);
