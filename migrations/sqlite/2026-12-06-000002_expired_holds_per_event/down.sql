CREATE INDEX bookings_event_id_status_idx ON bookings (event_id, status);
DROP INDEX bookings_event_id_status_expires_at_idx;
