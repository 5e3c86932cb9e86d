-- Payment integrity (issue 16). Keep in step with ../../sqlite/<same folder>/up.sql.

-- What is sold must equal what was paid. Every change of a pending basket (a hold added, a
-- seat or standing line released) bumps the booking's basket_version; a payment records the
-- version and amount it was opened for, and the update that marks the booking paid is guarded
-- on both (src/db/payments.rs mark_paid), so a payment opened for an older basket never sells.
ALTER TABLE bookings ADD COLUMN basket_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN basket_version INTEGER NOT NULL DEFAULT 0;

-- A payment accepted in time must not be lost to webhook lag: when a payment opens, the hold
-- (expires_at, and the held seats' held_until) is extended once by a bounded grace, and
-- payable_until keeps the original end, after which no new payment can start.
ALTER TABLE bookings ADD COLUMN payable_until TIMESTAMP;

-- The reconciliation (src/services/reconcile.rs) looks for succeeded payments and for
-- payments still pending, oldest first.
CREATE INDEX payments_status_created_at_idx ON payments (status, created_at);
