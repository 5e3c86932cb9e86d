-- Back to one organizer: events in review or approved return to draft, the organizer columns
-- and tables go. Same rebuild procedure as up.sql.
UPDATE events SET status = 'draft' WHERE status IN ('review', 'approved');
CREATE TABLE events_old (
    id INTEGER PRIMARY KEY,
    venue_id BIGINT NOT NULL REFERENCES venues (id),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    slug TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 200),
    summary TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL
        CHECK (category IN ('concert', 'theatre', 'sports', 'comedy', 'conference', 'family')),
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'published', 'completed', 'cancelled')),
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
    CHECK (status = 'draft' OR published_at IS NOT NULL OR status = 'cancelled')
);
INSERT INTO events_old (id, venue_id, title, slug, summary, description, category, status, featured, starts_at, starts_local, ends_at, currency, sales_start_at, sales_end_at, max_tickets_per_order, published_at, cancelled_at, cancellation_reason, created_at, updated_at, version, max_tickets_per_account)
SELECT id, venue_id, title, slug, summary, description, category, status, featured, starts_at, starts_local, ends_at, currency, sales_start_at, sales_end_at, max_tickets_per_order, published_at, cancelled_at, cancellation_reason, created_at, updated_at, version, max_tickets_per_account FROM events;
DROP TABLE events;
ALTER TABLE events_old RENAME TO events;
CREATE UNIQUE INDEX events_slug_key ON events (slug);
CREATE INDEX events_status_starts_at_idx ON events (status, starts_at);
CREATE INDEX events_venue_id_idx ON events (venue_id);

CREATE TABLE venues_old (
    id INTEGER PRIMARY KEY,
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
INSERT INTO venues_old (id, name, slug, description, address, city, country, timezone, created_at, updated_at)
SELECT id, name, slug, description, address, city, country, timezone, created_at, updated_at FROM venues;
DROP TABLE venues;
ALTER TABLE venues_old RENAME TO venues;
CREATE UNIQUE INDEX venues_slug_key ON venues (slug);
CREATE INDEX venues_city_idx ON venues (city);

DROP TABLE organizer_invitations;
DROP TABLE organizer_members;
DROP TABLE organizers;
