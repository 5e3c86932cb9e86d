-- Issue 22: an account its owner deleted. The row stays (bookings, tickets and payments point
-- at it, so the accounts and statistics still add up), but nothing personal is left in it: a
-- fixed name, an address of its own id at the reserved `.invalid` domain (so the real address
-- may register again), no verification, the plain role, disabled (so every check of a live
-- account refuses it). The CHECK makes a half-erased or revived deleted account impossible.
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE users ADD CONSTRAINT users_deleted_check
    CHECK (deleted_at IS NULL OR (
        name = 'Deleted user'
        AND email = 'deleted-' || CAST(id AS TEXT) || '@deleted.invalid'
        AND email_verified_at IS NULL
        AND role = 'user'
        AND disabled_at IS NOT NULL));
