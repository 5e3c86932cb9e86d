-- boxoffice core schema (SQLite). Keep in step with ../../postgres/<same folder>/up.sql:
-- the schema agreement test compares tables, columns, nullability and indexes.
-- Conventions: ids are BIGINT; money is BIGINT minor units plus a currency code; times are UTC
-- TIMESTAMP bound from Rust; statuses are TEXT with a CHECK; every unique rule is a named
-- CREATE UNIQUE INDEX (never an inline UNIQUE) so both backends name it the same.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    session_epoch BIGINT NOT NULL DEFAULT 0,
    email_verified_at TIMESTAMP,
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    CHECK (expires_at > created_at)
);
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

CREATE TABLE user_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    CHECK (expires_at > created_at)
);
CREATE UNIQUE INDEX user_tokens_token_hash_key ON user_tokens (token_hash);
CREATE INDEX user_tokens_user_id_purpose_idx ON user_tokens (user_id, purpose);

CREATE TABLE venues (
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
CREATE UNIQUE INDEX venues_slug_key ON venues (slug);
CREATE INDEX venues_city_idx ON venues (city);

-- A seated section's capacity is its number of seats (derived, so NULL here); a standing
-- section carries its capacity.
CREATE TABLE sections (
    id INTEGER PRIMARY KEY,
    venue_id BIGINT NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind TEXT NOT NULL CHECK (kind IN ('seated', 'standing')),
    capacity INTEGER,
    position INTEGER NOT NULL DEFAULT 0,
    map_x INTEGER NOT NULL DEFAULT 0,
    map_y INTEGER NOT NULL DEFAULT 0,
    map_width INTEGER NOT NULL DEFAULT 0 CHECK (map_width >= 0),
    map_height INTEGER NOT NULL DEFAULT 0 CHECK (map_height >= 0),
    CHECK ((kind = 'standing' AND capacity IS NOT NULL AND capacity > 0)
        OR (kind = 'seated' AND capacity IS NULL))
);
CREATE UNIQUE INDEX sections_venue_id_name_key ON sections (venue_id, name);

CREATE TABLE seats (
    id INTEGER PRIMARY KEY,
    section_id BIGINT NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    row_label TEXT NOT NULL CHECK (length(row_label) BETWEEN 1 AND 10),
    row_index INTEGER NOT NULL CHECK (row_index >= 0),
    number INTEGER NOT NULL CHECK (number > 0),
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    accessible BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX seats_section_id_row_label_number_key ON seats (section_id, row_label, number);
-- Lets inventory rows reference (seat, section), so a seat can't be counted in another section.
CREATE UNIQUE INDEX seats_id_section_id_key ON seats (id, section_id);

CREATE TABLE events (
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
    CHECK (ends_at IS NULL OR ends_at > starts_at),
    CHECK (sales_start_at IS NULL OR sales_end_at IS NULL OR sales_end_at > sales_start_at),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CHECK (status = 'draft' OR published_at IS NOT NULL OR status = 'cancelled')
);
CREATE UNIQUE INDEX events_slug_key ON events (slug);
CREATE INDEX events_status_starts_at_idx ON events (status, starts_at);
CREATE INDEX events_venue_id_idx ON events (venue_id);

CREATE TABLE price_tiers (
    id INTEGER PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    price_cents BIGINT NOT NULL CHECK (price_cents BETWEEN 0 AND 100000000),
    position INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX price_tiers_event_id_name_key ON price_tiers (event_id, name);
-- Lets inventory rows reference (tier, event) so a tier of another event can't be used.
CREATE UNIQUE INDEX price_tiers_id_event_id_key ON price_tiers (id, event_id);

CREATE TABLE bookings (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL CHECK (length(reference) BETWEEN 6 AND 32),
    user_id BIGINT NOT NULL REFERENCES users (id),
    event_id BIGINT NOT NULL REFERENCES events (id),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'paid', 'expired', 'cancelled', 'refunded')),
    total_cents BIGINT NOT NULL CHECK (total_cents >= 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    expires_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    refunded_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (status NOT IN ('paid', 'refunded') OR paid_at IS NOT NULL),
    CHECK (status <> 'refunded' OR refunded_at IS NOT NULL),
    CHECK (status <> 'cancelled' OR cancelled_at IS NOT NULL)
);
CREATE UNIQUE INDEX bookings_reference_key ON bookings (reference);
CREATE UNIQUE INDEX bookings_id_event_id_key ON bookings (id, event_id);
CREATE INDEX bookings_user_id_created_at_idx ON bookings (user_id, created_at);
CREATE INDEX bookings_event_id_status_idx ON bookings (event_id, status);
CREATE INDEX bookings_status_expires_at_idx ON bookings (status, expires_at);

-- Per event, one row per section on sale: its tier and its counters. For a standing section the
-- counters are the inventory (a hold moves places from free to held with a guarded update);
-- for a seated section they mirror its event_seats rows and are kept by triggers, so lists and
-- section overviews read a few rows instead of counting thousands of seats. Locks stay per
-- seat: a hold takes this row's lock only for the statement that changes the seats, last.
CREATE TABLE event_sections (
    id INTEGER PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    section_id BIGINT NOT NULL REFERENCES sections (id),
    tier_id BIGINT NOT NULL,
    -- Seats (seated) or places (standing) on sale in this section for this event.
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    held INTEGER NOT NULL DEFAULT 0,
    sold INTEGER NOT NULL DEFAULT 0,
    blocked INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    FOREIGN KEY (tier_id, event_id) REFERENCES price_tiers (id, event_id),
    CHECK (held >= 0 AND sold >= 0 AND blocked >= 0 AND held + sold + blocked <= capacity)
);
CREATE UNIQUE INDEX event_sections_event_id_section_id_key ON event_sections (event_id, section_id);

-- Seat inventory: one row per seat per event; the row lock of a hold. Its price is its
-- section's tier for the event.
CREATE TABLE event_seats (
    id INTEGER PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    seat_id BIGINT NOT NULL,
    section_id BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'available'
        CHECK (status IN ('available', 'held', 'sold', 'blocked')),
    booking_id BIGINT,
    held_until TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    FOREIGN KEY (seat_id, section_id) REFERENCES seats (id, section_id),
    FOREIGN KEY (event_id, section_id) REFERENCES event_sections (event_id, section_id) ON DELETE CASCADE,
    FOREIGN KEY (booking_id, event_id) REFERENCES bookings (id, event_id),
    CHECK ((status = 'available' AND booking_id IS NULL AND held_until IS NULL)
        OR (status = 'held' AND booking_id IS NOT NULL AND held_until IS NOT NULL)
        OR (status = 'sold' AND booking_id IS NOT NULL AND held_until IS NULL)
        OR (status = 'blocked' AND booking_id IS NULL AND held_until IS NULL))
);
CREATE UNIQUE INDEX event_seats_event_id_seat_id_key ON event_seats (event_id, seat_id);
-- Covers finding free seats and expired holds (an expired hold is available).
CREATE INDEX event_seats_event_id_status_idx ON event_seats (event_id, status, held_until);
CREATE INDEX event_seats_booking_id_idx ON event_seats (booking_id);

CREATE TABLE booking_items (
    id INTEGER PRIMARY KEY,
    booking_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    event_seat_id BIGINT REFERENCES event_seats (id),
    event_section_id BIGINT REFERENCES event_sections (id),
    tier_id BIGINT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents BIGINT NOT NULL CHECK (unit_price_cents >= 0),
    -- true while the booking is pending or paid: at most one live item per seat.
    active BOOLEAN NOT NULL DEFAULT TRUE,
    FOREIGN KEY (booking_id, event_id) REFERENCES bookings (id, event_id) ON DELETE CASCADE,
    FOREIGN KEY (tier_id, event_id) REFERENCES price_tiers (id, event_id),
    -- A seat, or a number of places in a standing section.
    CHECK ((event_seat_id IS NOT NULL AND event_section_id IS NULL AND quantity = 1)
        OR (event_seat_id IS NULL AND event_section_id IS NOT NULL))
);
CREATE INDEX booking_items_booking_id_idx ON booking_items (booking_id);
CREATE INDEX booking_items_event_section_id_idx ON booking_items (event_section_id);
CREATE UNIQUE INDEX booking_items_live_seat_key ON booking_items (event_seat_id) WHERE active = TRUE;

-- The seated counters of event_sections follow event_seats (see event_sections above).
CREATE TRIGGER event_seats_count_insert AFTER INSERT ON event_seats
    WHEN NEW.status <> 'available'
BEGIN
    UPDATE event_sections
       SET held = held + (NEW.status = 'held'),
           sold = sold + (NEW.status = 'sold'),
           blocked = blocked + (NEW.status = 'blocked')
     WHERE event_id = NEW.event_id AND section_id = NEW.section_id;
END;
CREATE TRIGGER event_seats_count_update AFTER UPDATE OF status, event_id, section_id ON event_seats
    WHEN OLD.status IS NOT NEW.status OR OLD.event_id <> NEW.event_id
        OR OLD.section_id <> NEW.section_id
BEGIN
    UPDATE event_sections
       SET held = held - (OLD.status = 'held'),
           sold = sold - (OLD.status = 'sold'),
           blocked = blocked - (OLD.status = 'blocked')
     WHERE event_id = OLD.event_id AND section_id = OLD.section_id;
    UPDATE event_sections
       SET held = held + (NEW.status = 'held'),
           sold = sold + (NEW.status = 'sold'),
           blocked = blocked + (NEW.status = 'blocked')
     WHERE event_id = NEW.event_id AND section_id = NEW.section_id;
END;
CREATE TRIGGER event_seats_count_delete AFTER DELETE ON event_seats
    WHEN OLD.status <> 'available'
BEGIN
    UPDATE event_sections
       SET held = held - (OLD.status = 'held'),
           sold = sold - (OLD.status = 'sold'),
           blocked = blocked - (OLD.status = 'blocked')
     WHERE event_id = OLD.event_id AND section_id = OLD.section_id;
END;

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    booking_id BIGINT NOT NULL REFERENCES bookings (id),
    external_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    method TEXT NOT NULL CHECK (method IN ('card', 'bank_transfer', 'ewallet')),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded')),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    failure_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    succeeded_at TIMESTAMP,
    CHECK (status NOT IN ('succeeded', 'refunded') OR succeeded_at IS NOT NULL)
);
CREATE UNIQUE INDEX payments_external_id_key ON payments (external_id);
CREATE UNIQUE INDEX payments_booking_id_idempotency_key_key ON payments (booking_id, idempotency_key);
-- At most one payment per booking ever succeeds.
CREATE UNIQUE INDEX payments_one_success_per_booking_key ON payments (booking_id)
    WHERE status IN ('succeeded', 'refunded');

CREATE TABLE refunds (
    id INTEGER PRIMARY KEY,
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    booking_id BIGINT NOT NULL REFERENCES bookings (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    idempotency_key TEXT NOT NULL,
    external_id TEXT,
    reason TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    succeeded_at TIMESTAMP,
    CHECK (status <> 'succeeded' OR succeeded_at IS NOT NULL)
);
CREATE UNIQUE INDEX refunds_payment_id_key ON refunds (payment_id);
CREATE UNIQUE INDEX refunds_idempotency_key_key ON refunds (idempotency_key);
CREATE UNIQUE INDEX refunds_external_id_key ON refunds (external_id);
CREATE INDEX refunds_booking_id_idx ON refunds (booking_id);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    booking_id BIGINT NOT NULL REFERENCES bookings (id),
    booking_item_id BIGINT NOT NULL REFERENCES booking_items (id),
    event_id BIGINT NOT NULL REFERENCES events (id),
    event_seat_id BIGINT REFERENCES event_seats (id),
    code TEXT NOT NULL CHECK (length(code) BETWEEN 8 AND 64),
    status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'checked_in', 'void')),
    checked_in_at TIMESTAMP,
    checked_in_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK ((status = 'checked_in') = (checked_in_at IS NOT NULL))
);
CREATE UNIQUE INDEX tickets_code_key ON tickets (code);
CREATE UNIQUE INDEX tickets_live_seat_key ON tickets (event_seat_id) WHERE status <> 'void';
CREATE INDEX tickets_booking_id_idx ON tickets (booking_id);
CREATE INDEX tickets_event_id_status_idx ON tickets (event_id, status);

-- Payment-provider webhooks, deduplicated by the provider's event id.
CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY,
    provider_event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP
);
CREATE UNIQUE INDEX webhook_events_provider_event_id_key ON webhook_events (provider_event_id);

CREATE TABLE email_outbox (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    run_after TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    message_id TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE UNIQUE INDEX email_outbox_dedupe_key_key ON email_outbox (dedupe_key);
CREATE INDEX email_outbox_status_run_after_idx ON email_outbox (status, run_after);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    dedupe_key TEXT,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL DEFAULT 10 CHECK (max_attempts > 0),
    run_after TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    CHECK (status <> 'running' OR lease_until IS NOT NULL)
);
CREATE UNIQUE INDEX jobs_dedupe_key_key ON jobs (dedupe_key);
CREATE INDEX jobs_status_run_after_idx ON jobs (status, run_after);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    actor_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id BIGINT,
    detail TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at);
