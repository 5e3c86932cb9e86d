-- A live booking item belongs to a live booking (pending, or paid): never to one that has
-- ended (expired, cancelled, refunded), which can then never keep live lines that hold seats
-- or places. (SQLite has one writer at a time: the read cannot race the booking's end.)
CREATE TRIGGER booking_items_need_a_live_booking BEFORE INSERT ON booking_items
WHEN NEW.active AND (SELECT status FROM bookings WHERE id = NEW.booking_id) NOT IN ('pending', 'paid')
BEGIN
    SELECT RAISE(ABORT, 'booking has ended: it takes no live items');
END;
