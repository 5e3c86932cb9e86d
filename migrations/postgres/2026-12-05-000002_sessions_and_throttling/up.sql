-- Server-side sessions: the cookie carries a random id; only its SHA-256 is stored. A session
-- is live while revoked_at is NULL; logging out (here or everywhere) sets it.
CREATE TABLE user_sessions (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK (last_seen_at >= created_at),
    CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);
CREATE UNIQUE INDEX user_sessions_id_hash_key ON user_sessions (id_hash);
CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id);

-- One-time sign-in (unlock) links emailed to an account's owner; only their SHA-256 is stored.
CREATE TABLE login_links (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    CHECK (expires_at > created_at)
);
CREATE UNIQUE INDEX login_links_token_hash_key ON login_links (token_hash);
CREATE INDEX login_links_user_id_idx ON login_links (user_id);

-- Which address a verification or reset link was sent to: a link for an old address does
-- nothing once the account's address has changed.
ALTER TABLE user_tokens ADD COLUMN sent_to TEXT;
