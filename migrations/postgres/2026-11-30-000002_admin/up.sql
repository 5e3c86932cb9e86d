-- The admin's editors (issue 7). Keep in step with ../../sqlite/<same folder>/up.sql.

-- Optimistic concurrency: every edit of an event names the version it started from and bumps
-- it in the same guarded UPDATE (`WHERE id = ? AND version = ?`); an edit made from an older
-- version changes no row and is refused.
ALTER TABLE events ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);

-- A seat the venue never sells (a pillar, a camera position, the sound desk). Events created
-- afterwards start with it `blocked`.
ALTER TABLE seats ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT FALSE;
