DROP TRIGGER booking_items_need_a_live_booking ON booking_items;
DROP FUNCTION booking_items_need_a_live_booking();
