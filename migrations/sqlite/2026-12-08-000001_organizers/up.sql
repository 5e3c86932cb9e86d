-- Organizers, their teams, and the event workflow (issue 22). Keep in step with
-- ../../postgres/<same folder>/up.sql.
--
-- Rebuilds `venues` and `events` (SQLite cannot change a CHECK or add a NOT NULL foreign key in
-- place). src/db/migrate.rs runs SQLite migrations with foreign keys off, as SQLite's own
-- procedure for a table rebuild requires, and checks every foreign key afterwards.

-- An organizer (a theatre, a promoter, a club) owns venues and events. Every install has the
-- house organizer (id 1), which owns what existed before organizers did.
CREATE TABLE organizers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Whether its events need a platform admin's approval before they are published.
    requires_approval BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX organizers_name_key ON organizers (lower(name));
INSERT INTO organizers (id, name, requires_approval, created_at, updated_at)
VALUES (1, 'Box office', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

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
    id INTEGER PRIMARY KEY,
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
CREATE TABLE venues_new (
    id INTEGER PRIMARY KEY,
    organizer_id BIGINT NOT NULL REFERENCES organizers (id),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 200),
    description TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL,
    city TEXT NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
    country TEXT NOT NULL CHECK (length(country) = 2),
    timezone TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO venues_new (id, organizer_id, name, slug, description, address, city, country,
                        timezone, created_at, updated_at)
SELECT id, 1, name, slug, description, address, city, country, timezone, created_at, updated_at
FROM venues;
DROP TABLE venues;
ALTER TABLE venues_new RENAME TO venues;
CREATE UNIQUE INDEX venues_slug_key ON venues (slug);
CREATE INDEX venues_city_idx ON venues (city);
CREATE INDEX venues_organizer_id_idx ON venues (organizer_id);
-- The parent key of events' (venue_id, organizer_id).
CREATE UNIQUE INDEX venues_id_organizer_id_key ON venues (id, organizer_id);

-- Events belong to the organizer of their venue (the composite key makes another organizer's
-- venue impossible), and gain the workflow's statuses: draft -> review -> approved ->
-- published -> completed, any -> cancelled.
CREATE TABLE events_new (
    id INTEGER PRIMARY KEY,
    venue_id BIGINT NOT NULL REFERENCES venues (id),
    organizer_id BIGINT NOT NULL REFERENCES organizers (id),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    slug TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 200),
    summary TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL
        CHECK (category IN ('concert', 'theatre', 'sports', 'comedy', 'conference', 'family')),
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'review', 'approved', 'published', 'completed', 'cancelled')),
    featured BOOLEAN NOT NULL DEFAULT FALSE,
    starts_at TIMESTAMP NOT NULL,
    -- The wall-clock start at the venue (starts_at in the venue's time zone), written with
    -- starts_at, so date filters mean the venue's local date.
    starts_local TIMESTAMP NOT NULL,
    ends_at TIMESTAMP,
    currency TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    sales_start_at TIMESTAMP,
    sales_end_at TIMESTAMP,
    max_tickets_per_order INTEGER NOT NULL DEFAULT 10
        CHECK (max_tickets_per_order BETWEEN 1 AND 50),
    published_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    cancellation_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    max_tickets_per_account INTEGER
        CHECK (max_tickets_per_account IS NULL OR max_tickets_per_account > 0),
    CHECK (ends_at IS NULL OR ends_at > starts_at),
    CHECK (sales_start_at IS NULL OR sales_end_at IS NULL OR sales_end_at > sales_start_at),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CHECK (status IN ('draft', 'review', 'approved', 'cancelled') OR published_at IS NOT NULL),
    FOREIGN KEY (venue_id, organizer_id) REFERENCES venues (id, organizer_id)
);
INSERT INTO events_new (id, venue_id, organizer_id, title, slug, summary, description, category,
                        status, featured, starts_at, starts_local, ends_at, currency,
                        sales_start_at, sales_end_at, max_tickets_per_order, published_at,
                        cancelled_at, cancellation_reason, created_at, updated_at, version,
                        max_tickets_per_account)
SELECT id, venue_id, 1, title, slug, summary, description, category, status, featured, starts_at,
       starts_local, ends_at, currency, sales_start_at, sales_end_at, max_tickets_per_order,
       published_at, cancelled_at, cancellation_reason, created_at, updated_at, version,
       max_tickets_per_account
FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE UNIQUE INDEX events_slug_key ON events (slug);
CREATE INDEX events_status_starts_at_idx ON events (status, starts_at);
CREATE INDEX events_venue_id_idx ON events (venue_id);
CREATE INDEX events_organizer_id_status_idx ON events (organizer_id, status);
