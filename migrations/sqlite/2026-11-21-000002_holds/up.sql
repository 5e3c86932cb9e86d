-- One basket per buyer and event: all of a buyer's held seats for an event are one pending
-- booking. (An expired pending booking is expired before a new one is opened.)
CREATE UNIQUE INDEX bookings_one_pending_per_user_event ON bookings (user_id, event_id)
    WHERE status = 'pending';
