UPDATE events SET status = 'draft' WHERE status IN ('review', 'approved');
ALTER TABLE events DROP CONSTRAINT events_status_check;
ALTER TABLE events DROP CONSTRAINT events_published_at_check;
ALTER TABLE events ADD CONSTRAINT events_status_check
    CHECK (status IN ('draft', 'published', 'completed', 'cancelled'));
ALTER TABLE events ADD CONSTRAINT events_check3
    CHECK (status = 'draft' OR published_at IS NOT NULL OR status = 'cancelled');
ALTER TABLE events DROP CONSTRAINT events_venue_organizer_fkey;
ALTER TABLE events DROP COLUMN organizer_id;
ALTER TABLE venues DROP CONSTRAINT venues_id_organizer_id_key;
ALTER TABLE venues DROP COLUMN organizer_id;
DROP TABLE organizer_invitations;
DROP TABLE organizer_members;
DROP TABLE organizers;
