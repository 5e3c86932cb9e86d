-- A standing hold ends the section's expired holds first (services::holds): it reads them from
-- its own event's expired pending bookings, so that other events' unswept holds (a worker down
-- or behind) cost it nothing (issue 18). The new index starts with the old one's columns.
CREATE INDEX bookings_event_id_status_expires_at_idx ON bookings (event_id, status, expires_at);
DROP INDEX bookings_event_id_status_idx;
