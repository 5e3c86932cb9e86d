-- Checkout (ARCHITECTURE §8). Keep in step with ../../postgres/<same folder>/up.sql.

-- The simulated payment gateway's own books (src/gateway). They belong to the "provider": no
-- table of the app references them and they reference none of the app's. The app knows a
-- payment only by its external id, as it would with a real provider.
CREATE TABLE gateway_intents (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL CHECK (length(external_id) BETWEEN 8 AND 64),
    -- The merchant's key: the same key always answers the same intent.
    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 300),
    merchant_reference TEXT NOT NULL,
    description TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    method TEXT NOT NULL CHECK (method IN ('card', 'bank_transfer', 'ewallet')),
    status TEXT NOT NULL DEFAULT 'requires_payment'
        CHECK (status IN ('requires_payment', 'succeeded', 'failed', 'cancelled')),
    failure_reason TEXT,
    card_last4 TEXT,
    refunded_cents BIGINT NOT NULL DEFAULT 0,
    return_url TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    CHECK ((status = 'requires_payment') = (completed_at IS NULL)),
    -- Money only goes back from a payment that was taken, and never more than was taken.
    CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
    CHECK (refunded_cents = 0 OR status = 'succeeded')
);
CREATE UNIQUE INDEX gateway_intents_external_id_key ON gateway_intents (external_id);
CREATE UNIQUE INDEX gateway_intents_idempotency_key_key ON gateway_intents (idempotency_key);

CREATE TABLE gateway_refunds (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL CHECK (length(external_id) BETWEEN 8 AND 64),
    intent_id BIGINT NOT NULL REFERENCES gateway_intents (id),
    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 300),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX gateway_refunds_external_id_key ON gateway_refunds (external_id);
CREATE UNIQUE INDEX gateway_refunds_idempotency_key_key ON gateway_refunds (idempotency_key);
CREATE INDEX gateway_refunds_intent_id_idx ON gateway_refunds (intent_id);

-- What the gateway tells the merchant, signed and delivered by the worker (job kind
-- `gateway.webhook`) until acknowledged.
CREATE TABLE gateway_events (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL CHECK (length(event_id) BETWEEN 8 AND 64),
    kind TEXT NOT NULL
        CHECK (kind IN ('payment.succeeded', 'payment.failed', 'payment.cancelled', 'refund.succeeded')),
    intent_id BIGINT NOT NULL REFERENCES gateway_intents (id),
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE UNIQUE INDEX gateway_events_event_id_key ON gateway_events (event_id);
CREATE INDEX gateway_events_intent_id_idx ON gateway_events (intent_id);

-- At most one payment per booking holds the buyer's money. A second payment that the gateway
-- took anyway (two tabs, two cards) goes straight from pending to refunded: the index counts
-- the one that stands, not the one being given back.
DROP INDEX payments_one_success_per_booking_key;
CREATE UNIQUE INDEX payments_one_success_per_booking_key ON payments (booking_id)
    WHERE status = 'succeeded';
CREATE INDEX payments_booking_id_created_at_idx ON payments (booking_id, created_at);
