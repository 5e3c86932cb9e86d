-- A live booking item belongs to a live booking (pending, or paid): never to one that has
-- ended (expired, cancelled, refunded). The row is read FOR SHARE, so an insert racing a
-- transaction that is ending the booking waits for it, then sees the end and is refused: an
-- ended booking can never keep live lines that hold seats or places.
CREATE FUNCTION booking_items_need_a_live_booking() RETURNS trigger AS $$
BEGIN
    IF NEW.active THEN
        PERFORM 1 FROM bookings WHERE id = NEW.booking_id AND status IN ('pending', 'paid') FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'booking % has ended: it takes no live items', NEW.booking_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER booking_items_need_a_live_booking BEFORE INSERT ON booking_items
    FOR EACH ROW EXECUTE FUNCTION booking_items_need_a_live_booking();
