-- LotusPay, the second simulated provider (issue 23; src/providers/lotuspay): redirect-shaped,
-- like VNPay or 2C2P. Its own books, which no table of the app references and which reference
-- none of the app's. Keep in step with ../../postgres/<same folder>/up.sql.

CREATE TABLE lotuspay_payments (
    id INTEGER PRIMARY KEY,
    -- LotusPay's reference for the payment (`lp_…`), what the app knows it by.
    txn_ref TEXT NOT NULL CHECK (length(txn_ref) BETWEEN 8 AND 64),
    -- The merchant's key: the same key always answers the same payment.
    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 300),
    order_ref TEXT NOT NULL,
    description TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    method TEXT NOT NULL CHECK (method IN ('card', 'bank_transfer')),
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'awaiting_funds', 'succeeded', 'failed', 'cancelled')),
    failure_reason TEXT,
    refunded_cents BIGINT NOT NULL DEFAULT 0,
    -- When a bank transfer the buyer says they made arrives (the settling job runs then).
    settle_at TIMESTAMP,
    return_url TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    -- Money only goes back from a payment that was taken, and never more than was taken.
    CHECK (refunded_cents BETWEEN 0 AND amount_cents),
    CHECK (refunded_cents = 0 OR status = 'succeeded'),
    CHECK (status <> 'awaiting_funds' OR (method = 'bank_transfer' AND settle_at IS NOT NULL)),
    CHECK ((status = 'succeeded') = (paid_at IS NOT NULL))
);
CREATE UNIQUE INDEX lotuspay_payments_txn_ref_key ON lotuspay_payments (txn_ref);
CREATE UNIQUE INDEX lotuspay_payments_idempotency_key_key ON lotuspay_payments (idempotency_key);

CREATE TABLE lotuspay_refunds (
    id INTEGER PRIMARY KEY,
    refund_ref TEXT NOT NULL CHECK (length(refund_ref) BETWEEN 8 AND 64),
    payment_id BIGINT NOT NULL REFERENCES lotuspay_payments (id),
    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 300),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX lotuspay_refunds_refund_ref_key ON lotuspay_refunds (refund_ref);
CREATE UNIQUE INDEX lotuspay_refunds_idempotency_key_key ON lotuspay_refunds (idempotency_key);
CREATE INDEX lotuspay_refunds_payment_id_idx ON lotuspay_refunds (payment_id);

-- What LotusPay tells the merchant server to server (its "IPN"): the parameters as signed and
-- posted, form-encoded, by the worker (job kind `lotuspay.notify`) until the merchant answers
-- {"RspCode":"00"}. Every retry carries the same notify_id.
CREATE TABLE lotuspay_notifications (
    id INTEGER PRIMARY KEY,
    notify_id TEXT NOT NULL CHECK (length(notify_id) BETWEEN 8 AND 64),
    payment_id BIGINT NOT NULL REFERENCES lotuspay_payments (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('payment.succeeded', 'payment.failed', 'payment.cancelled', 'refund.succeeded')),
    params TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    acknowledged_at TIMESTAMP
);
CREATE UNIQUE INDEX lotuspay_notifications_notify_id_key ON lotuspay_notifications (notify_id);
CREATE INDEX lotuspay_notifications_payment_id_idx ON lotuspay_notifications (payment_id);
