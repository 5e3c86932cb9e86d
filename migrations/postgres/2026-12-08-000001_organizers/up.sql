-- Organizers, their teams, and the event workflow (issue 22). Keep in step with
-- ../../sqlite/<same folder>/up.sql.

-- An organizer (a theatre, a promoter, a club) owns venues and events. Every install has the
-- house organizer (id 1), which owns what existed before organizers did.
CREATE TABLE organizers (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Whether its events need a platform admin's approval before they are published.
    requires_approval BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX organizers_name_key ON organizers (lower(name));
INSERT INTO organizers (id, name, requires_approval, created_at, updated_at)
VALUES (1, 'Box office', FALSE, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC');
SELECT setval(pg_get_serial_sequence('organizers', 'id'), 1);

-- A team: one role per account and organizer.
CREATE TABLE organizer_members (
    organizer_id BIGINT NOT NULL REFERENCES organizers (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'box_office', 'door', 'viewer')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organizer_id, user_id)
);
CREATE INDEX organizer_members_user_id_idx ON organizer_members (user_id);

-- An invitation to a team, for an address without an account (yet). Its link carries a
-- secret; only its SHA-256 is stored. One open invitation per organizer and address.
CREATE TABLE organizer_invitations (
    id BIGSERIAL PRIMARY KEY,
    organizer_id BIGINT NOT NULL REFERENCES organizers (id) ON DELETE CASCADE,
    email TEXT NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'box_office', 'door', 'viewer')),
    token_hash TEXT NOT NULL,
    invited_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    accepted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    revoked_at TIMESTAMP,
    CHECK (expires_at > created_at),
    CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
CREATE UNIQUE INDEX organizer_invitations_token_hash_key ON organizer_invitations (token_hash);
CREATE UNIQUE INDEX organizer_invitations_open_key ON organizer_invitations (organizer_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Venues belong to an organizer.
ALTER TABLE venues ADD COLUMN organizer_id BIGINT REFERENCES organizers (id);
UPDATE venues SET organizer_id = 1;
ALTER TABLE venues ALTER COLUMN organizer_id SET NOT NULL;
CREATE INDEX venues_organizer_id_idx ON venues (organizer_id);
-- The parent key of events' (venue_id, organizer_id).
ALTER TABLE venues ADD CONSTRAINT venues_id_organizer_id_key UNIQUE (id, organizer_id);

-- Events belong to the organizer of their venue (the composite key makes another organizer's
-- venue impossible), and gain the workflow's statuses: draft -> review -> approved ->
-- published -> completed, any -> cancelled.
ALTER TABLE events ADD COLUMN organizer_id BIGINT REFERENCES organizers (id);
UPDATE events SET organizer_id = 1;
ALTER TABLE events ALTER COLUMN organizer_id SET NOT NULL;
ALTER TABLE events ADD CONSTRAINT events_venue_organizer_fkey
    FOREIGN KEY (venue_id, organizer_id) REFERENCES venues (id, organizer_id);
CREATE INDEX events_organizer_id_status_idx ON events (organizer_id, status);
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'events'::regclass AND contype = 'c'
               AND pg_get_constraintdef(oid) LIKE '%''draft''%'
    LOOP
        EXECUTE format('ALTER TABLE events DROP CONSTRAINT %I', c.conname);
    END LOOP;
END $$;
ALTER TABLE events ADD CONSTRAINT events_status_check
    CHECK (status IN ('draft', 'review', 'approved', 'published', 'completed', 'cancelled'));
ALTER TABLE events ADD CONSTRAINT events_published_at_check
    CHECK (status IN ('draft', 'review', 'approved', 'cancelled') OR published_at IS NOT NULL);
