-- Issue 23: payment providers behind one interface, and partial refunds.

-- Which provider took each payment (every later call about it goes to that one).
ALTER TABLE payments ADD COLUMN provider TEXT NOT NULL DEFAULT 'simpay'
    CHECK (provider IN ('simpay', 'lotuspay'));
CREATE INDEX payments_provider_status_idx ON payments (provider, status);

-- What has been refunded of each payment: the sum of its refunds, kept by the trigger below
-- in the same statement as each refund's insert, so that no refund can take the total past
-- what was paid (the CHECK refuses the insert).
ALTER TABLE payments ADD COLUMN refunded_cents BIGINT NOT NULL DEFAULT 0;
UPDATE payments SET refunded_cents = COALESCE(
    (SELECT SUM(r.amount_cents) FROM refunds r WHERE r.payment_id = payments.id), 0);
ALTER TABLE payments ADD CONSTRAINT payments_refunded_check
    CHECK (refunded_cents BETWEEN 0 AND amount_cents);

CREATE FUNCTION refunds_count_against_payment() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.amount_cents <> OLD.amount_cents OR NEW.payment_id <> OLD.payment_id THEN
            RAISE EXCEPTION 'a refund''s amount and payment never change';
        END IF;
        RETURN NEW;
    END IF;
    UPDATE payments SET refunded_cents = refunded_cents + NEW.amount_cents
        WHERE id = NEW.payment_id;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER refunds_count_against_payment AFTER INSERT OR UPDATE ON refunds
    FOR EACH ROW EXECUTE FUNCTION refunds_count_against_payment();

-- A payment may now be refunded in parts: one refund per idempotency key, not per payment.
DROP INDEX refunds_payment_id_key;
CREATE INDEX refunds_payment_id_idx ON refunds (payment_id);

-- The tickets a partial refund gave back (a ticket is refunded once).
CREATE TABLE refund_tickets (
    refund_id BIGINT NOT NULL REFERENCES refunds (id),
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (refund_id, ticket_id)
);
CREATE UNIQUE INDEX refund_tickets_ticket_id_key ON refund_tickets (ticket_id);

-- Which providers an organizer's events offer, in order (none: SimPay alone), and an event's
-- own choice, which replaces its organizer's when it has one.
CREATE TABLE organizer_providers (
    organizer_id BIGINT NOT NULL REFERENCES organizers (id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('simpay', 'lotuspay')),
    position INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (organizer_id, provider)
);
CREATE TABLE event_providers (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('simpay', 'lotuspay')),
    position INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (event_id, provider)
);
