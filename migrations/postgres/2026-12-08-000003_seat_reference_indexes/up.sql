-- Deleting an event that never sold (issue 22) deletes its event_seats rows; each one makes
-- the database look for rows still pointing at it (booking_items.event_seat_id and
-- tickets.event_seat_id). Their only indexes were partial (live items, tickets not void), which
-- that lookup cannot use: a scan of both tables for every seat, more than ten seconds for an
-- arena's event on PostgreSQL (seen by the contract fuzzing in CI). Plain indexes make it one
-- index probe per seat.
CREATE INDEX booking_items_event_seat_id_idx ON booking_items (event_seat_id);
CREATE INDEX tickets_event_seat_id_idx ON tickets (event_seat_id);
